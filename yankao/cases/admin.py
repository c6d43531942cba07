from django.contrib import admin

from yankao.cases.models import Category
from yankao.core.admin import AdministratorsOnly, ConcurrentEditForm


@admin.register(Category)
class CategoryAdmin(AdministratorsOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    """Case categories are configuration (RDEC administrators); cases themselves are changed only
    through the engine's services, never here."""

    list_display = ("code", "name", "group", "default_agency", "routed_to_district", "is_public", "is_active")
    list_filter = ("group", "routed_to_district", "is_public", "is_active")
    search_fields = ("code", "name", "keywords")
    autocomplete_fields = ("default_agency",)
    form = ConcurrentEditForm
