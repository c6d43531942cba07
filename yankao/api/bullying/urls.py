"""The bullying part of the API: aggregate figures only."""

from django.urls import URLPattern, URLResolver, path

from yankao.api.bullying import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("bullying/statistics", views.BullyingStatisticsApi.as_view(), name="bullying_statistics"),
]
