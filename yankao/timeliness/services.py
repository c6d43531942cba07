"""Writes of the timeliness audit: register imports, re-audits, figures, on-site samples."""

import contextlib
import gc
import re
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from yankao.core.exceptions import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from yankao.core.models import Agency, AuditAction, Role
from yankao.core.permissions import can_view_agency, is_city_wide, is_staff_member
from yankao.core.selectors.rules import rule_get
from yankao.core.services.audit import audit_record, audit_record_for
from yankao.core.working_days import calendar_current
from yankao.timeliness.deadlines import (
    CATEGORY_CODES,
    EXTENSION_TOO_MANY,
    STATUS_CODES,
    UNIT_CODES,
    Columns,
    deadlines_compute,
    rules_frozen,
)
from yankao.timeliness.importing import MAX_STORED_ERRORS, Profile, Register, RowError, register_read
from yankao.timeliness.models import (
    ApplicationPeriod,
    Combine,
    Document,
    ImportBatch,
    MappingProfile,
    QuestionSource,
    Sample,
    SampleItem,
    Speed,
    Status,
)

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
IMPORT_ROLES = frozenset({Role.LIAISON, Role.OFFICER, Role.RDEC_STAFF, Role.RDEC_ADMIN})
SAMPLE_ROLES = frozenset({Role.RDEC_STAFF, Role.RDEC_ADMIN, Role.INSPECTOR})
# Columns written per document, in COPY order (the table's own names).
DOCUMENT_COLUMNS = (
    "agency_id", "number", "unit", "category", "speed", "question_source", "application_item",
    "received_on", "received_hour", "set_deadline", "closed_on", "combine", "linked_numbers",
    "linked_first_on", "linked_last_on", "extension_count", "extension_requested_on", "extended_to",
    "extension_approved", "count_from", "as_ordinary", "deadline", "extended_deadline", "days_used",
    "status", "status_extended", "audited_on", "digest", "batch_id",
)  # fmt: skip


@dataclass(frozen=True)
class ImportOutcome:
    batch: ImportBatch
    # Seconds per phase (read, audit, write, figures): what the benchmark reports.
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.batch.outcome == ImportBatch.Outcome.SUCCEEDED


def _ensure_may_import(actor: Any) -> None:
    if not is_staff_member(actor) or actor.role not in IMPORT_ROLES:
        raise PermissionDeniedError("只有研考會同仁及機關研考聯絡人、承辦人可以匯入公文登記資料。")


def _allowed_agency_ids(actor: Any) -> set[int] | None:
    if is_city_wide(actor):
        return None
    scope = actor.agency.path
    return set(Agency.objects.filter(path=scope).values_list("id", flat=True)) | set(
        Agency.objects.filter(path__startswith=scope + "/").values_list("id", flat=True)
    )


def profile_load(*, profile: MappingProfile) -> Profile:
    return Profile.from_data(name=profile.name, columns=profile.columns, values=profile.values)


def register_import(
    *,
    actor: Any,
    profile: MappingProfile,
    file: IO[bytes],
    filename: str,
    as_of: date | None = None,
    progress: Callable[[int], object] | None = None,
) -> ImportOutcome:
    """Import a register, all or nothing: every row is checked before any is written.

    A rejected import is recorded with its errors (row, column, value, reason) and writes no
    document. An accepted one inserts new documents, updates changed ones (same agency and
    number) and leaves unchanged ones, then rebuilds the figures of the agencies it touched.
    Open documents are judged on `as_of` (default today); `progress` receives rows read.
    """
    # A million rows make millions of short-lived lists and tuples, and the cyclic collector
    # would rescan all of them again and again (it more than doubled the CPU time of a million
    # rows). Nothing here makes cycles; the collector runs again when the import ends.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _register_import(
            actor=actor, profile=profile, file=file, filename=filename, as_of=as_of, progress=progress
        )
    finally:
        if enabled:
            gc.enable()


