"""The console and portal pages of the hotline module (included by yankao/web/urls.py, namespace web)."""

from django.urls import URLPattern, URLResolver, path

from yankao.web.views import hotline

urlpatterns: list[URLPattern | URLResolver] = [
    path("console/hotline/", hotline.hotline_console, name="hotline_console"),
    path("console/hotline/caller/", hotline.hotline_caller, name="hotline_caller"),
    path("console/hotline/duplicates/", hotline.hotline_duplicates, name="hotline_duplicates"),
    path("console/hotline/dashboard/", hotline.hotline_dashboard, name="hotline_dashboard"),
    path("console/hotline/cases/<str:number>/calls/", hotline.hotline_case_calls, name="hotline_case_calls"),
]
