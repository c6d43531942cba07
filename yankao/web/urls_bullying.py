"""The console pages of the bullying module (included by yankao/web/urls.py, namespace web)."""

from django.urls import URLPattern, URLResolver, path

from yankao.web.views import bullying

urlpatterns: list[URLPattern | URLResolver] = [
    path("console/bullying/", bullying.bullying_register, name="bullying_register"),
    path("console/bullying/new/", bullying.bullying_new, name="bullying_new"),
    path("console/bullying/dashboard/", bullying.bullying_dashboard, name="bullying_dashboard"),
    path("console/bullying/handoff/", bullying.bullying_handoff, name="bullying_handoff"),
    path("console/bullying/<str:number>/", bullying.bullying_detail, name="bullying_detail"),
    path("console/bullying/<str:number>/reveal/", bullying.bullying_reveal, name="bullying_reveal"),
    path(
        "console/bullying/<str:number>/attachments/<int:attachment_id>/",
        bullying.bullying_attachment,
        name="bullying_attachment",
    ),
    path("console/bullying/<str:number>/<slug:action>/", bullying.bullying_action, name="bullying_action"),
]
