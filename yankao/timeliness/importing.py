"""Reading an agency's document register (CSV UTF-8/Big5 or Excel) through a column-mapping profile.

This module only reads and checks: `services.register_import` decides and writes. Rows become
columns (compact arrays and lists), because a city's year is a million rows: the checks run
once per row in one tight loop, dates are parsed once per distinct text, and everything after
the loop is numpy.
"""

import codecs
import csv
import hashlib
import io
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

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
    "extension_approved": {"": "0", "否": "0", "N": "0", "n": "0", "0": "0", "是": "1", "Y": "1", "y": "1",
                           "1": "1", "核准": "1", "未核准": "0"},
}
SPEED_FOR_QUESTION = {"立委質詢案": QuestionSource.LEGISLATOR, "議員質詢案": QuestionSource.COUNCILLOR}
MAX_STORED_ERRORS = 2000
_NONE = 0  # a date column's "no date" (ordinals start at 1)
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
    """A register's rows as columns; dates as ordinals (0 for none)."""

    rows: array = field(default_factory=lambda: array("l"))  # the row number in the file
    agency_id: array = field(default_factory=lambda: array("l"))
    number: list[str] = field(default_factory=list)
    unit: list[str] = field(default_factory=list)
    category: array = field(default_factory=lambda: array("b"))
    speed: array = field(default_factory=lambda: array("b"))
    question_source: array = field(default_factory=lambda: array("b"))
    application_item: list[str] = field(default_factory=list)
    received: array = field(default_factory=lambda: array("l"))
    received_hour: array = field(default_factory=lambda: array("b"))  # -1 for none
    set_deadline: array = field(default_factory=lambda: array("l"))
    closed: array = field(default_factory=lambda: array("l"))
    combine: array = field(default_factory=lambda: array("b"))
    linked_numbers: list[str] = field(default_factory=list)
    linked_first: array = field(default_factory=lambda: array("l"))
    linked_last: array = field(default_factory=lambda: array("l"))
    count_from: array = field(default_factory=lambda: array("l"))
    extension_count: array = field(default_factory=lambda: array("h"))
    extension_requested: array = field(default_factory=lambda: array("l"))
    extended_to: array = field(default_factory=lambda: array("l"))
    extension_approved: array = field(default_factory=lambda: array("b"))
    digest: array = field(default_factory=lambda: array("q"))

    def __len__(self) -> int:
        return len(self.rows)


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
        missing = [FIELDS[key][0] for key, (_, required) in FIELDS.items() if required and not columns.get(key)]
        if missing:
            raise ProfileError(f"欄位對應「{name}」缺少必要欄位：{'、'.join(missing)}。")
        merged = {key: dict(table) for key, table in DEFAULT_VALUES.items()}
        for key, table in (values or {}).items():
            if key not in merged:
                raise ProfileError(f"欄位對應「{name}」的代碼對應「{key}」不是可對應代碼的欄位。")
            merged[key].update({str(source): str(target) for source, target in dict(table).items()})
        return cls(name=name, headers={key: str(header) for key, header in columns.items() if header}, values=merged)


# --- reading files ---------------------------------------------------------------------------------


def _csv_stream(file: IO[bytes]) -> tuple[Iterator[list[str]], str]:
    """Rows of a CSV read as it streams: UTF-8 if the whole file decodes so, else Big5 (CP950)."""
    for encoding in ("utf-8-sig", "cp950"):
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


def _excel_stream(file: IO[bytes], filename: str) -> Iterator[list[Any]]:
    header: list[str] | None = None
    for row in spreadsheet_rows_read(file=file, filename=filename):
        if header is None:
            header = list(row.values)
            yield [1, *header]
        yield [row.number, *(row.values.get(name, "") for name in header)]