def _register_import(
    *,
    actor: Any,
    profile: MappingProfile,
    file: IO[bytes],
    filename: str,
    as_of: date | None = None,
    progress: Callable[[int], object] | None = None,
) -> ImportOutcome:
    _ensure_may_import(actor)
    if connection.vendor == "postgresql":
        return _register_import_streaming(
            actor=actor, profile=profile, file=file, filename=filename, as_of=as_of, progress=progress
        )
    started = time.perf_counter()
    started_at = timezone.now()
    as_of = as_of or timezone.localdate()
    cal = calendar_current()
    checked = profile_load(profile=profile)
    agencies = dict(Agency.objects.values_list("code", "id"))
    phases: dict[str, float] = {}
    mark = time.perf_counter()
    read = register_read(
        file=file,
        filename=filename,
        profile=checked,
        agencies=agencies,
        allowed_agency_ids=_allowed_agency_ids(actor),
        calendar_range=(cal.first, cal.last),
        progress=progress,
    )
    errors = list(read.errors)
    error_count = read.error_count
    register = read.register
    result = None
    columns = None
    if not error_count and len(register):
        columns = _columns(register)
        phases["read"] = time.perf_counter() - mark
        mark = time.perf_counter()
        result = deadlines_compute(columns=columns, as_of=as_of, calendar_=cal)
        phases["audit"] = time.perf_counter() - mark
        extension_errors = _extension_errors(register=register, result=result, headers=checked.headers)
        error_count += len(extension_errors)
        errors.extend(extension_errors[: max(0, MAX_STORED_ERRORS - len(errors))])
    if not error_count and not len(register):
        error_count = 1
        errors.append(RowError(row=1, column="", value="", reason="檔案沒有任何資料列。"))
    batch = ImportBatch(
        profile=profile,
        filename=filename[:200],
        encoding=read.encoding,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        started_at=started_at,
        rows_total=read.rows_total,
        error_count=error_count,
        errors=[error.as_dict() for error in sorted(errors, key=lambda error: error.row)],
        agency_codes=sorted(code for code, pk in agencies.items() if pk in read.agency_ids),
    )
    if error_count:
        batch.outcome = ImportBatch.Outcome.REJECTED
        batch.seconds = time.perf_counter() - started
        with transaction.atomic():
            batch.save()
            audit_record_for(
                batch, action=AuditAction.IMPORT, detail={"outcome": "rejected", "errors": error_count}
            )
        return ImportOutcome(batch=batch, phases=phases)
    assert result is not None
    assert columns is not None
    with transaction.atomic():
        batch.outcome = ImportBatch.Outcome.SUCCEEDED
        batch.save()
        mark = time.perf_counter()
        new, updated, unchanged, complete = _write(
            register=register, columns=columns, result=result, batch_id=batch.pk, as_of=as_of, phases=phases
        )
        phases["write"] = time.perf_counter() - mark
        mark = time.perf_counter()
        if complete:  # the file is all these agencies have: count it in memory
            _figures_from_columns(register=register, result=result, as_of=as_of)
        else:
            figures_rebuild(agency_ids=sorted(read.agency_ids))
        phases["figures"] = time.perf_counter() - mark
        batch.new_count, batch.updated_count, batch.unchanged_count = new, updated, unchanged
        batch.seconds = time.perf_counter() - started
        batch.save(update_fields=["new_count", "updated_count", "unchanged_count", "seconds"])
        audit_record_for(
            batch,
            action=AuditAction.IMPORT,
            detail={"outcome": "succeeded", "new": new, "updated": updated, "unchanged": unchanged},
        )
    phases["commit"] = time.perf_counter() - mark - phases["figures"]
    return ImportOutcome(batch=batch, phases=phases)


def _extension_errors(*, register: Register, result: Any, headers: dict[str, str]) -> list[RowError]:
    """Row errors for extensions beyond their caps (found by the rules, after the cell checks)."""
    errors = []
    for index in np.flatnonzero(result.extension_problem).tolist():
        problem = int(result.extension_problem[index])
        errors.append(
            RowError(
                row=int(register.rows[index]),
                column=headers.get("extended_to", "展期後期限"),
                value=date.fromordinal(int(register.extended_to[index])).isoformat(),
                reason="展期次數超過規定（以一次為限）。"
                if problem == EXTENSION_TOO_MANY
                else "展期後期限超過規定可延長的上限。",
            )
        )
    return errors


class _RejectedError(Exception):
    """Raised inside the import's transaction to undo what was already streamed."""


@dataclass
class _ResultParts:
    """The per-chunk results joined for the figures (the fields `_figures_from_columns` reads)."""

    status: Any
    status_extended: Any
    days_used: Any
    as_ordinary: Any


