"""yankao's admin site: only RDEC system administrators get in (see permissions.can_administer)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class YankaoAdminSite(admin.AdminSite):
    site_header = _("研考平台系統管理")
    site_title = _("研考平台系統管理")
    index_title = _("設定資料表")

    def has_permission(self, request: HttpRequest) -> bool:
        # Imported here: this module loads with the app registry, before any model may be imported.
        from yankao.core.permissions import can_administer

        return can_administer(request.user)


class YankaoAdminConfig(AdminConfig):
    default_site = "yankao.core.admin_site.YankaoAdminSite"
