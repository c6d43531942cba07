"""The audit trail in the admin: read-only for everyone, superusers included.

Imported by yankao/core/admin.py. Auditors browse at /console/audit/; the admin only lets RDEC
administrators look (see admin_site.YankaoAdminSite.has_permission).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yankao.core.audit_chain import HASHED_FIELDS
from yankao.core.models import AuditEntry, AuditSeal
from yankao.core.permissions import can_read_audit_trail


class _ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    # Nobody adds, changes or deletes through the admin; the models refuse as well.
    actions = None
    # The changelist would otherwise count the whole table on every page.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_read_audit_trail(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_read_audit_trail(request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnlyAdmin):
    list_display = ("id", "occurred_at", "actor_username", "action", "target_type", "target_id", "ip_address")
    list_filter = ("action",)
    search_fields = ("=actor_username", "=target_type", "=target_id", "=request_id")
    readonly_fields = HASHED_FIELDS  # every field of an entry, as the seal covers it
    exclude = ("actor",)


@admin.register(AuditSeal)
class AuditSealAdmin(_ReadOnlyAdmin):
    list_display = ("seq", "entry_id", "entry_hash", "chain_hash", "sealed_at")
    search_fields = ("=entry_id",)
    readonly_fields = ("seq", "entry_id", "entry_hash", "chain_hash", "sealed_at")
