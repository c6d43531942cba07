import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
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


class SessionIdleRefreshMiddleware:
    """Extends a signed-in session's idle timeout at most once per `YANKAO_SESSION_REFRESH_SECONDS`.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) is a database write per page
    view; the idle timeout needs only a refresh now and then. A session therefore expires between
    SESSION_COOKIE_AGE minus the refresh interval and SESSION_COOKIE_AGE after the last request.
    """

    KEY = "_yankao_refreshed"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval = settings.YANKAO_SESSION_REFRESH_SECONDS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a request that used the session (a signed-in page or API call) counts as activity;
        # one that never read it (a static file, a health check) costs no session read here.
        if session is None or not session.accessed or SESSION_KEY not in session:
            return response
        now = int(time.time())
        if now - int(session.get(self.KEY, 0)) >= self.interval:
            session[self.KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response
