"""Query parameters the API's views share."""

from datetime import date

from rest_framework.request import Request

from yankao.core.exceptions import InvalidDateError
from yankao.core.roc_dates import roc_date_parse


def date_param(request: Request, name: str, label: str) -> date:
    """The query parameter `name` as a date (ISO or ROC); InvalidDateError naming the parameter."""
    text = request.query_params.get(name, "")
    if not text.strip():
        raise InvalidDateError(
            f"請提供{label}（參數 {name}），例如 2024-01-31 或 113/01/31。", extra={"parameter": name}
        )
    try:
        return roc_date_parse(text)
    except InvalidDateError as error:
        raise InvalidDateError(
            f"{label}（參數 {name}）：{error.message}", extra={"parameter": name, **error.extra}
        ) from error
