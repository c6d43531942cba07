"""ROC (民國) dates: display as officials expect them, and parsing of what imports and commands receive.

Display: long `民國113年3月31日`, short `113/03/31`. Parsing accepts `113/03/31`, `113/3/31`,
`113-03-31`, `113.03.31`, `1130331`, `民國113年3月31日` (or without 民國), ISO `2024-03-31` and
`20240331`; full-width digits and punctuation are read as their ASCII forms.
"""

import argparse
import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy

from yankao.core.exceptions import InvalidDateError

TAIWAN = ZoneInfo("Asia/Taipei")

# ROC year 1 is 1912: the calendar's definition, not a legal number that could change.
ROC_YEAR_OFFSET = 1911

# Lazy: it is a form's help text too, shown in the reader's language.
FORMATS_HINT = gettext_lazy("可用格式：113/03/31、113-03-31、1130331、民國113年3月31日 或 2024-03-31")

_ROC_WORDS = re.compile(r"^(?:民國)?(\d{1,3})年(\d{1,2})月(\d{1,2})日$")
_ROC_SEPARATED = re.compile(r"^(\d{1,3})([/.-])(\d{1,2})\2(\d{1,2})$")
_ROC_COMPACT = re.compile(r"^(\d{3})(\d{2})(\d{2})$")
_ISO_SEPARATED = re.compile(r"^(\d{4})([/.-])(\d{1,2})\2(\d{1,2})$")
_ISO_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def roc_date_format(value: date | datetime) -> str:
    """`民國113年3月31日`."""
    day = _day(value)
    return f"民國{_roc_year(day)}年{day.month}月{day.day}日"


def roc_date_format_short(value: date | datetime) -> str:
    """`113/03/31`."""
    day = _day(value)
    return f"{_roc_year(day)}/{day.month:02d}/{day.day:02d}"


def roc_date_format_compact(value: date | datetime) -> str:
    """1130331: the seven-digit form of case numbers and government registers."""
    day = _day(value)
    return f"{_roc_year(day):03d}{day.month:02d}{day.day:02d}"


def roc_date_parse(text: str) -> date:
    """The date that `text` writes in one of the accepted ROC or ISO forms; InvalidDateError otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidDateError(f"日期不可空白。{FORMATS_HINT}。", extra={"input": str(text or "")})
    normalized = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if match := _ROC_WORDS.match(normalized) or _ROC_COMPACT.match(normalized):
        year, month, day = match.groups()
        return _build(text, int(year), int(month), int(day), roc=True)
    if match := _ROC_SEPARATED.match(normalized):
        year, _, month, day = match.groups()
        return _build(text, int(year), int(month), int(day), roc=True)
    if match := _ISO_SEPARATED.match(normalized):
        year, _, month, day = match.groups()
        return _build(text, int(year), int(month), int(day), roc=False)
    if match := _ISO_COMPACT.match(normalized):
        year, month, day = match.groups()
        return _build(text, int(year), int(month), int(day), roc=False)
    raise InvalidDateError(f"「{text}」不是可辨識的日期。{FORMATS_HINT}。", extra={"input": text})


def roc_date_argument(text: str) -> date:
    """`roc_date_parse` for argparse `type=`: a command's `--from 113/01/01` or `--to 2024-12-31`."""
    try:
        return roc_date_parse(text)
    except InvalidDateError as error:
        raise argparse.ArgumentTypeError(error.message) from error


def _build(text: str, year: int, month: int, day: int, *, roc: bool) -> date:
    if roc and year < 1:
        raise InvalidDateError(f"「{text}」不是有效的日期：民國年份須為 1 以上。", extra={"input": text})
    if not 1 <= month <= 12:
        raise InvalidDateError(f"「{text}」不是有效的日期：月份須為 1 至 12。", extra={"input": text})
    gregorian = year + ROC_YEAR_OFFSET if roc else year
    try:
        return date(gregorian, month, day)
    except ValueError:
        shown = f"民國{year}年{month}月" if roc else f"{year}年{month}月"
        raise InvalidDateError(
            f"「{text}」不是有效的日期：{shown}沒有{day}日。", extra={"input": text}
        ) from None


def _day(value: date | datetime) -> date:
    # Aware datetimes are shown on Taiwan's calendar; a naive one is taken as already local.
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value.astimezone(TAIWAN).date()
        return value.date()
    return value


def _roc_year(day: date) -> int:
    year = day.year - ROC_YEAR_OFFSET
    if year < 1:
        raise InvalidDateError(
            f"{day.isoformat()} 早於民國元年，無法以民國紀年表示。", extra={"input": day.isoformat()}
        )
    return year