class _StreamWriter:
    """Writes each checked chunk while the file is still being read (PostgreSQL).

    New documents go into one COPY that stays open across chunks, through psycopg's queued
    writer (a thread sends while the next chunk is parsed), so PostgreSQL ingests on one core
    while Python reads on the other. Changed documents are kept and applied at the end.
    """

    def __init__(
        self,
        *,
        cursor: Any,
        batch_id: int,
        as_of: date,
        cal: Any,
        headers: dict[str, str],
        existing: dict[tuple[int, str], tuple[int, int]],
        estimate_rows: Callable[[int], int],
        phases: dict[str, float],
    ) -> None:
        self.cursor = cursor
        self.batch_id = batch_id
        self.as_of = as_of
        self.cal = cal
        self.headers = headers
        self.existing = existing
        self.estimate_rows = estimate_rows
        self.phases = phases
        self.failed = False
        self.rows_seen = 0
        self.new = self.updated = self.unchanged = 0
        self.update_lines: list[str] = []
        self.results: list[_ResultParts] = []
        self.copy_manager: Any = None
        self.copy: Any = None
        self.definitions: list[str] = []
        self.table = Document._meta.db_table
        self.periods = application_periods()

    def chunk(self, register: Register) -> list[RowError]:
        if self.failed:
            return []
        started = time.perf_counter()
        # No query here: the COPY may be open on this connection (periods and rules are read before).
        columns = _columns(register, periods=self.periods)
        result = deadlines_compute(columns=columns, as_of=self.as_of, calendar_=self.cal)
        self.phases["audit"] = self.phases.get("audit", 0.0) + time.perf_counter() - started
        errors = _extension_errors(register=register, result=result, headers=self.headers)
        if errors:
            self.failed = True
            return errors
        started = time.perf_counter()
        self.rows_seen += len(register)
        self.results.append(
            _ResultParts(result.status, result.status_extended, result.days_used, result.as_ordinary)
        )
        new_index, update_index, update_ids = _register_changes(register, self.existing)
        self.unchanged += len(register) - len(new_index) - len(update_index)
        texts = _rows_text(register, columns, result, batch_id=self.batch_id, as_of=self.as_of, null="\\N")
        if new_index:
            self._open()
            everything = len(new_index) == len(register)
            for block in _lines(texts, None if everything else new_index):
                self.copy.write(block)
            self.new += len(new_index)
        if update_index:
            self.update_lines.extend(_lines(texts, update_index, extra=update_ids))
            self.updated += len(update_index)
        self.phases["write.stream"] = self.phases.get("write.stream", 0.0) + time.perf_counter() - started
        return []

    def _open(self) -> None:
        if self.copy is not None:
            return
        self.cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [self.table])
        in_table = max(int(self.cursor.fetchone()[0]), 0)
        expected = self.estimate_rows(self.rows_seen)
        if expected >= BULK_REBUILD_ROWS and expected > in_table:
            self.definitions = _indexes_drop(self.cursor, self.table)
        from psycopg.copy import QueuedLibpqWriter  # only PostgreSQL takes this path

        raw = self.cursor.cursor  # psycopg's own cursor: COPY is not part of the DB-API
        names = ", ".join(DOCUMENT_COLUMNS)
        self.copy_manager = raw.copy(f"COPY {self.table} ({names}) FROM STDIN", writer=QueuedLibpqWriter(raw))
        self.copy = self.copy_manager.__enter__()

    def abort(self) -> None:
        if self.copy_manager is not None:
            manager, self.copy_manager, self.copy = self.copy_manager, None, None
            error = _RejectedError("import rejected")
            with contextlib.suppress(Exception):  # the transaction is rolled back anyway
                manager.__exit__(type(error), error, None)

    def finish(self) -> None:
        started = time.perf_counter()
        if self.copy_manager is not None:
            manager, self.copy_manager, self.copy = self.copy_manager, None, None
            manager.__exit__(None, None, None)
        self.phases["write.copy_end"] = time.perf_counter() - started
        if self.update_lines:
            started = time.perf_counter()
            cursor, names = self.cursor, ", ".join(DOCUMENT_COLUMNS)
            cursor.execute(f"CREATE TEMP TABLE timeliness_update (LIKE {self.table}) ON COMMIT DROP")
            cursor.execute("ALTER TABLE timeliness_update DROP COLUMN id")
            cursor.execute("ALTER TABLE timeliness_update ADD COLUMN target bigint")
            with cursor.cursor.copy(f"COPY timeliness_update (target, {names}) FROM STDIN") as copy:
                for block in self.update_lines:
                    copy.write(block)
            assignments = ", ".join(f"{name} = u.{name}" for name in DOCUMENT_COLUMNS)
            cursor.execute(
                f"UPDATE {self.table} AS d SET {assignments} FROM timeliness_update AS u WHERE d.id = u.target"  # noqa: S608 - names from the model
            )
            cursor.execute("DROP TABLE timeliness_update")
            self.phases["write.updates"] = time.perf_counter() - started
        if self.definitions:
            started = time.perf_counter()
            self.cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for definition in self.definitions:
                self.cursor.execute(definition)
            self.cursor.execute(f"ANALYZE {self.table}")
            self.phases["write.indexes"] = time.perf_counter() - started

    def joined_result(self) -> _ResultParts:
        return _ResultParts(
            *(np.concatenate([getattr(part, name) for part in self.results]) for name in
              ("status", "status_extended", "days_used", "as_ordinary"))
        )  # fmt: skip


