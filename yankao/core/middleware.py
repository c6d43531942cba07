import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from yankao.core import request_context


class RequestContextMiddleware:
    """Makes the acting user, client address and a request id available to the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_context.bind(
            user=getattr(request, "user", None),
            ip_address=_client_ip(request),
            request_id=request.headers.get("X-Request-ID") or uuid.uuid4().hex,
        )
        try:
            return self.get_response(request)
        finally:
            request_context.reset(token)


def _client_ip(request: HttpRequest) -> str | None:
    # The reverse proxy appends the client address; trust only its last hop.
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded:
        return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None
