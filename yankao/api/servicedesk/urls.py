"""The servicedesk part of the API: the 1999 calls."""

from django.urls import URLPattern, URLResolver, path

from yankao.api.servicedesk import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("calls", views.CallListApi.as_view(), name="calls_list"),
    path("calls/<int:call_id>", views.CallDetailApi.as_view(), name="calls_get"),
]
