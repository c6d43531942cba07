from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("yankao.api.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("yankao.web.urls")),
]

handler400 = "yankao.web.views.errors.bad_request"
handler403 = "yankao.web.views.errors.permission_denied"
handler404 = "yankao.web.views.errors.page_not_found"
handler500 = "yankao.web.views.errors.server_error"

