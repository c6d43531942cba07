"""Reading an agency's document register (CSV UTF-8/Big5 or Excel) through a column-mapping profile.

This module only reads and checks: `services.register_import` decides and writes. Rows become
columns (compact arrays and lists), because a city's year is a million rows: the checks run
once per row in one tight loop, dates are parsed once per distinct text, and everything after
the loop is numpy.
"""

import codecs
import csv
import io
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import IO, Any

import numpy as np

from yankao.core.exceptions import ApplicationError, InvalidDateError
from yankao.core.roc_dates import roc_date_parse
from yankao.core.spreadsheets import SpreadsheetError, spreadsheet_rows_read, spreadsheet_value_text
from yankao.timeliness.models import Category, Combine, QuestionSource, Speed

# Our fields, their Traditional Chinese names (the default headers) and whether a row must have one.
FIELDS: dict[str, tuple[str, bool]] = {
    "agency_code": ("機關代碼", True),
    "number": ("文號", True),
    "unit": ("承辦單位", False),
    "category": ("類別", True),
    "speed": ("速別", False),
    "question_source": ("質詢來源", False),
    "application_item": ("申請項目", False),
    "received_on": ("收文日期", True),
    "received_hour": ("收文時間", False),
    "set_deadline": ("限辦日期", False),
    "set_days": ("限辦天數", False),
    "closed_on": ("發文日期", False),
    "combine": ("彙併辦", False),
    "linked_numbers": ("彙併辦文號", False),
    "linked_dates": ("彙併辦來文日期", False),
    "extension_count": ("展期次數", False),
    "extension_requested_on": ("申請展期日", False),
    "extended_to": ("展期後期限", False),
    "extension_approved": ("展期核准", False),
}
FIELD_LIMITS = {"number": 40, "unit": 60, "application_item": 80, "linked_numbers": 300, "agency_code": 20}

# What registers write for our coded values; a profile's `values` adds to these.
DEFAULT_VALUES: dict[str, dict[str, str]] = {
    "category": {
        **{str(label): value for value, label in Category.choices},
        **{value: value for value in Category.values},
        "一般": Category.GENERAL,
        "陳情": Category.PETITION,
        "人民陳情": Category.PETITION,
        "立委質詢案": Category.QUESTION,
        "議員質詢案": Category.QUESTION,
        "質詢案": Category.QUESTION,
        "專案": Category.PROJECT,
        "人民申請": Category.APPLICATION,
        "監察": Category.CONTROL_YUAN,
        "訴願": Category.APPEAL,
    },
    "speed": {
        "": Speed.NONE,
        "最速件": Speed.MOST_URGENT,
        "速件": Speed.URGENT,
        "普通件": Speed.ORDINARY,
        "限期": Speed.TIMED,
        "限期公文": Speed.TIMED,
        "限期件": Speed.TIMED,
        **{value: value for value in Speed.values if value},
    },
    "question_source": {
        "": QuestionSource.NONE,
        "立委": QuestionSource.LEGISLATOR,
        "立法委員": QuestionSource.LEGISLATOR,
        "議員": QuestionSource.COUNCILLOR,
        "市議員": QuestionSource.COUNCILLOR,
        **{value: value for value in QuestionSource.values if value},
    },
    "combine": {
        "": Combine.NONE,
        "彙辦": Combine.COMBINED,
        "併辦": Combine.MERGED,
        **{value: value for value in Combine.values if value},
    },
    "extension_approved": {
        "": "0",
        "否": "0",
        "N": "0",
        "n": "0",
        "0": "0",
        "是": "1",
        "Y": "1",
        "y": "1",
        "1": "1",
        "核准": "1",
        "未核准": "0",
    },
}
SPEED_FOR_QUESTION = {"立委質詢案": QuestionSource.LEGISLATOR, "議員質詢案": QuestionSource.COUNCILLOR}
MAX_STORED_ERRORS = 2000
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class ProfileError(ApplicationError):
    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code=kwargs.pop("code", "mapping_profile"), **kwargs)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class Register:
    """A register's accepted rows as columns; dates as ordinals (0 for none)."""

    rows: Any  # int64: each row's number in the file
    agency_id: Any  # int64
    number: list[str]
    unit: list[str]
    category: Any  # int64 codes (Category.values order)
    speed: Any
    question_source: Any
    application_item: list[str]
    received: Any  # int64 ordinals
    received_hour: Any  # int64, -1 for none
    set_deadline: Any
    closed: Any
    combine: Any
    linked_numbers: list[str]
    linked_first: Any
    linked_last: Any
    count_from: Any
    extension_count: Any
    extension_requested: Any
    extended_to: Any
    extension_approved: Any  # bool
    digest: Any  # int64

    def __len__(self) -> int:
        return int(self.rows.size)


