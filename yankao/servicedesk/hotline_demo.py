"""The demo city's 1999 calls: every call of the history year, at the targets file's scale.

Reads `calls_1999` and `[servicedesk.hotline]` of the targets file (docs/demo-targets.md). The
calls that became petitions are exactly the servicedesk demo's hotline-channel petitions of the
year: each such call points at its case, ends when the case was received, and carries the
petitioner's number as the case stores it, so it counts once among calls and the case once among
petitions. The other calls are drawn over the year with numpy:

- the day: 1999 answers around the clock, every day; fewer calls on rest days, a summer bulge,
  and a surge on the city's typhoon closures (read from the calendar's typhoon overrides) and the
  days after, when people call about flooding and fallen trees;
- the category mix of each day: the petitions' own (season, typhoon aftermath), from
  `data/demo_petitions.toml`; the hour: the hotline's hourly profile from the same file;
- the outcome: dispatch work (the categories Open311 lists as public) is mostly dispatched,
  scaled so the year's share is the target's; a few hang-ups and wrong numbers ("other");
  the calls handed to the bullying module as many as `[bullying].reports_by_source."1999專線"`;
  the rest answered on the spot. Demo dispatches carry no case: building some 280,000 dispatch
  cases would swamp the case statistics the seed report is about, and the report counts calls;
- the caller: a pool of numbers in which some call often, encrypted and digested as intake does;
  the duration: log-normal around four minutes, capped by the rule `hotline.call_time_limit`.

Rows go in with one executemany per batch (as the petitions do); about 860,000 calls in well
under the three minutes of the issue's goal (see docs/benchmarks.md).
"""

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection, transaction

from yankao.cases.models import Case, Channel
from yankao.core.demo_framework import DemoContext
from yankao.core.exceptions import RuleNotInForceError
from yankao.core.models import Role, User
from yankao.core.personal_data import mask_phone, personal_decrypt, personal_digest, personal_encrypt
from yankao.core.selectors.rules import rule_get
from yankao.core.working_days import is_working_day_array
from yankao.servicedesk.demo import (
    DEMO_KEY_PREFIX,
    ONE_DAY,
    TAIWAN_OFFSET_S,
    City,
    _city,
    _day_category_weights,
    _epoch_seconds,
    _execute_many,
    demo_data,
)
from yankao.servicedesk.models import Call, CallOutcome, CallSource

BATCH = 20000
DEFAULTS = {
    "dispatched": 0.33,  # 派工, about a third (domain-rules §2.3)
    "other": 0.04,  # hang-ups, wrong numbers, silent calls
    "repeat_callers": 0.45,  # share of calls from numbers that call more than once a year
    "typhoon_surge": 2.6,  # calls on a typhoon closure day, times an ordinary day's
    "typhoon_after_days": 2,
    "typhoon_after_surge": 1.6,
    "rest_day": 0.72,  # a rest day's calls, times a working day's
}
# The hotline's busy months: summer storms and heat (a plausible shape, unverified).
MONTHS = np.array([0.92, 0.85, 0.95, 0.97, 1.02, 1.08, 1.12, 1.14, 1.06, 1.0, 0.96, 0.93])
DURATION_MEDIAN_S = 200.0
DURATION_SIGMA = 0.55
SHORT_CALL_MEDIAN_S = 35.0
OUTCOME_CODES = [str(outcome) for outcome in CallOutcome]
COLUMNS = (
    "started_at",
    "started_on",
    "started_hour",
    "duration_seconds",
    "operator",
    "caller_phone_encrypted",
    "caller_phone_digest",
    "caller_phone_masked",
    "category",
    "outcome",
    "summary",
    "answer",
    "case",
    "transferred_to",
    "transferred_reference",
    "source",
    "idempotency_key",
)


def _settings(ctx: DemoContext) -> dict[str, Any]:
    table = ctx.targets
    hotline = table.get("hotline", {})
    values = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        if key in hotline:
            value = ctx.target(f"hotline.{key}", type(default), table=table)
            if value < 0:
                raise ctx.targets_error(f"hotline.{key}", "不可為負數")
            values[key] = value
    if values["dispatched"] + values["other"] > 1:
        raise ctx.targets_error("hotline.dispatched", "派工與其他的比例合計不可超過 1")
    return values


