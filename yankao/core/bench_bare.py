"""The baseline of `yankao bench`'s HTTP figures: a plain JSON view with no work of its own.

Routed only when `YANKAO_BENCH_BARE_VIEW` is on (the bench server sets it), at `/_bench/bare`. It
goes through yankao's whole middleware stack, so a page measured against it is charged for its
own work only, not for the middleware every request pays anyway.
"""

from django.http import HttpRequest, JsonResponse


def bare_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"hello": "world"})
