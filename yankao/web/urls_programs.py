"""The console and portal pages of the programs module (included by yankao/web/urls.py, namespace web)."""

from django.urls import URLPattern, URLResolver, path

from yankao.web.views import programs

urlpatterns: list[URLPattern | URLResolver] = [
    path("console/programs/", programs.programs_dashboard, name="programs_dashboard"),
    path("console/programs/exceptions/", programs.programs_exceptions, name="programs_exceptions"),
    path("console/programs/list/", programs.programs_list, name="programs_list"),
    path("console/programs/reviews/", programs.review_queue, name="programs_reviews"),
    path("console/programs/workbook/", programs.workbook, name="programs_workbook"),
    path("console/programs/new/", programs.program_new, name="program_new"),
    path("console/programs/<int:pk>/", programs.program_detail, name="program_detail"),
    path("console/programs/<int:pk>/edit/", programs.program_edit, name="program_edit"),
    path(
        "console/programs/<int:pk>/progress-method/",
        programs.program_progress_method,
        name="program_progress_method",
    ),
    path("console/programs/<int:pk>/reports/<str:month>/", programs.report_edit, name="program_report_edit"),
    path("console/programs/reports/<int:pk>/", programs.report_detail, name="program_report"),
    path("console/programs/reports/<int:pk>/review/", programs.report_review, name="program_report_review"),
]