def register_read(
    *,
    file: IO[bytes],
    filename: str,
    profile: Profile,
    agencies: Mapping[str, int],
    allowed_agency_ids: set[int] | None,
    calendar_range: tuple[date, date],
    progress: Callable[[int], None] | None = None,
) -> ReadResult:
    """Read and check every row; `agencies` maps codes to ids, `allowed_agency_ids` None = all."""
    name = filename.lower()
    numbered: Iterable[Sequence[Any]]
    if name.endswith(".csv"):
        rows, encoding = _csv_stream(file)
        numbered = ([number, *row] for number, row in enumerate(rows, start=1))
    elif name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        numbered, encoding = _excel_stream(file, filename), ""
    else:
        raise SpreadsheetError(f"「{filename}」不是可讀取的公文登記檔，請上傳 .csv 或 .xlsx 檔。")
    iterator = iter(numbered)
    try:
        header_row = next(iterator)
    except StopIteration:
        raise SpreadsheetError("檔案是空的，沒有欄位名稱列。") from None
    headers = [str(value).strip() for value in header_row[1:]]
    if headers and headers[0].startswith("\ufeff"):
        headers[0] = headers[0][1:]
    index: dict[str, int] = {}
    missing: list[str] = []
    for key, header in profile.headers.items():
        if header in headers:
            index[key] = headers.index(header) + 1
        elif FIELDS[key][1]:
            missing.append(header)
    if missing:
        raise SpreadsheetError(
            f"檔案缺少欄位對應「{profile.name}」所需的欄位：{'、'.join(missing)}。請確認選擇的欄位對應設定是否正確。",
            extra={"missing": missing},
        )
    reader = _RowReader(
        profile=profile,
        index=index,
        agencies=agencies,
        allowed=allowed_agency_ids,
        calendar_range=calendar_range,
    )
    count = 0
    for raw in iterator:
        count += 1
        reader.read(raw)
        if progress is not None and count % 10000 == 0:
            progress(10000)
    if progress is not None:
        progress(count % 10000)
    return ReadResult(
        register=reader.register,
        errors=reader.errors,
        error_count=reader.error_count,
        rows_total=count,
        encoding=encoding,
        agency_ids=reader.agency_ids,
    )


