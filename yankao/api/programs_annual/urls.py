"""The programs_annual part of the API: tracked items (read, report an update) and plan items (read)."""

from django.urls import URLPattern, URLResolver, path

from yankao.api.programs_annual import views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "programs-annual/tracked-items",
        views.TrackedItemListApi.as_view(),
        name="programs_annual_tracked_items",
    ),
    path(
        "programs-annual/tracked-items/<int:item_id>/updates",
        views.TrackedItemUpdateApi.as_view(),
        name="programs_annual_tracked_item_update",
    ),
    path(
        "programs-annual/plan/<int:year>/items",
        views.PlanItemListApi.as_view(),
        name="programs_annual_plan_items",
    ),
]
