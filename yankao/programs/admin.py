from django.contrib import admin

from yankao.core.admin import AdministratorsOnly, ConcurrentEditForm
from yankao.programs.models import ProgramType


@admin.register(ProgramType)
class ProgramTypeAdmin(AdministratorsOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    """Program types are configuration: RDEC administrators add the types the city controls beyond the
    three seeded ones. Programs and their reports change only through the services (the console)."""

    list_display = ("code", "name", "short_name", "sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    form = ConcurrentEditForm
