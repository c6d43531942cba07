from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from yankao.api.core import views as core_views
from yankao.api.docs import ApiDocsView

app_name = "api"

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("docs/", ApiDocsView.as_view(url_name="api:openapi"), name="docs"),
    path("me", core_views.UserMeApi.as_view(), name="me"),
    path("agencies", core_views.AgencyListApi.as_view(), name="agencies"),
    path("rules/<str:key>", core_views.RuleGetApi.as_view(), name="rule_get"),
    path("calendar/working-days", core_views.CalendarWorkingDaysApi.as_view(), name="calendar_working_days"),
]
