"""Errors the domain raises for the user to read: each carries a Traditional Chinese message."""

from typing import Any


class ApplicationError(Exception):
    """A rule of the domain refused the request; `message` is shown to the user as it is."""

    def __init__(self, message: str, *, code: str = "invalid", extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}

    def __str__(self) -> str:
        return self.message


class NotFoundError(ApplicationError):
    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code=kwargs.pop("code", "not_found"), **kwargs)


class PermissionDeniedError(ApplicationError):
    def __init__(self, message: str = "您沒有執行此動作的權限。", **kwargs: Any) -> None:
        super().__init__(message, code=kwargs.pop("code", "permission_denied"), **kwargs)


class RuleNotInForceError(ApplicationError):
    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code=kwargs.pop("code", "rule_not_in_force"), **kwargs)


class CalendarRangeError(ApplicationError):
    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code=kwargs.pop("code", "calendar_out_of_range"), **kwargs)


class InvalidDateError(ApplicationError):
    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code=kwargs.pop("code", "invalid_date"), **kwargs)


class ConflictError(ApplicationError):
    """Someone else changed the record since the user loaded it; nothing was written."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code=kwargs.pop("code", "conflict"), **kwargs)
