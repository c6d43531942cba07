"""The Django admin for the configuration tables: agencies, rules, the calendar, users.

Everyone who gets past the admin site's gate (an RDEC system administrator) may edit these
tables; Django's per-model permissions would only duplicate that one rule. Writes with rules of
their own (the agency tree's paths) go through services.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from yankao.core.exceptions import ApplicationError
from yankao.core.models import Agency, CalendarImport, CalendarOverride, Rule, User
from yankao.core.permissions import can_administer
from yankao.core.services.agencies import agency_parent_check, agency_save
from yankao.core.services.calendar import calendar_override_remove, calendar_override_set
from yankao.core.services.rules import rule_delete, rule_save
from yankao.core.services.users import user_save


class AdministratorsOnly:
    """Model permissions follow can_administer(); deleting is off unless a subclass allows it."""

    allow_delete = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_administer(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_administer(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return can_administer(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_administer(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and can_administer(request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # One by one, so that each deletion goes through delete_model and its service (audited).
        for obj in queryset:
            self.delete_model(request, obj)  # type: ignore[attr-defined]


class ConcurrentEditForm(forms.ModelForm):  # type: ignore[type-arg]
    """Refuses to save over a change someone else saved after this form was opened.

    The form carries the row's `updated_at` as it was loaded; if the row has moved on since, the
    administrator is told who changed it and nothing is overwritten.
    """

    loaded_updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_updated_at"].initial = self.instance.updated_at.isoformat()

    @property
    def changed_data(self) -> list[str]:
        # The guard's own field is not data of the record (and never goes to the audit trail).
        return [name for name in super().changed_data if name != "loaded_updated_at"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        loaded = cleaned.get("loaded_updated_at")
        if self.instance.pk is None or not loaded:
            return cleaned
        current = (
            type(self.instance)
            .objects.filter(pk=self.instance.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if current is not None and current.isoformat() != loaded:
            last = self.instance.history.order_by("-history_date").select_related("history_user").first()
            who = last.history_user.get_username() if last and last.history_user else _("其他管理者")
            raise ValidationError(
                _(
                    "這筆資料在您開啟後已被 %(who)s 修改；為免覆蓋對方的修改，本次未儲存。請重新載入頁面後再修改。"
                ),
                params={"who": who},
                code="concurrent_edit",
            )
        return cleaned


class AgencyAdminForm(ConcurrentEditForm):
    class Meta:
        model = Agency
        fields = (
            "code",
            "name",
            "short_name",
            "name_en",
            "kind",
            "parent",
            "sort_order",
            "is_active",
            "code_verified",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            agency_parent_check(agency=self.instance, parent=cleaned.get("parent"))
        except ApplicationError as error:
            raise ValidationError({"parent": error.message}) from error
        return cleaned


@admin.register(Agency)
class AgencyAdmin(AdministratorsOnly, SimpleHistoryAdmin):
    list_display = ("indented_name", "code", "short_name", "kind", "is_active", "code_verified")
    list_display_links = ("indented_name",)
    list_filter = ("kind", "is_active", "code_verified")
    search_fields = ("code", "name", "short_name", "name_en")
    ordering = ("path",)
    list_per_page = 200
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "created_at", "updated_at")
    fields = (
        "code",
        "name",
        "short_name",
        "name_en",
        "kind",
        "parent",
        "sort_order",
        "is_active",
        "code_verified",
        "path",
        "created_at",
        "updated_at",
        "loaded_updated_at",
    )
    form = AgencyAdminForm

    @admin.display(description=_("名稱（依隸屬層級縮排）"), ordering="path")
    def indented_name(self, agency: Agency) -> str:
        # Full-width spaces, not a style attribute: the Content Security Policy forbids inline styles.
        depth = agency.path.count("/")
        return ("\u3000" * depth + "└ " if depth else "") + agency.name

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        agency_save(agency=obj, changed_fields=list(form.changed_data))


@admin.register(Rule)
class RuleAdmin(AdministratorsOnly, SimpleHistoryAdmin):
    allow_delete = True
    list_display = ("key", "qualifier", "title", "value", "unit", "effective_from", "date_basis", "status")
    list_filter = ("status", "unit", "date_basis")
    search_fields = ("key", "title", "qualifier", "source")
    date_hierarchy = "effective_from"
    readonly_fields = ("created_at", "updated_at")
    form = ConcurrentEditForm

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        rule_save(rule=obj, changed_fields=list(form.changed_data), actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Rule) -> None:
        rule_delete(rule=obj, actor=request.user)

    fieldsets = (
        (None, {"fields": ["key", "qualifier", "title", "loaded_updated_at"]}),
        (_("數值"), {"fields": ["value", "unit"]}),
        (
            _("適用版本"),
            {
                "fields": ["effective_from", "date_basis"],
                "description": _(
                    "規則的每一次修改都是新增一個版本：請新增一筆「生效日」較晚的規則，不要改寫舊版本，"
                    "舊案件才能繼續適用舊規定。「生效日」是新版本開始適用的日期（含當日）。"
                    "「版本判定日」指用案件的哪一個日期來挑選版本：收件日（預設）、階段開始日或決定日；"
                    "例如以收件日判定時，收件日在生效日之前的案件仍適用前一版本。"
                ),
            },
        ),
        (_("來源與查證"), {"fields": ["status", "source"]}),
        (_("紀錄"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    )


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AdministratorsOnly, SimpleHistoryAdmin):
    allow_delete = True
    list_display = ("date", "is_working_day", "kind", "reason", "verified")
    list_filter = ("kind", "is_working_day", "verified")
    search_fields = ("reason",)
    date_hierarchy = "date"
    form = ConcurrentEditForm

    def save_model(self, request: HttpRequest, obj: CalendarOverride, form: Any, change: bool) -> None:
        if change and "date" in form.changed_data:
            calendar_override_remove(date=form.initial["date"], actor=request.user)
        saved = calendar_override_set(
            date=obj.date,
            is_working_day=obj.is_working_day,
            kind=obj.kind,
            reason=obj.reason,
            verified=obj.verified,
            actor=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        calendar_override_remove(date=obj.date, actor=request.user)


@admin.register(CalendarImport)
class CalendarImportAdmin(AdministratorsOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("year", "file_name", "difference_count", "imported_by", "created_at")
    list_filter = ("year",)
    readonly_fields = ("year", "file_name", "sha256", "difference_count", "imported_by", "created_at")
    exclude = ("updated_at",)

    # Imports are a record of what `yankao calendar import` did; nobody edits that record.
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class YankaoUserAdmin(AdministratorsOnly, UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "display_name", "role", "agency", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff", "agency__kind")
    search_fields = ("username", "display_name", "email", "agency__name", "agency__code")
    autocomplete_fields = ("agency",)
    list_select_related = ("agency",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("研考平台角色"), {"fields": ["display_name", "role", "agency"]}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("研考平台角色"), {"fields": ["display_name", "role", "agency"]}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).select_related("agency")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        user_save(user=obj, changed_fields=list(form.changed_data), actor=request.user)


# The audit trail's read-only admin pages (kept in their own module by the audit trail's author).
from yankao.core import admin_audit  # noqa: E402, F401
