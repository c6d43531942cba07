"""The programs part of the API: controlled programs and the exception list (read only)."""

from django.urls import URLPattern, URLResolver, path

from yankao.api.programs import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("programs", views.ProgramListApi.as_view(), name="programs_list"),
    path("programs/exceptions", views.ExceptionListApi.as_view(), name="programs_exceptions"),
]