def hotline_calls_build(ctx: DemoContext) -> None:
    """Build the year's calls; called by the servicedesk generator after its petitions."""
    table = ctx.targets
    if "calls_1999" not in table:  # a city without hotline figures (e.g. the tests' tiny city)
        ctx.write("      目標檔未設定 calls_1999：不產生1999來電")
        return
    total = ctx.target("calls_1999", int, table=table)
    if total < 0:
        raise ctx.targets_error("calls_1999", "不可為負數")
    began = time.perf_counter()
    year = int(ctx.targets_of("core")["history_year"])
    settings = _settings(ctx)
    city = _city(ctx)
    operators = list(
        User.objects.filter(role=Role.OPERATOR, is_active=True)
        .order_by("username")
        .values_list("pk", flat=True)
    )
    first, last = date(year, 1, 1), date(year, 12, 31)
    petitions = _hotline_petitions(first=first, last=last)
    if len(petitions) > total:
        raise ctx.targets_error(
            "calls_1999", f"1999來電（{total:,}）少於由1999轉成的陳情案件（{len(petitions):,}）"
        )
    bullying = ctx.all_targets.tables.get("bullying", {}).get("reports_by_source", {})
    transferred = min(int(bullying.get("1999專線", 0)), total - len(petitions))
    rng = ctx.numpy_for("calls")
    drawn = _draw(
        rng, city, settings, first=first, last=last, size=total - len(petitions), transferred=transferred
    )
    rows = _Rows(ctx, city, operators, drawn, petitions, limit_s=_time_limit_s(first))
    count = 0
    with ctx.progress(total=total, what="1999來電", unit="通") as bar, transaction.atomic():
        for batch in rows.batches():
            _execute_many(Call, COLUMNS, batch, convert_seconds=frozenset({"started_at"}))
            count += len(batch)
            bar.update(len(batch))
    outcomes = np.bincount(drawn["outcome"], minlength=len(OUTCOME_CODES))
    ctx.write(
        f"      {count:,} 通1999來電（{year} 年，月平均 {round(count / 12):,} 通）："
        f"轉陳情 {len(petitions):,}、派工 {int(outcomes[OUTCOME_CODES.index('dispatched')]):,}、"
        f"當場答復 {int(outcomes[OUTCOME_CODES.index('answered')]):,}；{time.perf_counter() - began:.1f} 秒"
    )


def _time_limit_s(on: date) -> int:
    try:
        return int(rule_get(key="hotline.call_time_limit", on=on).value) * 60
    except RuleNotInForceError:
        return 600


def _hotline_petitions(*, first: date, last: date) -> list[dict[str, Any]]:
    """The demo's petitions received by phone in the year, in arrival order."""
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC) - timedelta(seconds=TAIWAN_OFFSET_S)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC) - timedelta(
        seconds=TAIWAN_OFFSET_S
    )
    rows = (
        Case.objects.filter(
            kind="petition",
            channel=Channel.HOTLINE,
            idempotency_key__startswith=DEMO_KEY_PREFIX,
            received_at__gte=start,
            received_at__lt=end,
        )
        .order_by("received_at", "id")
        .values(
            "id",
            "received_at",
            "category_id",
            "subject",
            "petitioner_phone_encrypted",
            "petitioner_phone_digest",
        )
    )
    return [dict(row) for row in rows]


