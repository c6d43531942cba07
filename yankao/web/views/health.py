from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

import yankao as yankao_package


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not. Needs no login, creates no session."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse(
            {"status": "error", "database": "unavailable", "version": yankao_package.__version__}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "version": yankao_package.__version__})
