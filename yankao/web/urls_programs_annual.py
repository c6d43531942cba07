"""The console pages of the programs_annual module (included by yankao/web/urls.py, namespace web):
the annual plan's preliminary round, programs' annual evaluation, tracked items and municipal
enterprise evaluations, under /console/programs/annual/."""

from django.urls import URLPattern, URLResolver, path

from yankao.web.views import programs_annual as views

P = "console/programs/annual/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(P, views.annual_home, name="annual_home"),
    path(P + "plan/", views.plan_rounds, name="annual_plan_rounds"),
    path(P + "plan/<int:year>/", views.plan_round, name="annual_plan_round"),
    path(P + "plan/<int:year>/plan.pdf", views.plan_document_pdf, name="annual_plan_pdf"),
    path(P + "plan/<int:year>/plan.docx", views.plan_document_docx, name="annual_plan_docx"),
    path(P + "plan/<int:year>/template.xlsx", views.plan_template, name="annual_plan_template"),
    path(P + "plan/<int:year>/items.xlsx", views.plan_items_export, name="annual_plan_items_xlsx"),
    path(P + "plan/items/<int:item_id>/", views.plan_item, name="annual_plan_item"),
    path(P + "evaluations/", views.evaluations, name="annual_evaluations"),
    path(P + "evaluations/<int:evaluation_id>/", views.evaluation, name="annual_evaluation"),
    path(P + "tracked/", views.tracked_items, name="annual_tracked_items"),
    path(P + "tracked/<int:item_id>/", views.tracked_item, name="annual_tracked_item"),
    path(P + "enterprises/", views.enterprise_evaluations, name="annual_enterprises"),
    path(P + "enterprises/<int:evaluation_id>/", views.enterprise_evaluation, name="annual_enterprise"),
]