class _RowReader:
    """Checks one row at a time and appends it to the register's columns (errors otherwise)."""

    def __init__(
        self,
        *,
        profile: Profile,
        index: dict[str, int],
        agencies: Mapping[str, int],
        allowed: set[int] | None,
        calendar_range: tuple[date, date],
    ) -> None:
        self.profile = profile
        self.index = index
        self.headers = profile.headers
        self.agencies = agencies
        self.allowed = allowed
        self.register = Register()
        self.errors: list[RowError] = []
        self.error_count = 0
        self.agency_ids: set[int] = set()
        self.seen: dict[tuple[int, str], int] = {}
        self.dates: dict[Any, int | str] = {}
        self.first, self.last = calendar_range[0].toordinal(), calendar_range[1].toordinal()
        self.category_codes = {value: code for code, value in enumerate(Category.values)}
        self.speed_codes = {value: code for code, value in enumerate(Speed.values)}
        self.question_codes = {value: code for code, value in enumerate(QuestionSource.values)}
        self.combine_codes = {value: code for code, value in enumerate(Combine.values)}
        self.tables = profile.values

    def error(self, row: int, key: str, value: Any, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            header = self.headers.get(key, FIELDS[key][0])
            self.errors.append(RowError(row=row, column=header, value=spreadsheet_value_text(value), reason=reason))

    def cell(self, raw: Sequence[Any], key: str) -> Any:
        position = self.index.get(key)
        if position is None or position >= len(raw):
            return ""
        value = raw[position]
        return value.strip() if isinstance(value, str) else ("" if value is None else value)

    def day(self, row: int, key: str, value: Any, *, required: bool = False) -> int | None:
        """The ordinal of a date cell (0 for an empty one); None after recording an error."""
        if value == "" or value is None:
            if required:
                self.error(row, key, value, f"{FIELDS[key][0]}不可空白。")
                return None
            return _NONE
        found = self.dates.get(value)
        if found is None:
            found = self._parse_day(value)
            self.dates[value] = found
        if isinstance(found, str):
            self.error(row, key, value, found)
            return None
        return found

    def _parse_day(self, value: Any) -> int | str:
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

    def coded(self, row: int, key: str, value: Any) -> str | None:
        text = str(value)
        found = self.tables[key].get(text)
        if found is None:
            choices = "、".join(sorted(source for source in self.tables[key] if source and not source.isascii())[:8])
            self.error(row, key, value, f"「{text}」不是可辨識的{FIELDS[key][0]}；可用：{choices}。")
        return found

    def text(self, row: int, key: str, value: Any) -> str:
        text = str(value)
        if len(text) > FIELD_LIMITS.get(key, 200):
            self.error(row, key, value, f"{FIELDS[key][0]}過長（上限 {FIELD_LIMITS[key]} 字）。")
        if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
            text = text.translate(_TEXT_ESCAPES)  # escaped once, here, for PostgreSQL COPY text
        return text

    def integer(self, row: int, key: str, value: Any, *, low: int, high: int) -> int | None:
        if value == "":
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -(1 << 40)
        if not low <= number <= high:
            self.error(row, key, value, f"{FIELDS[key][0]}須為 {low} 至 {high} 的整數。")
            return -1
        return number

    def read(self, raw: Sequence[Any]) -> None:  # noqa: C901, PLR0912, PLR0915 - one pass per row, on purpose
        row = int(raw[0])
        if all(value in ("", None) for value in raw[1:]):
            return
        before = self.error_count
        cell = self.cell
        code = str(cell(raw, "agency_code"))
        agency_id = self.agencies.get(code)
        if not code:
            self.error(row, "agency_code", code, "機關代碼不可空白。")
        elif agency_id is None:
            self.error(row, "agency_code", code, f"找不到機關代碼「{code}」的機關。")
        elif self.allowed is not None and agency_id not in self.allowed:
            self.error(row, "agency_code", code, "此機關不在您的權限範圍內，不能匯入其公文。")
        number = self.text(row, "number", cell(raw, "number"))
        if not number:
            self.error(row, "number", number, "文號不可空白。")
        elif agency_id is not None:
            key = (agency_id, number)
            first_seen = self.seen.get(key)
            if first_seen is not None:
                self.error(row, "number", number, f"與第 {first_seen} 列為同一機關的同一文號（重複列）。")
            else:
                self.seen[key] = row
        raw_category = cell(raw, "category")
        category = self.coded(row, "category", raw_category) if raw_category != "" else None
        if raw_category == "":
            self.error(row, "category", raw_category, "類別不可空白。")
        speed = self.coded(row, "speed", cell(raw, "speed")) or ""
        question = self.coded(row, "question_source", cell(raw, "question_source")) or ""
        if category == Category.QUESTION and not question:
            question = SPEED_FOR_QUESTION.get(str(raw_category), QuestionSource.LEGISLATOR)
        received = self.day(row, "received_on", cell(raw, "received_on"), required=True)
        hour = self.integer(row, "received_hour", cell(raw, "received_hour"), low=0, high=23)
        set_deadline = self.day(row, "set_deadline", cell(raw, "set_deadline"))
        set_days = self.integer(row, "set_days", cell(raw, "set_days"), low=1, high=3650)
        if set_days is not None and set_days > 0 and received and not set_deadline:
            # 「文到N日內」: N calendar days from the day after receipt, holidays included (§1.2 example).
            set_deadline = received + set_days
        closed = self.day(row, "closed_on", cell(raw, "closed_on"))
        combine = self.coded(row, "combine", cell(raw, "combine")) or ""
        linked_text = str(cell(raw, "linked_dates"))
        linked: list[int] = []
        for part in linked_text.replace("；", ";").replace("、", ";").split(";") if linked_text else ():
            if part.strip():
                day = self.day(row, "linked_dates", part.strip())
                if day:
                    linked.append(day)
        extension_count = self.integer(row, "extension_count", cell(raw, "extension_count"), low=0, high=99)
        requested = self.day(row, "extension_requested_on", cell(raw, "extension_requested_on"))
        extended_to = self.day(row, "extended_to", cell(raw, "extended_to"))
        approved = self.coded(row, "extension_approved", cell(raw, "extension_approved"))
        unit = self.text(row, "unit", cell(raw, "unit"))
        item = self.text(row, "application_item", cell(raw, "application_item"))
        linked_numbers = self.text(row, "linked_numbers", cell(raw, "linked_numbers"))

        # Rules that need more than one cell.
        if category == Category.GENERAL and not speed:
            self.error(row, "speed", "", "一般公文須填速別（最速件、速件、普通件或限期）。")
        if speed == Speed.TIMED and category == Category.GENERAL and not set_deadline and set_deadline is not None:
            self.error(row, "set_deadline", "", "限期公文須填限辦日期或限辦天數。")
        if category == Category.PROJECT and not set_deadline and set_deadline is not None:
            self.error(row, "set_deadline", "", "專案管制案須填核定之辦理期限（限辦日期）。")
        if combine and not linked and "linked_dates" in self.index:
            self.error(row, "linked_dates", "", "彙辦或併辦須填各來文的收文日期。")
        count_from = received or 0
        if linked and received:
            count_from = max(received, *linked) if combine == Combine.COMBINED else min(received, *linked)
        if closed and count_from and closed < count_from:
            self.error(row, "closed_on", cell(raw, "closed_on"), "發文日期早於收文（起算）日期。")
        if extended_to and not extension_count:
            extension_count = 1
        if self.error_count != before:
            return

        assert agency_id is not None and category is not None and received is not None
        register = self.register
        register.rows.append(row)
        register.agency_id.append(agency_id)
        self.agency_ids.add(agency_id)
        register.number.append(number)
        register.unit.append(unit)
        register.category.append(self.category_codes[category])
        register.speed.append(self.speed_codes[speed])
        register.question_source.append(self.question_codes[question] if category == Category.QUESTION else 0)
        register.application_item.append(item)
        register.received.append(received)
        register.received_hour.append(-1 if hour is None else hour)
        register.set_deadline.append(set_deadline or 0)
        register.closed.append(closed or 0)
        register.combine.append(self.combine_codes[combine])
        register.linked_numbers.append(linked_numbers)
        register.linked_first.append(min(linked) if linked else 0)
        register.linked_last.append(max(linked) if linked else 0)
        register.count_from.append(count_from)
        register.extension_count.append(extension_count or 0)
        register.extension_requested.append(requested or 0)
        register.extended_to.append(extended_to or 0)
        register.extension_approved.append(approved == "1")
        source = (
            f"{number}\x1f{unit}\x1f{category}\x1f{speed}\x1f{question}\x1f{item}\x1f{received}\x1f{hour}\x1f"
            f"{set_deadline}\x1f{closed}\x1f{combine}\x1f{linked_numbers}\x1f{linked}\x1f{extension_count}\x1f"
            f"{requested}\x1f{extended_to}\x1f{approved}"
        )
        register.digest.append(int.from_bytes(hashlib.blake2b(source.encode(), digest_size=8).digest(), "big", signed=True))


def errors_csv(errors: Sequence[Mapping[str, Any]]) -> bytes:
    """The error list as a UTF-8 CSV (with BOM, so Excel shows the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["列", "欄位", "內容", "錯誤原因"])
    for error in errors:
        writer.writerow([error["row"], error["column"], error["value"], error["reason"]])
    return buffer.getvalue().encode("utf-8-sig")
