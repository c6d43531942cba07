from django.urls import path

from yankao.web.views import health, portal

app_name = "web"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", portal.portal_home, name="portal_home"),
]