def _draw(
    rng: np.random.Generator,
    city: City,
    settings: dict[str, Any],
    *,
    first: date,
    last: date,
    size: int,
    transferred: int,
) -> dict[str, np.ndarray]:
    """Start times, categories, outcomes, callers and durations of the calls that are no petition."""
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + ONE_DAY)
    mix = _day_category_weights(city, days)
    mix = mix / mix.sum(axis=1, keepdims=True)
    working = is_working_day_array(days)
    volume = np.where(working, 1.0, float(settings["rest_day"]))
    volume = volume * MONTHS[days.astype("datetime64[M]").view(np.int64) % 12]
    typhoon = np.array([day.item() in city.typhoon_days for day in days], dtype=bool)
    after = np.zeros(days.size, dtype=bool)
    for index in np.flatnonzero(typhoon):
        after[index + 1 : index + 1 + int(settings["typhoon_after_days"])] = True
    volume = np.where(typhoon, volume * float(settings["typhoon_surge"]), volume)
    volume = np.where(after & ~typhoon, volume * float(settings["typhoon_after_surge"]), volume)
    weights = (mix * volume[:, None]).ravel()
    counts = rng.multinomial(size, weights / weights.sum())
    cell = np.repeat(np.arange(counts.size), counts)
    day_index, category = np.divmod(cell, len(city.categories))
    profile = np.array(demo_data()["hours"]["hotline"], dtype=float)
    hour = rng.choice(24, size=size, p=profile / profile.sum())
    started_s = (
        _epoch_seconds(days[day_index]) + hour * 3600 + rng.integers(0, 3600, size=size) - TAIWAN_OFFSET_S
    )

    # Outcomes: dispatch work is mostly dispatched; the rest answered, a few "other"; scaled so
    # the year's dispatch share is the target's.
    public = np.array([category_row.is_public for category_row in city.categories], dtype=bool)[category]
    public_share = float(public.mean()) if size else 0.0
    dispatch_p = min(0.95, float(settings["dispatched"]) / public_share) if public_share else 0.0
    draw = rng.random(size)
    outcome = np.full(size, OUTCOME_CODES.index("answered"), dtype=np.int64)
    outcome[public & (draw < dispatch_p)] = OUTCOME_CODES.index("dispatched")
    other = rng.random(size) < float(settings["other"])
    outcome[other] = OUTCOME_CODES.index("other")
    if transferred:
        education = [i for i, c in enumerate(city.categories) if c.code == "education"]
        pool = np.flatnonzero(np.isin(category, education)) if education else np.arange(size)
        pool = pool if pool.size >= transferred else np.arange(size)
        outcome[rng.choice(pool, size=transferred, replace=False)] = OUTCOME_CODES.index("transferred")

    duration = np.exp(rng.normal(np.log(DURATION_MEDIAN_S), DURATION_SIGMA, size=size))
    short = np.exp(rng.normal(np.log(SHORT_CALL_MEDIAN_S), 0.6, size=size))
    duration = np.where(outcome == OUTCOME_CODES.index("other"), short, duration)

    # Callers: a share of calls comes from a smaller pool of numbers that call again and again.
    repeat = rng.random(size) < float(settings["repeat_callers"])
    frequent_pool = max(1, size // 20)
    caller = np.where(
        repeat,
        (frequent_pool * rng.random(size) ** 2).astype(np.int64),
        frequent_pool + np.arange(size),
    )
    order = np.argsort(started_s, kind="stable")
    return {
        "started_s": started_s[order],
        "category": category[order],
        "outcome": outcome[order],
        "duration": duration[order],
        "caller": caller[order],
        "operator": rng.integers(0, 1 << 30, size=size)[order],
        "text": rng.integers(0, 1 << 30, size=size)[order],
    }


class _Rows:
    """Call rows as plain tuples in COLUMNS order, drawn calls and petition calls merged by time."""

    def __init__(
        self,
        ctx: DemoContext,
        city: City,
        operators: list[int],
        drawn: dict[str, np.ndarray],
        petitions: list[dict[str, Any]],
        *,
        limit_s: int,
    ) -> None:
        self.city = city
        self.operators: list[int | None] = list(operators) or [None]
        self.drawn = drawn
        self.petitions = petitions
        self.limit_s = limit_s
        self.phones: dict[int, tuple[str, str, str]] = {}
        self.rng = ctx.random_for("call-words")
        self.summaries, self.answers = self._words()
        self.days: dict[int, date] = {}
        self.categories = [category.pk for category in city.categories]

    def _words(self) -> tuple[list[list[str]], list[list[str]]]:
        """A few summaries and answers per category, filled once (the same words as the petitions)."""
        data = demo_data()
        words = data["words"]
        summaries: list[list[str]] = []
        answers: list[list[str]] = []
        for category in self.city.categories:
            templates = data["templates"].get(category.code, {})
            fill = self._filler(words)
            subjects = templates.get("subjects") or [category.name]
            replies = templates.get("replies") or ["已說明相關規定並告知承辦機關聯絡方式。"]
            summaries.append([fill(self.rng.choice(subjects)) for _ in range(24)])
            answers.append(["（當場答復）" + fill(self.rng.choice(replies)) for _ in range(12)])
        return summaries, answers

    def _filler(self, words: dict[str, Any]) -> Any:
        def fill(template: str) -> str:
            return template.format(
                district=self.rng.choice(self.city.district_names),
                road=self.rng.choice(words["roads"]),
                no=self.rng.randint(1, 400),
                place=self.rng.choice(words["places"]),
                when=self.rng.choice(words["when"]),
            )

        return fill

    def _phone(self, caller: int) -> tuple[str, str, str]:
        """Encrypted, digest and mask of the caller's number: computed once per number."""
        found = self.phones.get(caller)
        if found is None:
            # Three in ten callers ring from a landline (07 + 7 digits), the others from a mobile.
            if caller % 10 < 3:
                number = f"07{(caller * 7919 + 3_000_000) % 10_000_000:07d}"
            else:
                number = f"09{(caller * 104_729 + 12_345_678) % 100_000_000:08d}"
            found = (personal_encrypt(number), personal_digest(number), mask_phone(number))
            self.phones[caller] = found
        return found

    def _day(self, local_s: int) -> date:
        day = local_s // 86400
        found = self.days.get(day)
        if found is None:
            found = self.days[day] = date(1970, 1, 1) + timedelta(days=day)
        return found

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        drawn, petitions = self.drawn, self.petitions
        started = drawn["started_s"]
        size = started.size
        petition_starts = [
            int(row["received_at"].timestamp()) - self._petition_duration(index)
            for index, row in enumerate(petitions)
        ]
        i = j = 0
        batch: list[tuple[Any, ...]] = []
        while i < size or j < len(petitions):
            if j >= len(petitions) or (i < size and int(started[i]) <= petition_starts[j]):
                batch.append(self._drawn_row(i))
                i += 1
            else:
                batch.append(self._petition_row(j, petition_starts[j]))
                j += 1
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def _petition_duration(self, index: int) -> int:
        # A call that becomes a petition takes a little longer: the operator reads the record back.
        return min(self.limit_s, 180 + (index * 7919) % 300)

    def _common(self, start_s: int) -> tuple[int, date, int]:
        local = start_s + TAIWAN_OFFSET_S
        return start_s, self._day(local), (local % 86400) // 3600

    def _drawn_row(self, i: int) -> tuple[Any, ...]:
        drawn = self.drawn
        start_s, day, hour = self._common(int(drawn["started_s"][i]))
        category_index = int(drawn["category"][i])
        outcome = OUTCOME_CODES[int(drawn["outcome"][i])]
        encrypted, digest, masked = self._phone(int(drawn["caller"][i]))
        text = int(drawn["text"][i])
        summaries = self.summaries[category_index]
        answers = self.answers[category_index]
        return (
            start_s,
            day,
            hour,
            int(min(self.limit_s, max(5.0, float(drawn["duration"][i])))),
            self.operators[int(drawn["operator"][i]) % len(self.operators)],
            encrypted,
            digest,
            masked,
            self.categories[category_index],
            outcome,
            "" if outcome == "other" else summaries[text % len(summaries)],
            answers[text % len(answers)] if outcome == "answered" else "",
            None,
            "bullying" if outcome == "transferred" else "",
            "",
            CallSource.DEMO.value,
            None,
        )

    def _petition_row(self, j: int, start_s: int) -> tuple[Any, ...]:
        row = self.petitions[j]
        _, day, hour = self._common(start_s)
        phone = personal_decrypt(row["petitioner_phone_encrypted"])
        return (
            start_s,
            day,
            hour,
            int(row["received_at"].timestamp()) - start_s,
            self.operators[j % len(self.operators)],
            row["petitioner_phone_encrypted"],
            row["petitioner_phone_digest"],
            mask_phone(phone) if phone else "",
            row["category_id"],
            CallOutcome.PETITION.value,
            row["subject"],
            "",
            row["id"],
            "",
            "",
            CallSource.DEMO.value,
            None,
        )


def hotline_calls_reset() -> None:
    """Remove the demo calls (one DELETE; calls logged at the console stay)."""
    table = connection.ops.quote_name(Call._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE source = %s", [CallSource.DEMO.value])  # noqa: S608
