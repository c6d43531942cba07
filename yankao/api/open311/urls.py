"""Open311 GeoReport v2 (mounted at /open311/v2/ in config/urls.py); every path ends in .json or .xml."""

from django.urls import URLPattern, URLResolver, path, re_path, register_converter

from yankao.api.open311 import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")

app_name = "open311"

urlpatterns: list[URLPattern | URLResolver] = [
    path("discovery.<fmt:fmt>", views.discovery, name="discovery"),
    path("services.<fmt:fmt>", views.services, name="services"),
    path("services/<str:code>.<fmt:fmt>", views.service_definition, name="service_definition"),
    path("requests.<fmt:fmt>", views.requests, name="requests"),
    path("requests/<str:number>.<fmt:fmt>", views.request_detail, name="request_detail"),
    path("servicerequestupdates.<fmt:fmt>", views.request_updates, name="request_updates"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
