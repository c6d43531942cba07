from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView

from yankao.api.cases import views as case_views
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
    path("cases", case_views.CaseListApi.as_view(), name="cases_list"),
    path("cases/<str:number>", case_views.CaseDetailApi.as_view(), name="cases_get"),
    path("cases/<str:number>/reply", case_views.CaseReplyApi.as_view(), name="cases_reply"),
    path("petitions", case_views.PetitionCreateApi.as_view(), name="petitions_create"),
    path("", include("yankao.api.servicedesk.urls")),
    path("", include("yankao.api.bullying.urls")),
    path("", include("yankao.api.programs.urls")),
    path("", include("yankao.api.programs_annual.urls")),
    path("", include("yankao.api.timeliness.urls")),
]
