"""Configuration of the timeliness audit in the admin: column-mapping profiles and agencies'
application periods (data, not code). Documents change only through imports (the console)."""

from typing import Any

from django import forms
from django.contrib import admin

from yankao.core.admin import AdministratorsOnly, ConcurrentEditForm
from yankao.timeliness.importing import Profile, ProfileError
from yankao.timeliness.models import ApplicationPeriod, MappingProfile


class MappingProfileForm(ConcurrentEditForm):
    class Meta:
        model = MappingProfile
        fields = ("name", "description", "columns", "values", "is_active")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            Profile.from_data(
                name=cleaned.get("name") or "",
                columns=cleaned.get("columns") or {},
                values=cleaned.get("values") or {},
            )
        except ProfileError as error:
            raise forms.ValidationError(error.message) from error
        return cleaned


@admin.register(MappingProfile)
class MappingProfileAdmin(AdministratorsOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    """One profile per source system: which header holds each field, and how its codes read."""

    list_display = ("name", "description", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    form = MappingProfileForm


@admin.register(ApplicationPeriod)
class ApplicationPeriodAdmin(AdministratorsOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    """Each agency's published processing periods for 人民申請 (行政程序法 §51); 2 months where none."""

    list_display = ("agency", "item", "value", "unit")
    list_filter = ("unit",)
    search_fields = ("item", "agency__name")
    autocomplete_fields = ("agency",)
