from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include("yankao.api.urls")),
    # Open311 GeoReport v2 keeps its own paths and formats (yankao/api/open311/).
    path("open311/v2/", include("yankao.api.open311.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("yankao.web.urls")),
]

if settings.YANKAO_BENCH_BARE_VIEW:
    from yankao.core.bench_bare import bare_view

    # First, so that resolving the baseline costs one pattern match (`yankao bench` only).
    urlpatterns = [path("_bench/bare", bare_view), *urlpatterns]

handler400 = "yankao.web.views.errors.bad_request"
handler403 = "yankao.web.views.errors.permission_denied"
handler404 = "yankao.web.views.errors.page_not_found"
handler500 = "yankao.web.views.errors.server_error"
