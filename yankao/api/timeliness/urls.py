"""The timeliness part of the API: the audit's figures (read only)."""

from django.urls import URLPattern, URLResolver, path

from yankao.api.timeliness import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("timeliness/figures", views.TimelinessFiguresApi.as_view(), name="timeliness_figures"),
]
