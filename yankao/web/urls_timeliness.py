"""The console and portal pages of the timeliness module (included by yankao/web/urls.py, namespace web)."""

from django.urls import URLPattern, URLResolver, path

from yankao.web.views import timeliness

urlpatterns: list[URLPattern | URLResolver] = [
    path("console/timeliness/", timeliness.timeliness_dashboard, name="timeliness_dashboard"),
    path("console/timeliness/documents/", timeliness.timeliness_documents, name="timeliness_documents"),
    path(
        "console/timeliness/documents/<int:pk>/", timeliness.timeliness_document, name="timeliness_document"
    ),
    path("console/timeliness/imports/", timeliness.timeliness_imports, name="timeliness_imports"),
    path("console/timeliness/imports/<int:pk>/", timeliness.timeliness_import, name="timeliness_import"),
    path(
        "console/timeliness/imports/<int:pk>/errors.csv",
        timeliness.timeliness_import_errors,
        name="timeliness_import_errors",
    ),
    path("console/timeliness/export.xlsx", timeliness.timeliness_export, name="timeliness_export"),
    path("console/timeliness/samples/", timeliness.timeliness_samples, name="timeliness_samples"),
    path("console/timeliness/samples/<int:pk>/", timeliness.timeliness_sample, name="timeliness_sample"),
    path(
        "console/timeliness/samples/<int:pk>/items/<int:item_pk>/",
        timeliness.timeliness_sample_item,
        name="timeliness_sample_item",
    ),
]