@dataclass
class ReadResult:
    register: Register
    errors: list[RowError]
    error_count: int
    rows_total: int
    encoding: str
    agency_ids: set[int]


@dataclass(frozen=True)
class Profile:
    """A mapping profile's content, checked: header per field and value tables per coded field."""

    name: str
    headers: dict[str, str]
    values: dict[str, dict[str, str]]

    @classmethod
    def from_data(cls, *, name: str, columns: Mapping[str, Any], values: Mapping[str, Any]) -> "Profile":
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            raise ProfileError(f"欄位對應「{name}」有不認得的欄位：{'、'.join(unknown)}。")
        missing = [
            FIELDS[key][0] for key, (_, required) in FIELDS.items() if required and not columns.get(key)
        ]
        if missing:
            raise ProfileError(f"欄位對應「{name}」缺少必要欄位：{'、'.join(missing)}。")
        merged = {key: dict(table) for key, table in DEFAULT_VALUES.items()}
        for key, table in (values or {}).items():
            if key not in merged:
                raise ProfileError(f"欄位對應「{name}」的代碼對應「{key}」不是可對應代碼的欄位。")
            merged[key].update({str(source): str(target) for source, target in dict(table).items()})
        return cls(
            name=name, headers={key: str(header) for key, header in columns.items() if header}, values=merged
        )


# --- reading files ---------------------------------------------------------------------------------


def _csv_stream(file: IO[bytes]) -> tuple[Iterator[list[str]], str]:
    """Rows of a CSV read as it streams: UTF-8 if the whole file decodes so, else Big5 (CP950)."""
    # Plain "utf-8", not "utf-8-sig": the latter's incremental decoder is written in Python and
    # costs seconds on a million rows; the header's BOM is stripped by the caller.
    for encoding in ("utf-8", "cp950"):
        file.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # A cheap full pass first: a decode error late in a big file must not leave half a read.
            while chunk := file.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        file.seek(0)
        text = io.TextIOWrapper(file, encoding=encoding, newline="")
        return csv.reader(text), "big5" if encoding == "cp950" else "utf-8"
    raise SpreadsheetError("CSV 檔的編碼無法辨識，請以 UTF-8 或 Big5 儲存。")


def _excel_stream(file: IO[bytes], filename: str) -> Iterator[tuple[int, list[Any]]]:
    header: list[str] | None = None
    for row in spreadsheet_rows_read(file=file, filename=filename):
        if header is None:
            header = list(row.values)
            yield 1, list(header)
        yield row.number, [row.values.get(name, "") for name in header]


CHUNK_ROWS = 50_000
_INVALID = -1
_OUT_OF_SCOPE = -2