def _register_import_streaming(
    *,
    actor: Any,
    profile: MappingProfile,
    file: IO[bytes],
    filename: str,
    as_of: date | None,
    progress: Callable[[int], object] | None,
) -> ImportOutcome:
    """`register_import` on PostgreSQL: rows are written while the file is read, in one transaction
    that is rolled back if any row has an error (all or nothing, as on other databases)."""
    started = time.perf_counter()
    started_at = timezone.now()
    as_of = as_of or timezone.localdate()
    cal = calendar_current()
    checked = profile_load(profile=profile)
    agencies = dict(Agency.objects.values_list("code", "id"))
    allowed = _allowed_agency_ids(actor)
    phases: dict[str, float] = {}
    try:
        size = file.seek(0, 2)
        file.seek(0)
    except (OSError, AttributeError):
        size = 0

    def estimate_rows(rows_read: int) -> int:
        try:
            position = file.tell()
        except (OSError, ValueError):
            return rows_read
        return int(rows_read * size / position) if position and size else rows_read

    batch = ImportBatch(
        profile=profile,
        filename=filename[:200],
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        started_at=started_at,
        outcome=ImportBatch.Outcome.SUCCEEDED,
    )
    writer: _StreamWriter | None = None
    read = None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # One import at a time: the comparison with the documents already there stays true.
            cursor.execute(f"LOCK TABLE {Document._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
            mark = time.perf_counter()
            documents = (
                Document.objects.all() if allowed is None else Document.objects.filter(agency_id__in=allowed)
            )
            existing = {
                (agency_id, number): (pk, digest)
                for agency_id, number, pk, digest in documents.values_list(
                    "agency_id", "number", "id", "digest"
                ).iterator(chunk_size=20_000)
            }
            phases["existing"] = time.perf_counter() - mark
            batch.save()
            writer = _StreamWriter(
                cursor=cursor, batch_id=batch.pk, as_of=as_of, cal=cal, headers=checked.headers,
                existing=existing, estimate_rows=estimate_rows, phases=phases,
            )  # fmt: skip
            mark = time.perf_counter()
            with rules_frozen():
                read = register_read(
                    file=file,
                    filename=filename,
                    profile=checked,
                    agencies=agencies,
                    allowed_agency_ids=allowed,
                    calendar_range=(cal.first, cal.last),
                    progress=progress,
                    on_chunk=writer.chunk,
                )
            phases["read"] = (
                time.perf_counter() - mark - phases.get("audit", 0.0) - phases.get("write.stream", 0.0)
            )
            if read.error_count or not len(read.register):
                writer.abort()
                raise _RejectedError
            writer.finish()
            mark = time.perf_counter()
            if not existing:  # nothing was there: count the figures from the columns in memory
                _figures_from_columns(register=read.register, result=writer.joined_result(), as_of=as_of)
            else:
                figures_rebuild(agency_ids=sorted(read.agency_ids))
            phases["figures"] = time.perf_counter() - mark
            batch.encoding = read.encoding
            batch.rows_total = read.rows_total
            batch.agency_codes = sorted(code for code, pk in agencies.items() if pk in read.agency_ids)
            batch.new_count, batch.updated_count, batch.unchanged_count = (
                writer.new,
                writer.updated,
                writer.unchanged,
            )
            batch.seconds = time.perf_counter() - started
            batch.save()
            audit_record_for(
                batch,
                action=AuditAction.IMPORT,
                detail={
                    "outcome": "succeeded",
                    "new": writer.new,
                    "updated": writer.updated,
                    "unchanged": writer.unchanged,
                },
            )
            mark = time.perf_counter()
        phases["commit"] = time.perf_counter() - mark
        return ImportOutcome(batch=batch, phases=phases)
    except _RejectedError:
        pass
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    assert read is not None
    errors = list(read.errors)
    error_count = read.error_count
    if not error_count:
        error_count = 1
        errors.append(RowError(row=1, column="", value="", reason="檔案沒有任何資料列。"))
    rejected = ImportBatch(
        profile=profile,
        filename=filename[:200],
        encoding=read.encoding,
        uploaded_by=batch.uploaded_by,
        started_at=started_at,
        outcome=ImportBatch.Outcome.REJECTED,
        rows_total=read.rows_total,
        error_count=error_count,
        errors=[error.as_dict() for error in sorted(errors, key=lambda error: error.row)],
        agency_codes=sorted(code for code, pk in agencies.items() if pk in read.agency_ids),
        seconds=time.perf_counter() - started,
    )
    with transaction.atomic():
        rejected.save()
        audit_record_for(
            rejected, action=AuditAction.IMPORT, detail={"outcome": "rejected", "errors": error_count}
        )
    return ImportOutcome(batch=rejected, phases=phases)


def _days(ordinals: Any) -> Any:
    """Ordinals (0 = none) as datetime64[D] (NaT for none)."""
    days = (ordinals - EPOCH_ORDINAL).astype("datetime64[D]")
    days[ordinals == 0] = np.datetime64("NaT", "D")
    return days


def application_periods() -> dict[tuple[int, str], tuple[int, int]]:
    """Every agency's published 人民申請 periods: (agency id, item) → (value, unit code)."""
    return {
        (agency_id, item): (value, UNIT_CODES.index(unit))
        for agency_id, item, value, unit in ApplicationPeriod.objects.values_list(
            "agency_id", "item", "value", "unit"
        )
    }


def _columns(register: Register, *, periods: dict[tuple[int, str], tuple[int, int]] | None = None) -> Columns:
    size = len(register)
    period_value = np.full(size, -1, dtype=np.int64)
    period_unit = np.zeros(size, dtype=np.int64)
    application = register.category == CATEGORY_CODES.index("application")
    if application.any():
        if periods is None:
            periods = application_periods()
        if periods:
            for index in np.flatnonzero(application).tolist():
                found = periods.get((int(register.agency_id[index]), register.application_item[index]))
                if found is not None:
                    period_value[index], period_unit[index] = found
    return Columns(
        category=register.category,
        speed=register.speed,
        question_source=register.question_source,
        received=_days(register.received),
        count_from=_days(register.count_from),
        set_deadline=_days(register.set_deadline),
        closed=_days(register.closed),
        extension_count=register.extension_count,
        extension_requested=_days(register.extension_requested),
        extended_to=_days(register.extended_to),
        extension_approved=register.extension_approved,
        period_value=period_value,
        period_unit=period_unit,
    )


class _DayText:
    """ISO text of ordinals through one lookup table (a million dates in milliseconds)."""

    def __init__(self, ordinals: Sequence[Any], *, null: str) -> None:
        present = [array[array > 0] for array in ordinals]
        lows = [int(array.min()) for array in present if array.size]
        highs = [int(array.max()) for array in present if array.size]
        self.first = min(lows) if lows else 1
        last = max(highs) if highs else 1
        table = [null] + [date.fromordinal(day).isoformat() for day in range(self.first, last + 1)]
        self.table = np.array(table, dtype=object)

    def __call__(self, ordinals: Any) -> list[str]:
        index = np.where(ordinals > 0, ordinals - self.first + 1, 0)
        return list(self.table[index].tolist())


def _ordinals(days: Any) -> Any:
    values = days.astype(np.int64) + EPOCH_ORDINAL
    return np.where(np.isnat(days), 0, values)


def _rows_text(
    register: Register, columns: Columns, result: Any, *, batch_id: int, as_of: date, null: str
) -> list[list[str]]:
    """The columns of DOCUMENT_COLUMNS as lists of text (None as `null`)."""
    size = len(register)
    deadline = _ordinals(result.deadline)
    extended_deadline = _ordinals(result.extended_deadline)
    day_columns = (
        register.received, register.set_deadline, register.closed, register.linked_first, register.linked_last,
        register.extension_requested, register.extended_to, register.count_from, deadline, extended_deadline,
    )  # fmt: skip
    day_text = _DayText(day_columns, null=null)
    halves = np.where(np.isnan(result.days_used), -1, np.round(result.days_used * 2)).astype(np.int64)
    half_table = np.array(
        [null] + [f"{half / 2:.1f}" for half in range(int(halves.max(initial=0)) + 1)], dtype=object
    )
    hour_table = np.array([null] + [str(hour) for hour in range(24)], dtype=object)
    categories = np.array(CATEGORY_CODES, dtype=object)
    speeds = np.array(Speed.values, dtype=object)
    questions = np.array(QuestionSource.values, dtype=object)
    combines = np.array(Combine.values, dtype=object)
    statuses = np.array([str(value) for value in STATUS_CODES], dtype=object)
    bools = np.array(["f", "t"], dtype=object)
    return [
        list(map(str, register.agency_id.tolist())),
        register.number,
        register.unit,
        categories[register.category].tolist(),
        speeds[register.speed].tolist(),
        questions[register.question_source].tolist(),
        register.application_item,
        day_text(register.received),
        hour_table[register.received_hour + 1].tolist(),
        day_text(register.set_deadline),
        day_text(register.closed),
        combines[register.combine].tolist(),
        register.linked_numbers,
        day_text(register.linked_first),
        day_text(register.linked_last),
        list(map(str, register.extension_count.tolist())),
        day_text(register.extension_requested),
        day_text(register.extended_to),
        bools[register.extension_approved.astype(np.int64)].tolist(),
        day_text(register.count_from),
        bools[result.as_ordinary.astype(np.int64)].tolist(),
        day_text(deadline),
        day_text(extended_deadline),
        half_table[halves + 1].tolist(),
        statuses[result.status].tolist(),
        statuses[result.status_extended].tolist(),
        [as_of.isoformat()] * size,
        list(map(str, register.digest.tolist())),
        [str(batch_id)] * size,
    ]


def _register_changes(
    register: Register, existing: dict[tuple[int, str], tuple[int, int]]
) -> tuple[list[int], list[int], list[int]]:
    """Rows that are new, rows that changed, and the changed rows' document ids: a document is its
    agency plus its number, changed when its cells' digest differs from the stored one."""
    if not existing:
        return list(range(len(register))), [], []
    new_index: list[int] = []
    update_index: list[int] = []
    update_ids: list[int] = []
    digests = register.digest.tolist()
    for index, key in enumerate(zip(register.agency_id.tolist(), register.number, strict=True)):
        found = existing.get(key)
        if found is None:
            new_index.append(index)
        elif found[1] != digests[index]:
            update_index.append(index)
            update_ids.append(found[0])
    return new_index, update_index, update_ids


def _write(
    *, register: Register, columns: Columns, result: Any, batch_id: int, as_of: date, phases: dict[str, float]
) -> tuple[int, int, int, bool]:
    """Insert new documents, update changed ones; the counts (new, updated, unchanged) and whether
    the file holds every document of its agencies (nothing was there before)."""
    mark = time.perf_counter()
    agency_ids = sorted(set(register.agency_id.tolist()))
    existing: dict[tuple[int, str], tuple[int, int]] = {}
    for agency_id in agency_ids:
        for pk, number, digest in Document.objects.filter(agency_id=agency_id).values_list(
            "id", "number", "digest"
        ):
            existing[(agency_id, number)] = (pk, digest)
    size = len(register)
    new_index, update_index, update_ids = _register_changes(register, existing)
    unchanged = size - len(new_index) - len(update_index)
    postgres = connection.vendor == "postgresql"
    null = "\\N"  # COPY's NULL; text cells are escaped, so no cell reads so by accident
    phases["write.compare"] = time.perf_counter() - mark
    mark = time.perf_counter()
    texts = _rows_text(register, columns, result, batch_id=batch_id, as_of=as_of, null=null)
    phases["write.text"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if postgres:
        _copy_postgres(texts, new_index, update_index, update_ids, phases=phases)
    else:
        _write_generic(texts, new_index, update_index, update_ids, null=null)
    phases["write.database"] = time.perf_counter() - mark
    return len(new_index), len(update_index), unchanged, not existing


def _lines(
    texts: list[list[str]], indexes: Sequence[int] | None, extra: Sequence[int] | None = None
) -> Iterator[str]:
    """COPY text in blocks: the rows at `indexes` (all when None), `extra` (ids) as a first column."""
    block = 20_000
    size = len(texts[0])
    chosen = range(size) if indexes is None else indexes
    for start in range(0, len(chosen), block):
        part = chosen[start : start + block]
        if indexes is None:
            columns = [column[start : start + block] for column in texts]
        else:
            columns = [[column[index] for index in part] for column in texts]
        if extra is not None:
            columns.insert(0, [str(value) for value in extra[start : start + block]])
        yield "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


BULK_REBUILD_ROWS = 100_000


def _indexes_drop(cursor: Any, table: str) -> list[str]:
    """Drop the table's secondary indexes, unique and foreign-key constraints; the statements that recreate them.

    Foreign keys too: their per-row trigger would cost as much as the load, and re-adding one
    checks every row in a single join.
    """
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype IN ('u', 'f') ORDER BY contype DESC",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    statements = []
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        statements.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
        statements.append(definition)
    return statements


def _copy_postgres(
    texts: list[list[str]],
    new_index: list[int],
    update_index: list[int],
    update_ids: list[int],
    *,
    phases: dict[str, float],
) -> None:
    table = Document._meta.db_table
    names = ", ".join(DOCUMENT_COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY is not part of the DB-API
        if new_index:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
            estimate = max(int(cursor.fetchone()[0]), 0)
            # Loading many rows into a table that is small next to them: maintaining each index row
            # by row costs several times more than building it once after the load. The indexes are
            # dropped and rebuilt inside this transaction (readers keep the old ones until commit).
            rebuild = len(new_index) >= BULK_REBUILD_ROWS and len(new_index) > estimate
            definitions: list[str] = []
            if rebuild:
                definitions = _indexes_drop(cursor, table)
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                everything = len(new_index) == len(texts[0])
                for block in _lines(texts, None if everything else new_index):
                    copy.write(block)
            if rebuild:
                mark = time.perf_counter()
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for definition in definitions:
                    cursor.execute(definition)
                # Fresh statistics: without them the planner guesses a few thousand rows and
                # picks bitmap scans over the whole year for a 50-row drill-down page.
                cursor.execute(f"ANALYZE {table}")
                phases["write.indexes"] = time.perf_counter() - mark
        if update_index:
            cursor.execute(f"CREATE TEMP TABLE timeliness_update (LIKE {table}) ON COMMIT DROP")
            cursor.execute("ALTER TABLE timeliness_update DROP COLUMN id")
            cursor.execute("ALTER TABLE timeliness_update ADD COLUMN target bigint")
            with raw.copy(f"COPY timeliness_update (target, {names}) FROM STDIN") as copy:
                for block in _lines(texts, update_index, extra=update_ids):
                    copy.write(block)
            assignments = ", ".join(f"{name} = u.{name}" for name in DOCUMENT_COLUMNS)
            cursor.execute(
                f"UPDATE {table} AS d SET {assignments} FROM timeliness_update AS u WHERE d.id = u.target"  # noqa: S608 - names from the model
            )
            cursor.execute("DROP TABLE timeliness_update")


def _write_generic(
    texts: list[list[str]], new_index: list[int], update_index: list[int], update_ids: list[int], *, null: str
) -> None:
    table = Document._meta.db_table
    placeholders = ", ".join(["%s"] * len(DOCUMENT_COLUMNS))

    def values(index: int) -> list[Any]:
        row: list[Any] = [None if column[index] == null else column[index] for column in texts]
        for position in (1, 2, 6, 12):  # escaped text columns back to their plain form
            value = row[position]
            if "\\" in value:
                row[position] = _UNESCAPE.sub(lambda match: _UNESCAPED[match.group(1)], value)
        return row

    with connection.cursor() as cursor:
        if new_index:
            sql = f"INSERT INTO {table} ({', '.join(DOCUMENT_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608 - names from the model
            for start in range(0, len(new_index), 50000):
                cursor.executemany(sql, [_typed(values(index)) for index in new_index[start : start + 50000]])
        if update_index:
            assignments = ", ".join(f"{name} = %s" for name in DOCUMENT_COLUMNS)
            sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608 - names from the model
            cursor.executemany(
                sql,
                [[*_typed(values(index)), pk] for index, pk in zip(update_index, update_ids, strict=True)],
            )


_UNESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
_BOOL_POSITIONS = (DOCUMENT_COLUMNS.index("extension_approved"), DOCUMENT_COLUMNS.index("as_ordinary"))


def _typed(row: list[Any]) -> list[Any]:
    for position in _BOOL_POSITIONS:
        row[position] = row[position] == "t"
    return row


# --- re-audit and figures ----------------------------------------------------------------------------


def documents_reaudit_open(*, as_of: date | None = None, agency_ids: Sequence[int] | None = None) -> int:
    """Judge the open documents again on `as_of` (an open one turns overdue as days pass); the count changed."""
    as_of = as_of or timezone.localdate()
    open_documents = Document.objects.filter(closed_on__isnull=True)
    if agency_ids is not None:
        open_documents = open_documents.filter(agency_id__in=agency_ids)
    late_extended = Q(extended_deadline__lt=as_of) | Q(extended_deadline__isnull=True, deadline__lt=as_of)
    with transaction.atomic():
        changed = open_documents.filter(status=Status.OPEN, deadline__lt=as_of).update(
            status=Status.OPEN_OVERDUE
        )
        changed += open_documents.filter(status=Status.OPEN_OVERDUE, deadline__gte=as_of).update(
            status=Status.OPEN
        )
        open_documents.filter(late_extended).update(status_extended=Status.OPEN_OVERDUE)
        open_documents.exclude(late_extended).update(status_extended=Status.OPEN)
        open_documents.update(audited_on=as_of)
        touched = sorted(set(agency_ids or Document.objects.values_list("agency_id", flat=True).distinct()))
        figures_rebuild(agency_ids=touched)
    return changed


def _figures_from_columns(*, register: Register, result: Any, as_of: date) -> None:
    """The figures of a register's agencies counted from its columns (same sums as figures_rebuild)."""
    from yankao.timeliness.models import Figure

    agency_ids = sorted(set(register.agency_id.tolist()))
    Figure.objects.filter(agency_id__in=agency_ids).delete()
    if not len(register):
        return
    # Distinct units in order of appearance, then one C-level lookup per row.
    unit_codes = {unit: code for code, unit in enumerate(dict.fromkeys(register.unit))}
    units = np.fromiter(map(unit_codes.__getitem__, register.unit), np.int64, len(register))
    months = ((register.received - EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[M]")).astype(
        np.int64
    )
    month_base = int(months.min())
    month_span = int(months.max()) - month_base + 1
    key = (
        (register.agency_id * len(unit_codes) + units) * len(CATEGORY_CODES) + register.category
    ) * month_span
    key = key + (months - month_base)
    groups, inverse = np.unique(key, return_inverse=True)  # a few thousand groups
    status, extended_status = result.status, result.status_extended
    days = result.days_used
    closed = ~np.isnan(days)

    def count(mask: Any) -> list[int]:
        return (
            np.bincount(inverse, weights=mask.astype(np.float64), minlength=groups.size)
            .astype(np.int64)
            .tolist()
        )

    sums = {
        "total": np.bincount(inverse, minlength=groups.size).tolist(),
        "on_time": count(status == 0),
        "late": count(status == 1),
        "open_overdue": count(status == 2),
        "open": count(status == 3),
        "on_time_extended": count(extended_status == 0),
        "extended": count(register.extension_count > 0),
        "as_ordinary": count(result.as_ordinary),
        "days_used_count": count(closed),
    }
    # Half-days are exact in binary: the float sums are the decimal sums.
    day_sums = np.bincount(inverse, weights=np.where(closed, days, 0.0), minlength=groups.size).tolist()
    unit_names = [_UNESCAPE.sub(lambda match: _UNESCAPED[match.group(1)], name) for name in unit_codes]
    rows = []
    for position, group in enumerate(groups.tolist()):
        rest, month_offset = divmod(group, month_span)
        rest, category = divmod(rest, len(CATEGORY_CODES))
        agency_id, unit = divmod(rest, len(unit_codes))
        month = np.datetime64(month_base + month_offset, "M").astype("datetime64[D]").item()
        rows.append(
            (
                agency_id, unit_names[unit], CATEGORY_CODES[category], month,
                *(values[position] for values in sums.values()),
                Decimal(str(day_sums[position])), as_of,
            )
        )  # fmt: skip
    # Not bulk_create: it spends seconds compiling tens of thousands of model rows.
    names = ", ".join(["agency_id", "unit", "category", "month", *sums, "days_used_sum", "audited_on"])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {Figure._meta.db_table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * (len(sums) + 6))
            cursor.executemany(f"INSERT INTO {Figure._meta.db_table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def figures_rebuild(*, agency_ids: Sequence[int]) -> None:
    """Recount the figures of these agencies from their documents (one grouped query)."""
    from yankao.timeliness.models import Figure

    if not agency_ids:
        return
    Figure.objects.filter(agency_id__in=agency_ids).delete()
    table = Document._meta.db_table
    month = (
        "date_trunc('month', received_on)::date"
        if connection.vendor == "postgresql"
        else "date(received_on, 'start of month')"
    )
    marks = ", ".join(["%s"] * len(agency_ids))
    # Table names and the month expression come from the code; the agency ids are parameters.
    sql = f"""
        INSERT INTO {Figure._meta.db_table}
            (agency_id, unit, category, month, total, on_time, late, open_overdue, open, on_time_extended,
             extended, as_ordinary, days_used_sum, days_used_count, audited_on)
        SELECT agency_id, unit, category, {month}, COUNT(*),
            SUM(CASE WHEN status = 'on_time' THEN 1 ELSE 0 END),
            SUM(CASE WHEN status = 'late' THEN 1 ELSE 0 END),
            SUM(CASE WHEN status = 'open_overdue' THEN 1 ELSE 0 END),
            SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END),
            SUM(CASE WHEN status_extended = 'on_time' THEN 1 ELSE 0 END),
            SUM(CASE WHEN extension_count > 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN as_ordinary THEN 1 ELSE 0 END),
            COALESCE(SUM(days_used), 0),
            COUNT(days_used),
            MAX(audited_on)
        FROM {table}
        WHERE agency_id IN ({marks})
        GROUP BY agency_id, unit, category, {month}
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, list(agency_ids))


# --- mapping profiles and application periods ----------------------------------------------------------

PROFILES_FILE = Path(__file__).resolve().parent / "data" / "profiles.toml"


def mapping_profile_defaults_load() -> int:
    """Create or refresh the default profiles of data/profiles.toml (migration 0002 does the same); the count."""
    entries = tomllib.loads(PROFILES_FILE.read_text(encoding="utf-8"))["profile"]
    for entry in entries:
        MappingProfile.objects.update_or_create(
            name=entry["name"],
            defaults={
                "description": entry.get("description", ""),
                "columns": entry["columns"],
                "values": entry.get("values", {}),
            },
        )
    return len(entries)


def mapping_profile_save(
    *,
    actor: Any,
    name: str,
    columns: dict[str, str],
    values: dict[str, dict[str, str]],
    description: str = "",
    profile: MappingProfile | None = None,
    version: int | None = None,
) -> MappingProfile:
    """Create or change a column-mapping profile (RDEC only); checked before it is saved."""
    if not is_staff_member(actor) or actor.role not in {Role.RDEC_STAFF, Role.RDEC_ADMIN}:
        raise PermissionDeniedError("只有研考會同仁可以設定欄位對應。")
    Profile.from_data(name=name, columns=columns, values=values)
    with transaction.atomic():
        if profile is None:
            profile = MappingProfile.objects.create(
                name=name, columns=columns, values=values, description=description
            )
            audit_record_for(profile, action=AuditAction.CREATE, fields=["name", "columns", "values"])
            return profile
        changed = MappingProfile.objects.filter(pk=profile.pk, version=version or profile.version).update(
            name=name,
            columns=columns,
            values=values,
            description=description,
            version=(version or profile.version) + 1,
        )
        if not changed:
            raise ConflictError("此欄位對應已被他人修改，請重新載入後再編輯。")
        audit_record_for(
            profile, action=AuditAction.UPDATE, fields=["name", "columns", "values", "description"]
        )
    profile.refresh_from_db()
    return profile


# --- on-site samples --------------------------------------------------------------------------------


def sample_draw(
    *, actor: Any, agency: Agency, date_from: date, date_to: date, seed: int, size: int | None = None
) -> Sample:
    """Draw a reproducible random sample of an agency's documents: the same seed draws the same documents."""
    if not is_staff_member(actor) or actor.role not in SAMPLE_ROLES:
        raise PermissionDeniedError("只有研考會同仁及查核委員可以抽樣。")
    if date_from > date_to:
        raise ApplicationError("收文日起日晚於迄日。", code="invalid_period")
    if size is None:
        size = int(rule_get(key="document.onsite_sample_size", on=date_to).value)
    if size < 1:
        raise ApplicationError("抽樣件數須為 1 以上。", code="invalid_size")
    ids = list(
        Document.objects.filter(agency=agency, received_on__range=(date_from, date_to))
        .order_by("number")
        .values_list("id", flat=True)
    )
    if not ids:
        raise NotFoundError(f"{agency.name}在此期間沒有公文可供抽樣。")
    chosen = np.random.default_rng(seed).choice(len(ids), size=min(size, len(ids)), replace=False)
    with transaction.atomic():
        sample = Sample.objects.create(
            agency=agency, seed=seed, size=len(chosen), date_from=date_from, date_to=date_to, created_by=actor
        )
        SampleItem.objects.bulk_create(
            SampleItem(sample=sample, document_id=ids[int(index)], position=position)
            for position, index in enumerate(sorted(chosen.tolist()), start=1)
        )
        audit_record_for(sample, action=AuditAction.CREATE, detail={"seed": seed, "size": len(chosen)})
    return sample


def sample_item_record(
    *, actor: Any, item: SampleItem, version: int, finding: str, note: str, follow_up: str, resolved: bool
) -> SampleItem:
    """Record an on-site check's finding and its follow-up (optimistic: a stale version is refused)."""
    if not is_staff_member(actor) or actor.role not in SAMPLE_ROLES:
        if not (actor.role == Role.LIAISON and can_view_agency(actor, item.sample.agency)):
            raise PermissionDeniedError("您不能記錄此抽查結果。")
        if finding != item.finding or note != item.note:
            raise PermissionDeniedError("機關研考聯絡人只能填寫追蹤改善情形。")
    if finding not in SampleItem.Finding.values:
        raise ApplicationError("查核結果不正確。", code="invalid_finding")
    if resolved and finding != SampleItem.Finding.DISCREPANCY:
        raise ApplicationError("只有「不符」的項目需要改善結案。", code="invalid_resolved")
    with transaction.atomic():
        changed = SampleItem.objects.filter(pk=item.pk, version=version).update(
            finding=finding,
            note=note,
            follow_up=follow_up,
            resolved=resolved,
            checked_by=actor,
            checked_at=timezone.now(),
            version=version + 1,
        )
        if not changed:
            raise ConflictError("此筆抽查紀錄已被他人修改，請重新載入後再填寫。")
        audit_record(
            action=AuditAction.UPDATE,
            target_type="timeliness.sampleitem",
            target_id=item.pk,
            fields=["finding", "note", "follow_up", "resolved"],
        )
    item.refresh_from_db()
    return item
