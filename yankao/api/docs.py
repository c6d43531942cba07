"""The API's documentation page: Swagger UI from drf-spectacular-sidecar, served by the app itself.

The split view loads Swagger UI's start-up script from this same URL (`?script`) instead of inline,
so the page runs under the site's Content Security Policy with no exception for inline code.
"""

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    title = "yankao API 說明文件"