def register_read(
    *,
    file: IO[bytes],
    filename: str,
    profile: Profile,
    agencies: Mapping[str, int],
    allowed_agency_ids: set[int] | None,
    calendar_range: tuple[date, date],
    progress: Callable[[int], object] | None = None,
    on_chunk: Callable[[Register], list[RowError]] | None = None,
) -> ReadResult:
    """Read and check every row; `agencies` maps codes to ids, `allowed_agency_ids` None = all.

    `on_chunk` receives each chunk's accepted rows as long as no row so far had an error (so a
    caller can write while the file is still being read); the errors it returns are the file's.

    Rows are taken in chunks and checked column by column: each distinct date, code or number
    text is parsed once, and the rules across cells are numpy masks, so a million rows cost
    seconds. Errors name the row as the file numbers it, the column by its header, the value
    and the reason.
    """
    name = filename.lower()
    numbered: Iterator[tuple[int, list[Any]]]
    if name.endswith(".csv"):
        rows, encoding = _csv_stream(file)
        numbered = enumerate(rows, start=1)
    elif name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        numbered, encoding = _excel_stream(file, filename), ""
    else:
        raise SpreadsheetError(f"「{filename}」不是可讀取的公文登記檔，請上傳 .csv 或 .xlsx 檔。")
    try:
        _, header_row = next(numbered)
    except StopIteration:
        raise SpreadsheetError("檔案是空的，沒有欄位名稱列。") from None
    headers = [str(value).strip().lstrip("\ufeff") for value in header_row]
    index: dict[str, int] = {}
    missing: list[str] = []
    for key, header in profile.headers.items():
        if header in headers:
            index[key] = headers.index(header)
        elif FIELDS[key][1]:
            missing.append(header)
    if missing:
        raise SpreadsheetError(
            f"檔案缺少欄位對應「{profile.name}」所需的欄位：{'、'.join(missing)}。請確認選擇的欄位對應設定是否正確。",
            extra={"missing": missing},
        )
    checker = _ColumnChecker(
        profile=profile,
        index=index,
        agencies=agencies,
        allowed=allowed_agency_ids,
        calendar_range=calendar_range,
        on_chunk=on_chunk,
    )
    width = len(headers)
    total = 0
    while True:
        chunk = list(islice(numbered, CHUNK_ROWS))
        if not chunk:
            break
        numbers: list[int] = []
        cells: list[Sequence[Any]] = []
        for number, row in chunk:
            if any(row):  # empty cells are "" or None: a row of them is skipped, as Excel users expect
                numbers.append(number)
                cells.append(row if len(row) == width else (list(row) + [""] * width)[:width])
        total += len(cells)
        if cells:
            checker.check(numbers, cells)
        if progress is not None:
            progress(len(chunk))
    return ReadResult(
        register=checker.register(),
        errors=checker.errors,
        error_count=checker.error_count,
        rows_total=total,
        encoding=encoding,
        agency_ids=checker.agency_ids,
    )


