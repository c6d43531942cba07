"""Who is acting, from where, in this request or task: read by the audit trail."""

import contextvars
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    user: Any = None
    ip_address: str | None = None
    request_id: str = ""


_NOBODY = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "yankao_request_context", default=None
)


def bind(
    *, user: Any = None, ip_address: str | None = None, request_id: str = ""
) -> contextvars.Token[RequestContext | None]:
    return _current.set(RequestContext(user=user, ip_address=ip_address, request_id=request_id))


def reset(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)


def current() -> RequestContext:
    return _current.get() or _NOBODY