class _ColumnChecker:
    """Checks chunks of rows column by column and keeps the accepted rows' columns."""

    def __init__(
        self,
        *,
        profile: Profile,
        index: dict[str, int],
        agencies: Mapping[str, int],
        allowed: set[int] | None,
        calendar_range: tuple[date, date],
        on_chunk: Callable[[Register], list[RowError]] | None = None,
    ) -> None:
        self.on_chunk = on_chunk
        self.index = index
        self.headers = profile.headers
        self.tables = profile.values
        self.agencies = agencies
        self.allowed = allowed
        self.errors: list[RowError] = []
        self.error_count = 0
        self.agency_ids: set[int] = set()
        self.seen: dict[tuple[int, str], int] = {}
        self.first, self.last = calendar_range[0].toordinal(), calendar_range[1].toordinal()
        self.caches: dict[str, dict[Any, int]] = {}
        self.date_errors: dict[Any, str] = {}
        self.codes = {
            "category": {value: code for code, value in enumerate(Category.values)},
            "speed": {value: code for code, value in enumerate(Speed.values)},
            "question_source": {value: code for code, value in enumerate(QuestionSource.values)},
            "combine": {value: code for code, value in enumerate(Combine.values)},
            "extension_approved": {"0": 0, "1": 1},
        }
        self.parts: dict[str, list[Any]] = {}

    # --- errors -------------------------------------------------------------------------------

    def error(self, row: int, key: str, value: Any, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            header = self.headers.get(key, FIELDS[key][0])
            self.errors.append(
                RowError(row=row, column=header, value=spreadsheet_value_text(value), reason=reason)
            )

    def errors_at(
        self, mask: Any, numbers: Any, key: str, values: Sequence[Any], reason: Callable[[Any], str]
    ) -> None:
        for position in np.flatnonzero(mask).tolist():
            self.error(int(numbers[position]), key, values[position], reason(values[position]))

    # --- columns --------------------------------------------------------------------------------

    def column(self, columns: list[tuple[Any, ...]], key: str, size: int) -> Sequence[Any]:
        position = self.index.get(key)
        return columns[position] if position is not None else ("",) * size

    def mapped(self, key: str, values: Sequence[Any], parse: Callable[[Any], int]) -> Any:
        """Each value through `parse` (to an int), computed once per distinct value (kept across chunks)."""
        cache = self.caches.setdefault(key, {})
        for value in set(values) - cache.keys():
            cache[value] = parse(value)
        return np.fromiter(map(cache.__getitem__, values), np.int64, len(values))

    def days(self, key: str, values: Sequence[Any], numbers: Any, *, required: bool = False) -> Any:
        """Ordinals (0 empty), recording errors; bad cells give _INVALID."""
        out = self.mapped("date", values, self._parse_day)
        bad = out == _INVALID
        if bad.any():
            for position in np.flatnonzero(bad).tolist():
                self.error(int(numbers[position]), key, values[position], self.date_errors[values[position]])
        if required:
            empty = out == 0
            self.errors_at(empty, numbers, key, values, lambda _: f"{FIELDS[key][0]}不可空白。")
            out[empty] = _INVALID
        return out

    def _parse_day(self, value: Any) -> int:
        found = self._parse_day_or_reason(value)
        if isinstance(found, str):
            self.date_errors[value] = found
            return _INVALID
        return found

    def _parse_day_or_reason(self, value: Any) -> int | str:
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None):
            return 0
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            parsed = value
        else:
            try:
                parsed = roc_date_parse(str(value))
            except InvalidDateError as error:
                return error.message
        ordinal = parsed.toordinal()
        if not self.first <= ordinal <= self.last:
            return (
                f"日期 {parsed.isoformat()} 不在工作日曆的已知範圍（{date.fromordinal(self.first).isoformat()} 至 "
                f"{date.fromordinal(self.last).isoformat()}）內。"
            )
        return ordinal

    def coded(self, key: str, values: Sequence[Any], numbers: Any) -> Any:
        table, codes = self.tables[key], self.codes[key]

        def parse(value: Any) -> int:
            found = table.get(str(value).strip() if value is not None else "")
            return codes[found] if found is not None else _INVALID

        out = self.mapped(key, values, parse)
        choices = "、".join(sorted(source for source in table if source and not source.isascii())[:8])
        self.errors_at(
            out == _INVALID,
            numbers,
            key,
            values,
            lambda value: f"「{value}」不是可辨識的{FIELDS[key][0]}；可用：{choices}。",
        )
        return out

    def integers(self, key: str, values: Sequence[Any], numbers: Any, *, low: int, high: int) -> Any:
        """Whole numbers (-1 empty); out of range or not a number is an error."""

        def parse(value: Any) -> int:
            text = str(value).strip() if value is not None else ""
            if text == "":
                return -1
            try:
                number = int(float(text)) if isinstance(value, float) else int(text)
            except ValueError:
                return -(1 << 40)
            return number if low <= number <= high else -(1 << 40)

        out = self.mapped(key, values, parse)
        self.errors_at(
            out == -(1 << 40),
            numbers,
            key,
            values,
            lambda _: f"{FIELDS[key][0]}須為 {low} 至 {high} 的整數。",
        )
        return out

    def texts(self, key: str, values: Sequence[Any], numbers: Any) -> list[str]:
        try:
            out = list(map(str.strip, values))
        except TypeError:  # Excel cells: numbers, dates, None
            out = ["" if value is None else str(value).strip() for value in values]
        limit = FIELD_LIMITS.get(key, 200)
        lengths = np.fromiter(map(len, out), np.int64, len(out))
        self.errors_at(
            lengths > limit, numbers, key, out, lambda _: f"{FIELDS[key][0]}過長（上限 {limit} 字）。"
        )
        joined = "".join(out)
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            out = [value.translate(_TEXT_ESCAPES) for value in out]  # escaped once, here, for COPY text
        return out

    # --- one chunk ------------------------------------------------------------------------------

    def check(self, row_numbers: list[int], cells: list[Sequence[Any]]) -> None:
        size = len(cells)
        numbers = np.asarray(row_numbers, dtype=np.int64)
        columns = list(zip(*cells, strict=True))
        codes_raw = self.column(columns, "agency_code", size)
        allowed = self.allowed

        def agency(value: Any) -> int:
            found = self.agencies.get(str(value).strip())
            if found is None:
                return _INVALID
            return found if allowed is None or found in allowed else _OUT_OF_SCOPE

        agency_ids = self.mapped("agency", codes_raw, agency)
        self.errors_at(
            agency_ids == _INVALID,
            numbers,
            "agency_code",
            codes_raw,
            lambda value: (
                "機關代碼不可空白。"
                if not str(value).strip()
                else f"找不到機關代碼「{str(value).strip()}」的機關。"
            ),
        )
        self.errors_at(
            agency_ids == _OUT_OF_SCOPE,
            numbers,
            "agency_code",
            codes_raw,
            lambda _: "此機關不在您的權限範圍內，不能匯入其公文。",
        )
        number = self.texts("number", self.column(columns, "number", size), numbers)
        seen = self.seen
        for agency_id, text, row in zip(agency_ids.tolist(), number, row_numbers, strict=True):
            if not text:
                self.error(row, "number", text, "文號不可空白。")
            elif agency_id >= 0:
                first_seen = seen.setdefault((agency_id, text), row)
                if first_seen != row:
                    self.error(row, "number", text, f"與第 {first_seen} 列為同一機關的同一文號（重複列）。")
        unit = self.texts("unit", self.column(columns, "unit", size), numbers)
        item = self.texts("application_item", self.column(columns, "application_item", size), numbers)
        linked_numbers = self.texts("linked_numbers", self.column(columns, "linked_numbers", size), numbers)
        raw_category = self.column(columns, "category", size)
        category = self.coded("category", raw_category, numbers)
        speed = self.coded("speed", self.column(columns, "speed", size), numbers)
        question = self.coded("question_source", self.column(columns, "question_source", size), numbers)
        combine = self.coded("combine", self.column(columns, "combine", size), numbers)
        approved = self.coded("extension_approved", self.column(columns, "extension_approved", size), numbers)
        received = self.days("received_on", self.column(columns, "received_on", size), numbers, required=True)
        hour = self.integers(
            "received_hour", self.column(columns, "received_hour", size), numbers, low=0, high=23
        )
        set_deadline = self.days("set_deadline", self.column(columns, "set_deadline", size), numbers)
        set_days = self.integers(
            "set_days", self.column(columns, "set_days", size), numbers, low=1, high=3650
        )
        closed = self.days("closed_on", self.column(columns, "closed_on", size), numbers)
        extension_count = self.integers(
            "extension_count", self.column(columns, "extension_count", size), numbers, low=0, high=99
        )
        requested = self.days(
            "extension_requested_on", self.column(columns, "extension_requested_on", size), numbers
        )
        extended_to = self.days("extended_to", self.column(columns, "extended_to", size), numbers)

        # 質詢案 whose register names the chamber in the category (立委質詢案/議員質詢案).
        question_code = self.codes["category"][Category.QUESTION]
        is_question = category == question_code
        if is_question.any():
            codes = self.codes["question_source"]
            from_category = self.mapped(
                "question_from_category",
                raw_category,
                lambda value: codes[SPEED_FOR_QUESTION.get(str(value).strip(), QuestionSource.LEGISLATOR)],
            )
            question = np.where(is_question & (question <= 0), from_category, question)
        question = np.where(is_question, question, 0)
        # 「文到N日內」: N calendar days from the day after receipt, holidays included (§1.2 example).
        from_days = (set_days > 0) & (set_deadline == 0) & (received > 0)
        set_deadline = np.where(from_days, received + set_days, set_deadline)

        # 彙辦/併辦: the incoming letters' dates (few rows: a plain loop).
        linked_raw = self.column(columns, "linked_dates", size)
        linked_first = np.zeros(size, dtype=np.int64)
        linked_last = np.zeros(size, dtype=np.int64)
        for position in np.flatnonzero(np.fromiter(map(bool, linked_raw), np.bool_, size)).tolist():
            parts = [
                part.strip()
                for part in str(linked_raw[position]).replace("；", ";").replace("、", ";").split(";")
            ]
            found = self.days(
                "linked_dates", [part for part in parts if part], numbers[[position] * len(parts)]
            )
            good = found[found > 0]
            if good.size:
                linked_first[position], linked_last[position] = good.min(), good.max()

        general = category == self.codes["category"][Category.GENERAL]
        timed = speed == self.codes["speed"][Speed.TIMED]
        self.errors_at(
            general & (speed == 0),
            numbers,
            "speed",
            ("",) * size,
            lambda _: "一般公文須填速別（最速件、速件、普通件或限期）。",
        )
        self.errors_at(
            general & timed & (set_deadline == 0),
            numbers,
            "set_deadline",
            ("",) * size,
            lambda _: "限期公文須填限辦日期或限辦天數。",
        )
        self.errors_at(
            (category == self.codes["category"][Category.PROJECT]) & (set_deadline == 0),
            numbers,
            "set_deadline",
            ("",) * size,
            lambda _: "專案管制案須填核定之辦理期限（限辦日期）。",
        )
        if "linked_dates" in self.index:
            self.errors_at(
                (combine > 0) & (linked_first == 0),
                numbers,
                "linked_dates",
                ("",) * size,
                lambda _: "彙辦或併辦須填各來文的收文日期。",
            )
        combined = combine == self.codes["combine"][Combine.COMBINED]
        merged = combine == self.codes["combine"][Combine.MERGED]
        count_from = received.copy()
        has_linked = linked_first > 0
        count_from = np.where(combined & has_linked, np.maximum(received, linked_last), count_from)
        count_from = np.where(merged & has_linked, np.minimum(received, linked_first), count_from)
        closed_raw = self.column(columns, "closed_on", size)
        self.errors_at(
            (closed > 0) & (count_from > 0) & (closed < count_from),
            numbers,
            "closed_on",
            closed_raw,
            lambda _: "發文日期早於收文（起算）日期。",
        )
        extension_count = np.where(
            (extended_to > 0) & (extension_count <= 0), 1, np.maximum(extension_count, 0)
        )

        if self.error_count:
            return  # nothing will be written: stop collecting columns, keep checking for errors
        # A digest of the mapped cells: a re-import leaves a document whose cells did not change.
        try:
            joined = list(map("\x1f".join, cells))
        except TypeError:  # Excel cells
            joined = ["\x1f".join(map(str, row)) for row in cells]
        digests = np.fromiter(map(_digest, joined), np.int64, size)
        for agency_id in np.unique(agency_ids).tolist():
            self.agency_ids.add(int(agency_id))
        part = self.parts
        for key, values in (
            ("rows", numbers), ("agency_id", agency_ids), ("category", category), ("speed", speed),
            ("question_source", question), ("received", received), ("received_hour", hour),
            ("set_deadline", set_deadline), ("closed", closed), ("combine", combine), ("linked_first", linked_first),
            ("linked_last", linked_last), ("count_from", count_from), ("extension_count", extension_count),
            ("extension_requested", requested), ("extended_to", extended_to),
            ("extension_approved", approved == 1), ("digest", digests),
        ):  # fmt: skip
            part.setdefault(key, []).append(values)
        for key, texts in (
            ("number", number),
            ("unit", unit),
            ("application_item", item),
            ("linked_numbers", linked_numbers),
        ):
            part.setdefault(key, []).extend(texts)
        if self.on_chunk is not None:
            chunk = Register(
                rows=numbers, agency_id=agency_ids, number=number, unit=unit, category=category, speed=speed,
                question_source=question, application_item=item, received=received, received_hour=hour,
                set_deadline=set_deadline, closed=closed, combine=combine, linked_numbers=linked_numbers,
                linked_first=linked_first, linked_last=linked_last, count_from=count_from,
                extension_count=extension_count, extension_requested=requested, extended_to=extended_to,
                extension_approved=approved == 1, digest=digests,
            )  # fmt: skip
            for error in self.on_chunk(chunk):
                self.error_count += 1
                if len(self.errors) < MAX_STORED_ERRORS:
                    self.errors.append(error)

    def register(self) -> Register:
        part = self.parts

        def joined(key: str, dtype: Any = np.int64) -> Any:
            arrays = part.get(key)
            return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)

        return Register(
            rows=joined("rows"),
            agency_id=joined("agency_id"),
            number=part.get("number", []),
            unit=part.get("unit", []),
            # Codes in one byte each: the register pass reads a million of them.
            category=joined("category").astype(np.int8),
            speed=joined("speed").astype(np.int8),
            question_source=joined("question_source").astype(np.int8),
            application_item=part.get("application_item", []),
            received=joined("received"),
            received_hour=joined("received_hour"),
            set_deadline=joined("set_deadline"),
            closed=joined("closed"),
            combine=joined("combine"),
            linked_numbers=part.get("linked_numbers", []),
            linked_first=joined("linked_first"),
            linked_last=joined("linked_last"),
            count_from=joined("count_from"),
            extension_count=joined("extension_count"),
            extension_requested=joined("extension_requested"),
            extended_to=joined("extended_to"),
            extension_approved=joined("extension_approved", np.bool_),
            digest=joined("digest"),
        )


def _digest(text: str) -> int:
    data = text.encode()
    return ((zlib.crc32(data) << 32) | zlib.adler32(data)) - (1 << 63)


def errors_csv(errors: Sequence[Mapping[str, Any]]) -> bytes:
    """The error list as a UTF-8 CSV (with BOM, so Excel shows the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["列", "欄位", "內容", "錯誤原因"])
    for error in errors:
        writer.writerow([error["row"], error["column"], error["value"], error["reason"]])
    return buffer.getvalue().encode("utf-8-sig")
