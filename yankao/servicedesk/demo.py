"""The servicedesk module's demo data: a full year of citizen petitions, and recent ones still open.

Reads `[servicedesk]` of the targets file (docs/demo-targets.md) for the sizes and shares, and
`data/demo_petitions.toml` for the shape of the year and the words. The year is drawn as a whole
with numpy (arrival days, categories, channels, districts, each case's steps), then the cases and
their timelines are bulk-inserted in batches. Deadlines come from the case engine's own rule
(`deadline_rule_for`) and the working-day calendar, vectorised; a case's steps are cut at the
build date, so recent cases are open in whatever state they had reached by then.
"""

import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, partial
from pathlib import Path
from random import Random
from typing import Any

import numpy as np
import numpy.typing as npt
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Model, Q

from yankao.cases.kinds import case_kinds
from yankao.cases.models import Case, CaseEvent, Category, Channel, Extension, SurveyResponse
from yankao.cases.services import (
    NOT_PROCESSED_GROUNDS,
    Petitioner,
    deadline_rule_for,
    due_on_for_rule,
    petitioner_fields,
    rule_label,
    tracking_code_for_key,
    tracking_digest,
)
from yankao.cases.workflow import OPEN_STATES, Action, State
from yankao.core.demo_framework import DemoContext, demo_generator_register
from yankao.core.exceptions import RuleNotInForceError
from yankao.core.models import Agency, CalendarOverride, NumberSequence, Role, User
from yankao.core.roc_dates import TAIWAN, roc_date_format, roc_date_format_compact
from yankao.core.selectors.rules import RuleVersion, rule_get
from yankao.core.working_days import (
    add_working_days_array,
    count_working_days_array,
    is_working_day_array,
)

VERSION = "2"  # 2: the year's 1999 calls (hotline_demo.py) after the petitions
DATA_FILE = Path(__file__).resolve().parent / "data" / "demo_petitions.toml"
KIND = "petition"
# Every demo petition's idempotency key starts with this: a reset removes these and nothing else,
# and the engine derives each one's tracking code from its key, so the demo can show it.
DEMO_KEY_PREFIX = "demo-servicedesk-"
CHANNELS = (Channel.WEB, Channel.MAYORS_MAILBOX, Channel.HOTLINE, Channel.COUNTER, Channel.LETTER)
# Only these channels reach the city when its offices are closed.
ALWAYS_OPEN_CHANNELS = (Channel.WEB, Channel.MAYORS_MAILBOX, Channel.HOTLINE)
OUTCOME_KEYS = ("rerouted", "paused_for_information", "extended", "not_processed", "late", "still_open")
BATCH = 2000
# Timeline lines that do not change the case row (the engine bumps no version for them).
UNVERSIONED_EVENTS = frozenset({"extension_requested", "survey_answered"})
OFFICE_START_S = 8 * 3600 + 30 * 60
OFFICE_END_S = 17 * 3600 + 30 * 60
TAIWAN_OFFSET_S = 8 * 3600  # Taiwan keeps UTC+8 all year (no daylight saving)

Days = npt.NDArray[np.datetime64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
ONE_DAY = np.timedelta64(1, "D")


@cache
def demo_data() -> dict[str, Any]:
    return tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))


# --- what to build -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    year: int
    petitions: int
    recent: int
    recent_days: int
    channel_shares: dict[str, float]
    outcomes: dict[str, float]
    anonymous: float
    confidential: float
    surveyed: float


def _share(ctx: DemoContext, key: str) -> float:
    value = float(ctx.target(key, float))
    if not 0 <= value <= 1:
        raise ctx.targets_error(key, f"比例應介於 0 與 1 之間，實際是 {value}")
    return value


def _plan(ctx: DemoContext) -> Plan:
    year = ctx.targets_of("core").get("history_year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise ctx.targets_error("history_year", "[core] 表須有整數 history_year")
    petitions = ctx.target("petitions", int)
    recent = ctx.target("open_cases_around_build", int)
    recent_days = ctx.target("recent_days", int)
    for key, value in (
        ("petitions", petitions),
        ("open_cases_around_build", recent),
        ("recent_days", recent_days),
    ):
        if value < 0:
            raise ctx.targets_error(key, "不可為負數")
    if ctx.build_date <= date(year, 12, 31):
        raise ctx.targets_error(
            "petitions",
            f"建置日（{ctx.build_date.isoformat()}）須晚於歷史年度 {year} 年底，整年的案件才都已收件",
        )
    channels = ctx.target("channels", dict)
    unknown = set(channels) - {str(channel) for channel in CHANNELS}
    if unknown:
        raise ctx.targets_error(
            f"channels.{sorted(unknown)[0]}", f"不是陳情管道（可用：{', '.join(str(c) for c in CHANNELS)}）"
        )
    shares = {str(channel): _share(ctx, f"channels.{channel}") for channel in channels}
    if abs(sum(shares.values()) - 1) > 0.001:
        raise ctx.targets_error("channels", f"各管道比例合計應為 1，實際是 {sum(shares.values()):.3f}")
    outcomes = {key: _share(ctx, f"outcomes.{key}") for key in OUTCOME_KEYS}
    return Plan(
        year=year,
        petitions=petitions,
        recent=recent,
        recent_days=recent_days,
        channel_shares=shares,
        outcomes=outcomes,
        anonymous=_share(ctx, "petitioners.anonymous"),
        confidential=_share(ctx, "petitioners.confidential"),
        surveyed=_share(ctx, "outcomes.surveyed"),
    )


# --- the city: categories, agencies, districts, staff ------------------------------------------


@dataclass
class City:
    categories: list[Category]
    category_weights: npt.NDArray[np.float64]
    districts: list[Agency]
    district_names: list[str]
    district_weights: npt.NDArray[np.float64]
    handlers: dict[int, list[User]]  # agency id → officers (else liaisons) who take its cases
    liaisons: dict[int, list[User]]
    rdec: list[User]
    typhoon_days: set[date]


def _city(ctx: DemoContext) -> City:
    data = demo_data()
    weights = data["category_weights"]
    categories = list(
        Category.objects.filter(kind=KIND, is_active=True, code__in=list(weights)).select_related(
            "default_agency"
        )
    )
    if not categories:
        raise ctx.targets_error("petitions", "資料庫沒有陳情類別（請先以 yankao seed 或 core 示範資料載入）")
    districts_by_name = {
        agency.short_name.removesuffix("公所"): agency
        for agency in Agency.objects.filter(kind=Agency.Kind.DISTRICT_OFFICE)
    }
    names = [name for name in data["districts"] if name in districts_by_name]
    if not names:
        raise ctx.targets_error("petitions", "資料庫沒有與示範資料相符的區公所")
    people = list(
        User.objects.filter(role__in=[Role.OFFICER, Role.LIAISON, Role.RDEC_STAFF], is_active=True).order_by(
            "username"
        )
    )
    officers: dict[int, list[User]] = {}
    liaisons: dict[int, list[User]] = {}
    for person in people:
        if person.agency_id is None:
            continue
        if person.role == Role.OFFICER:
            officers.setdefault(person.agency_id, []).append(person)
        elif person.role == Role.LIAISON:
            liaisons.setdefault(person.agency_id, []).append(person)
    handlers = {agency: officers.get(agency) or liaisons.get(agency, []) for agency in {*officers, *liaisons}}
    return City(
        categories=categories,
        category_weights=np.array([weights[category.code] for category in categories], dtype=float),
        districts=[districts_by_name[name] for name in names],
        district_names=names,
        district_weights=np.array([data["districts"][name] for name in names], dtype=float),
        handlers=handlers,
        liaisons=liaisons,
        rdec=[person for person in people if person.role == Role.RDEC_STAFF],
        typhoon_days=set(
            CalendarOverride.objects.filter(
                kind=CalendarOverride.Kind.TYPHOON, is_working_day=False
            ).values_list("date", flat=True)
        ),
    )


# --- arrivals ----------------------------------------------------------------------------------


@dataclass
class Arrivals:
    received_s: Ints  # epoch seconds (UTC)
    category: Ints
    channel: Ints
    district: Ints


def _day_category_weights(city: City, days: Days) -> npt.NDArray[np.float64]:
    """Relative volume of each (day, category): weekday, rest days, typhoon closures, season."""
    data = demo_data()["days"]
    seasonality = demo_data()["seasonality"]
    count = days.size
    weekday = np.array(data["weekday"], dtype=float)
    dow = ((days.view(np.int64) + 3) % 7).astype(np.int64)  # 1970-01-01 was a Thursday
    working = is_working_day_array(days)
    # A make-up working Saturday behaves as a Friday; a holiday on a weekday as a rest day.
    day_factor = np.where(
        working, weekday[np.minimum(dow, 4)], np.where(dow >= 5, weekday[dow], data["rest_day"])
    )
    typhoon = np.array([day.item() in city.typhoon_days for day in days], dtype=bool)
    day_factor = np.where(typhoon, day_factor * data["typhoon_day"], day_factor)
    months = days.astype("datetime64[M]").view(np.int64) % 12
    matrix = np.empty((count, len(city.categories)))
    after = np.zeros(count, dtype=bool)
    for index in np.flatnonzero(typhoon):
        after[index + 1 : index + 1 + int(data["typhoon_after_days"])] = True
    for column, category in enumerate(city.categories):
        season = np.array(seasonality.get(category.code, [1.0] * 12), dtype=float)[months]
        boost = np.where(after, float(data["typhoon_after_factor"].get(category.code, 1.0)), 1.0)
        matrix[:, column] = city.category_weights[column] * season * boost * day_factor
    return matrix


def _arrivals(
    ctx: DemoContext, plan: Plan, city: City, *, first: date, last: date, total: int, label: str
) -> Arrivals:
    """`total` petitions received between `first` and `last` (inclusive), sorted by time."""
    rng = ctx.numpy_for(f"arrivals-{label}")
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + ONE_DAY)
    weights = _day_category_weights(city, days)
    counts = rng.multinomial(total, (weights / weights.sum()).ravel()).reshape(weights.shape)
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    day_index, category = np.divmod(cell, len(city.categories))
    received_day = days[day_index]

    channel_names = [str(channel) for channel in CHANNELS]
    shares = np.array([plan.channel_shares.get(name, 0.0) for name in channel_names])
    channel = rng.choice(len(CHANNELS), size=total, p=shares / shares.sum())
    # Counters and letters arrive only when the offices are open: those days' cases came online.
    closed = ~is_working_day_array(received_day)
    open_channels = np.array([channel_names.index(str(c)) for c in ALWAYS_OPEN_CHANNELS])
    open_shares = shares[open_channels] / shares[open_channels].sum()
    offline = closed & ~np.isin(channel, open_channels)
    channel[offline] = rng.choice(open_channels, size=int(offline.sum()), p=open_shares)

    hours = np.zeros(total, dtype=np.int64)
    for index, name in enumerate(channel_names):
        mine = channel == index
        profile = np.array(demo_data()["hours"][name], dtype=float)
        hours[mine] = rng.choice(24, size=int(mine.sum()), p=profile / profile.sum())
    seconds = hours * 3600 + rng.integers(0, 3600, size=total)
    received_s = _epoch_seconds(received_day) + seconds - TAIWAN_OFFSET_S
    district = rng.choice(
        len(city.districts), size=total, p=city.district_weights / city.district_weights.sum()
    )
    order = np.argsort(received_s, kind="stable")
    return Arrivals(
        received_s=received_s[order],
        category=category[order],
        channel=channel[order],
        district=district[order],
    )


def _epoch_seconds(days: Days) -> Ints:
    return days.astype("datetime64[s]").view(np.int64)


def _local_day(epoch_s: Ints) -> Days:
    return ((epoch_s + TAIWAN_OFFSET_S) // 86400).astype("datetime64[D]")


# --- deadlines -----------------------------------------------------------------------------------


def _rules(city: City, arrivals: Arrivals) -> tuple[list[RuleVersion], Ints]:
    """The engine's reply-deadline rule of each case (by category, channel and received day)."""
    day = _local_day(arrivals.received_s)
    keys = np.stack([arrivals.category, arrivals.channel, day.view(np.int64)], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    versions: dict[tuple[str, str, date], int] = {}
    rules: list[RuleVersion] = []
    per_combination = np.empty(len(unique), dtype=np.int64)
    for row, (category, channel, epoch_day) in enumerate(unique):
        rule = deadline_rule_for(
            kind=KIND,
            category=city.categories[int(category)],
            channel=str(CHANNELS[int(channel)]),
            on=date(1970, 1, 1) + timedelta(days=int(epoch_day)),
        )
        identity = (rule.key, rule.qualifier, rule.effective_from)
        if identity not in versions:
            versions[identity] = len(rules)
            rules.append(rule)
        per_combination[row] = versions[identity]
    return rules, per_combination[inverse.ravel()]


def _due_dates(rules: Sequence[RuleVersion], rule_index: Ints, received_s: Ints) -> Days:
    """Each case's first deadline, as `case_intake` computes it (working days vectorised)."""
    due = np.empty(received_s.size, dtype="datetime64[D]")
    day = _local_day(received_s)
    for index, rule in enumerate(rules):
        mine = rule_index == index
        if rule.unit == "working_days":
            due[mine] = add_working_days_array(day[mine], int(rule.value))
            continue
        # Calendar days, months and hours are rare: the engine's own scalar function, per case.
        for position in np.flatnonzero(mine):
            start = datetime.fromtimestamp(int(received_s[position]), tz=UTC)
            due[position] = np.datetime64(due_on_for_rule(rule=rule, start=start), "D")
    return due


def _shift(due: Days, working_days: Ints, calendar_days: Ints, unit_is_working: Bools) -> Days:
    """The engine's `_shift_due`: a pause or an extension moves the deadline by its working days
    (calendar days for rules counted in calendar days or months)."""
    shifted = due.copy()
    work = unit_is_working & (working_days > 0)
    shifted[work] = add_working_days_array(due[work], working_days[work])
    cal = ~unit_is_working & (calendar_days > 0)
    shifted[cal] = due[cal] + calendar_days[cal].astype("timedelta64[D]")
    return shifted


# --- each case's steps ---------------------------------------------------------------------------


@dataclass
class Steps:
    """Each case's steps as days and epoch seconds (NaT / -1 when the case has no such step)."""

    received_s: Ints
    wrong_agency: Bools
    reroute_s: Ints
    reroute_taken: Ints
    accept_s: Ints
    request_s: Ints
    resume_s: Ints
    paused: Ints
    extension_days: Ints
    ext_request_s: Ints
    ext_approve_s: Ints
    reply_s: Ints
    close_s: Ints
    not_process_s: Ints
    ground: Ints
    survey_s: Ints
    due_initial: Days
    due_after_pause: Days
    due_final: Days


def _pick(rng: np.random.Generator, values: Sequence[int], size: int) -> Ints:
    return np.asarray(values, dtype=np.int64)[rng.integers(0, len(values), size=size)]


def _office_time(rng: np.random.Generator, days: Days, after_s: Ints) -> Ints:
    """A moment in office hours on each day, and after `after_s` (one minute at least)."""
    moment = (
        _epoch_seconds(days) + rng.integers(OFFICE_START_S, OFFICE_END_S, size=days.size) - TAIWAN_OFFSET_S
    )
    return np.maximum(moment, after_s + 60)


def _steps(
    ctx: DemoContext,
    plan: Plan,
    arrivals: Arrivals,
    rules: Sequence[RuleVersion],
    rule_index: Ints,
    *,
    label: str,
) -> Steps:
    rng = ctx.numpy_for(f"steps-{label}")
    timing = demo_data()["timing"]
    size = arrivals.received_s.size
    outcomes = plan.outcomes
    received_s = arrivals.received_s
    received_day = _local_day(received_s)
    local_seconds = (received_s + TAIWAN_OFFSET_S) % 86400
    # Staff first see a case on the day it arrives in office hours, else on the next working day.
    late_in_day = (local_seconds >= OFFICE_END_S).astype(np.int64)
    first_day = add_working_days_array(received_day, late_in_day)

    none = np.full(size, -1, dtype=np.int64)
    rerouted = rng.random(size) < outcomes["rerouted"]
    reroute_day = add_working_days_array(first_day, _pick(rng, timing["reroute_after"], size))
    reroute_s = np.where(rerouted, _office_time(rng, reroute_day, received_s), none)
    # The engine counts the working days after the assignment day up to the re-routing day.
    reroute_taken = np.where(
        rerouted & (reroute_day > received_day),
        count_working_days_array(received_day + ONE_DAY, np.maximum(reroute_day, received_day + ONE_DAY)),
        0,
    )

    base_day = np.where(rerouted, reroute_day, first_day)
    base_s = np.where(rerouted, reroute_s, received_s)
    accept_day = add_working_days_array(base_day, _pick(rng, timing["accept_after"], size))
    accept_s = _office_time(rng, accept_day, base_s)

    not_processed = rng.random(size) < outcomes["not_processed"]
    paused = ~not_processed & (rng.random(size) < outcomes["paused_for_information"])
    extended = ~not_processed & (rng.random(size) < outcomes["extended"])
    still_open = ~not_processed & (rng.random(size) < outcomes["still_open"])
    late = ~not_processed & (rng.random(size) < outcomes["late"])

    unit_is_working = np.array([rule.unit in ("working_days", "hours", "") for rule in rules])[rule_index]
    due_initial = _due_dates(rules, rule_index, received_s)

    request_day = add_working_days_array(accept_day, _pick(rng, timing["request_info_after"], size))
    request_s = np.where(paused, _office_time(rng, request_day, accept_s), none)
    answer_after = _pick(rng, timing["citizen_answers_after"], size)
    resume_day = add_working_days_array(request_day, answer_after)
    resume_s = np.where(paused, _office_time(rng, resume_day, request_s), none)
    # The engine's count: working days after the pause day up to the answer day.
    paused_days = np.where(paused, count_working_days_array(request_day + ONE_DAY, resume_day), 0)
    due_after_pause = _shift(
        due_initial,
        paused_days,
        np.where(paused, (resume_day - request_day).astype(np.int64), 0),
        unit_is_working,
    )

    cap = _extension_cap(received_day)
    extension_days = np.minimum(_pick(rng, timing["extension_working_days"], size), cap)
    extended &= extension_days > 0
    last_day = np.where(paused, resume_day, accept_day)
    last_s = np.where(paused, resume_s, accept_s)
    # The request comes before the deadline (the engine refuses a late one), its approval a day later.
    ext_request_day = np.minimum(add_working_days_array(last_day, rng.integers(0, 4, size)), due_after_pause)
    extended &= ext_request_day >= last_day
    ext_request_s = np.where(extended, _office_time(rng, ext_request_day, last_s), none)
    ext_approve_day = add_working_days_array(ext_request_day, rng.integers(0, 2, size))
    ext_approve_s = np.where(extended, _office_time(rng, ext_approve_day, ext_request_s), none)
    due_final = _shift(
        due_after_pause,
        np.where(extended, extension_days, 0),
        np.where(extended, extension_days, 0),
        unit_is_working,
    )
    last_day = np.where(extended, ext_approve_day, last_day)
    last_s = np.where(extended, ext_approve_s, last_s)

    # Replies fall early in the time left; a late share goes past the deadline.
    left = np.where(
        due_final > last_day,
        count_working_days_array(last_day + ONE_DAY, np.maximum(due_final, last_day + ONE_DAY)),
        0,
    )
    alpha, beta = timing["reply_beta"]
    within = np.floor(rng.beta(alpha, beta, size) * (left + 1)).astype(np.int64)
    on_time_day = add_working_days_array(last_day, np.minimum(within, left))
    late_day = np.maximum(add_working_days_array(due_final, _pick(rng, timing["late_by"], size)), last_day)
    reply_day = np.where(late, late_day, on_time_day)
    replies = ~not_processed & ~still_open
    reply_s = np.where(replies, _office_time(rng, reply_day, last_s), none)
    close_day = add_working_days_array(reply_day, _pick(rng, timing["close_after"], size))
    close_s = np.where(replies, _office_time(rng, close_day, reply_s), none)

    not_process_day = add_working_days_array(accept_day, _pick(rng, timing["not_process_after"], size))
    not_process_s = np.where(not_processed, _office_time(rng, not_process_day, accept_s), none)
    grounds = demo_data()["not_processed_grounds"]
    ground_weights = np.array([grounds[code] for code in NOT_PROCESSED_GROUNDS], dtype=float)
    ground = rng.choice(len(ground_weights), size=size, p=ground_weights / ground_weights.sum())

    surveyed = replies & (rng.random(size) < plan.surveyed)
    survey_s = np.where(
        surveyed,
        reply_s + _pick(rng, timing["survey_after_days"], size) * 86400 + rng.integers(600, 36000, size),
        none,
    )
    return Steps(
        received_s=received_s,
        wrong_agency=rerouted,
        reroute_s=reroute_s,
        reroute_taken=reroute_taken,
        accept_s=accept_s,
        request_s=request_s,
        resume_s=resume_s,
        paused=paused_days,
        extension_days=np.where(extended, extension_days, 0),
        ext_request_s=ext_request_s,
        ext_approve_s=ext_approve_s,
        reply_s=reply_s,
        close_s=close_s,
        not_process_s=not_process_s,
        ground=ground,
        survey_s=survey_s,
        due_initial=due_initial,
        due_after_pause=due_after_pause,
        due_final=due_final,
    )


def _extension_cap(received_day: Days) -> Ints:
    """The rule's cap on extensions per case, on each received day (none when the rule is missing)."""
    cap = np.full(received_day.size, np.iinfo(np.int64).max, dtype=np.int64)
    for epoch_day in np.unique(received_day.view(np.int64)):
        on = date(1970, 1, 1) + timedelta(days=int(epoch_day))
        try:
            value = int(rule_get(key="petition.extension_max_total", on=on).value)
        except RuleNotInForceError:
            continue
        cap[received_day.view(np.int64) == epoch_day] = value
    return cap


# --- rows ------------------------------------------------------------------------------------------


def _moment(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


def _local_date(epoch_s: int) -> date:
    return datetime.fromtimestamp(epoch_s, tz=TAIWAN).date()


@dataclass
class Words:
    rng: Random
    roads: list[str]
    places: list[str]
    when: list[str]
    domains: list[str]
    surnames: dict[str, str]
    handles: list[str]

    def fill(self, template: str, district: str) -> str:
        return template.format(
            district=district,
            road=self.rng.choice(self.roads),
            no=self.rng.randint(1, 400),
            place=self.rng.choice(self.places),
            when=self.rng.choice(self.when),
        )


class Builder:
    """Turns the drawn steps into Case, CaseEvent, Extension and SurveyResponse rows, batch by batch."""

    def __init__(self, ctx: DemoContext, plan: Plan, city: City, *, label: str, cutoff_s: int) -> None:
        data = demo_data()
        self.ctx = ctx
        self.plan = plan
        self.city = city
        self.cutoff_s = cutoff_s
        self.rng = ctx.random_for(f"rows-{label}")
        words = data["words"]
        self.words = Words(
            rng=self.rng,
            roads=words["roads"],
            places=words["places"],
            when=words["when"],
            domains=words["email_domains"],
            surnames=data["romanisation"]["surnames"],
            handles=data["romanisation"]["handles"],
        )
        self.templates = data["templates"]
        self.requests = data["requests"]
        self.contact = data["contact"]
        self.grounds = list(NOT_PROCESSED_GROUNDS)
        self.agencies_for_reroute = sorted(
            {category.default_agency for category in city.categories}, key=lambda agency: agency.code
        )
        timing = data["timing"]
        self.process_weights = timing["process_scores"]
        self.outcome_weights = timing["outcome_scores"]
        self.reroute_norm: dict[date, int] = {}
        # A case row starts from every column's default; the builder sets the rest.
        self.case_defaults = {field.attname: field.get_default() for field in Case._meta.concrete_fields}
        self.rule_labels: dict[int, str] = {}

    def rule_label(self, rule: RuleVersion) -> str:
        if id(rule) not in self.rule_labels:
            self.rule_labels[id(rule)] = rule_label(rule)
        return self.rule_labels[id(rule)]

    def _petitioner(self, channel: str, district: str) -> Petitioner:
        rng = self.rng
        if rng.random() < self.plan.anonymous:
            return Petitioner(anonymous=True)
        person = self.ctx.person_name(rng=rng)
        phone = f"09{rng.randint(0, 99):02d}-{rng.randint(0, 999):03d}-{rng.randint(0, 999):03d}"
        email = ""
        if rng.random() < self.contact["email"][channel]:
            local = self.words.surnames.get(person.name[0], "tw")
            handle = rng.choice(self.words.handles)
            email = f"{handle}.{local}{rng.randint(1, 999)}@{rng.choice(self.words.domains)}"
        address = ""
        if rng.random() < self.contact["address"][channel]:
            address = f"高雄市{district}{rng.choice(self.words.roads)}{rng.randint(1, 500)}號"
        return Petitioner(
            name=person.name,
            phone=phone,
            email=email,
            address=address,
            confidential=rng.random() < self.plan.confidential,
        )

    def _handler(self, agency: Agency) -> User | None:
        pool = self.city.handlers.get(agency.pk, [])
        return self.rng.choice(pool) if pool else None

    def _approver(self, agency: Agency) -> User | None:
        pool = self.city.liaisons.get(agency.pk) or self.city.rdec
        return self.rng.choice(pool) if pool else None

    def _within_norm(self, received: date, taken: int) -> bool:
        if received not in self.reroute_norm:
            self.reroute_norm[received] = int(rule_get(key="petition.reroute_deadline", on=received).value)
        return taken <= self.reroute_norm[received]

    def build(
        self,
        *,
        arrivals: Arrivals,
        steps: Steps,
        rules: Sequence[RuleVersion],
        rule_index: Ints,
        numbers: list[str],
        rows: range,
        first_id: int,
    ) -> tuple[
        list[dict[str, Any]], list[list[tuple[Any, ...]]], list[Extension | None], list[SurveyResponse | None]
    ]:
        """The rows of cases `rows` (indexes into the drawn arrays), cut at the build date."""
        cut = self.cutoff_s
        cases: list[dict[str, Any]] = []
        timelines: list[list[tuple[Any, ...]]] = []
        extensions: list[Extension | None] = []
        surveys: list[SurveyResponse | None] = []
        rng = self.rng
        for i in rows:
            category = self.city.categories[int(arrivals.category[i])]
            channel = str(CHANNELS[int(arrivals.channel[i])])
            district_agency = self.city.districts[int(arrivals.district[i])]
            district = self.city.district_names[int(arrivals.district[i])]
            right = district_agency if category.routed_to_district else category.default_agency
            received_s = int(steps.received_s[i])
            received_at = _moment(received_s)
            received_on = _local_date(received_s)
            rule = rules[int(rule_index[i])]

            def happened(value: np.int64) -> bool:
                return 0 <= int(value) < cut

            rerouted = bool(steps.wrong_agency[i])
            wrong = right
            if rerouted:
                others = [agency for agency in self.agencies_for_reroute if agency.pk != right.pk]
                wrong = rng.choice(others) if others else right
                rerouted = wrong.pk != right.pk
            reroute_done = rerouted and happened(steps.reroute_s[i])
            agency = right if (not rerouted or reroute_done) else wrong

            template = self.templates.get(category.code) or self.templates["other"]
            petitioner = self._petitioner(channel, district)
            events: list[tuple[Any, ...]] = []

            event = partial(_event_append, events)

            event(received_s, "intake", target=State.RECEIVED, note="收件", public=True)
            event(
                received_s,
                Action.ASSIGN,
                action=Action.ASSIGN,
                source=State.RECEIVED,
                target=State.ASSIGNED,
                note=f"分派{wrong.name}辦理",
                public=True,
                data={"agency": wrong.code},
            )
            state: str = State.ASSIGNED
            assigned_at = received_at
            if reroute_done:
                taken = int(steps.reroute_taken[i])
                event(
                    int(steps.reroute_s[i]),
                    Action.REROUTE,
                    actor=self._handler(wrong),
                    action=Action.REROUTE,
                    source=State.ASSIGNED,
                    target=State.ASSIGNED,
                    note=f"改分：{wrong.name} → {right.name}",
                    public=True,
                    data={
                        "from_agency": wrong.code,
                        "to_agency": right.code,
                        "reason": f"非本機關權責，應由{right.name}辦理",
                        "working_days_taken": taken,
                        "within_norm": self._within_norm(received_on, taken),
                    },
                )
                assigned_at = _moment(int(steps.reroute_s[i]))
            officer = None
            due = steps.due_initial[i]
            paused_since: date | None = None
            paused_days = 0
            extended_days = 0
            reply = ""
            replied_at = closed_at = None
            ground = ""
            extension: Extension | None = None
            survey: SurveyResponse | None = None
            # The officer takes the case only once it is at the right agency (or never re-routed).
            accepted = happened(steps.accept_s[i]) and (not rerouted or reroute_done)
            if accepted:
                officer = self._handler(agency)
                event(
                    int(steps.accept_s[i]),
                    Action.ACCEPT,
                    actor=officer,
                    action=Action.ACCEPT,
                    source=State.ASSIGNED,
                    target=State.IN_PROGRESS,
                    note="承辦人受理",
                )
                state = State.IN_PROGRESS
            if accepted and happened(steps.request_s[i]):
                message = rng.choice(self.requests["info"])
                event(
                    int(steps.request_s[i]),
                    Action.REQUEST_INFO,
                    actor=officer,
                    action=Action.REQUEST_INFO,
                    source=State.IN_PROGRESS,
                    target=State.WAITING_CITIZEN,
                    note="請民眾補正，暫停計算處理期限",
                    public=True,
                    data={"message": message},
                )
                state = State.WAITING_CITIZEN
                paused_since = _local_date(int(steps.request_s[i]))
                if happened(steps.resume_s[i]):
                    paused_days = int(steps.paused[i])
                    previous = due
                    due = steps.due_after_pause[i]
                    event(
                        int(steps.resume_s[i]),
                        Action.RESUME,
                        actor=officer,
                        action=Action.RESUME,
                        source=State.WAITING_CITIZEN,
                        target=State.IN_PROGRESS,
                        note=(
                            f"補正完成，恢復計算處理期限（暫停{paused_days}個工作日，"
                            f"期限改為{roc_date_format(due.item())}）"
                        ),
                        public=True,
                        data={
                            "paused_working_days": paused_days,
                            "previous_due_on": str(previous),
                            "note": "",
                        },
                    )
                    state = State.IN_PROGRESS
                    paused_since = None
            if state == State.IN_PROGRESS and happened(steps.ext_request_s[i]):
                requester = officer or self._handler(agency)
                approver = self._approver(agency)
                working_days = int(steps.extension_days[i])
                if requester is not None and approver is not None:
                    reason = rng.choice(self.requests["extension_reasons"])
                    extension = Extension(
                        requested_by=requester,
                        requested_at=_moment(int(steps.ext_request_s[i])),
                        working_days=working_days,
                        reason=reason,
                    )
                    event(
                        int(steps.ext_request_s[i]),
                        "extension_requested",
                        actor=requester,
                        data={"working_days": working_days},
                    )
                    if happened(steps.ext_approve_s[i]):
                        new_due = steps.due_final[i]
                        extension.decision = Extension.Decision.APPROVED
                        extension.decided_by = approver
                        extension.decided_at = _moment(int(steps.ext_approve_s[i]))
                        extension.previous_due_on = due.item()
                        extension.new_due_on = new_due.item()
                        due = new_due
                        extended_days = working_days
                        event(
                            int(steps.ext_approve_s[i]),
                            "extension_approved",
                            actor=approver,
                            public=True,
                            note=f"展期{working_days}個工作日，期限改為{roc_date_format(due.item())}",
                            data={"working_days": working_days, "note": ""},
                        )
            if state == State.IN_PROGRESS and happened(steps.not_process_s[i]):
                ground = self.grounds[int(steps.ground[i])]
                closed_at = _moment(int(steps.not_process_s[i]))
                event(
                    int(steps.not_process_s[i]),
                    Action.NOT_PROCESS,
                    actor=officer,
                    action=Action.NOT_PROCESS,
                    source=state,
                    target=State.NOT_PROCESSED,
                    note=f"不予處理（存查）：{NOT_PROCESSED_GROUNDS[ground]}",
                    public=True,
                    data={"ground": ground, "note": ""},
                )
                state = State.NOT_PROCESSED
                if ground == "no_identity":
                    petitioner = Petitioner(anonymous=True)
            if state == State.IN_PROGRESS and happened(steps.reply_s[i]):
                replied_at = _moment(int(steps.reply_s[i]))
                reply = self.words.fill(self.rng.choice(template["replies"]), district)
                on_time = _local_date(int(steps.reply_s[i])) <= due.item()
                event(
                    int(steps.reply_s[i]),
                    Action.REPLY,
                    actor=officer,
                    action=Action.REPLY,
                    source=State.IN_PROGRESS,
                    target=State.REPLIED,
                    note="已答復" + ("" if on_time else "（逾期）"),
                    public=True,
                    data={"on_time": on_time},
                )
                state = State.REPLIED
                if happened(steps.close_s[i]):
                    closed_at = _moment(int(steps.close_s[i]))
                    event(
                        int(steps.close_s[i]),
                        Action.CLOSE,
                        actor=officer,
                        action=Action.CLOSE,
                        source=State.REPLIED,
                        target=State.CLOSED,
                        note="結案",
                        public=True,
                    )
                    state = State.CLOSED
                if happened(steps.survey_s[i]):
                    survey = SurveyResponse(
                        process_score=rng.choices(range(1, 6), weights=self.process_weights)[0],
                        outcome_score=rng.choices(range(1, 6), weights=self.outcome_weights)[0],
                        answered_at=_moment(int(steps.survey_s[i])),
                    )
                    event(int(steps.survey_s[i]), "survey_answered")

            key = f"{DEMO_KEY_PREFIX}{numbers[i]}"
            cases.append(
                dict(
                    self.case_defaults,
                    id=first_id + i,
                    created_at=received_at,
                    updated_at=_moment(events[-1][0]),
                    number=numbers[i],
                    kind=KIND,
                    channel=channel,
                    category_id=category.pk,
                    agency_id=agency.pk,
                    officer_id=officer.pk if officer is not None and state != State.ASSIGNED else None,
                    state=state,
                    is_open=state in OPEN_STATES,
                    subject=self.words.fill(self.rng.choice(template["subjects"]), district)[:200],
                    description=self.words.fill(self.rng.choice(template["texts"]), district),
                    location_text=f"高雄市{district}{self.rng.choice(self.words.roads)}",
                    district_id=district_agency.pk,
                    is_anonymous=petitioner.anonymous,
                    wants_confidentiality=petitioner.confidential,
                    tracking_code_digest=_tracking_digest(key),
                    idempotency_key=key,
                    received_at=received_at,
                    due_on=due.item(),
                    deadline_rule=self.rule_label(rule),
                    deadline_unit=rule.unit,
                    paused_since=paused_since,
                    paused_working_days=paused_days,
                    extended_days=extended_days,
                    reroute_count=1 if reroute_done else 0,
                    assigned_at=assigned_at,
                    reply=reply,
                    replied_at=replied_at,
                    closed_at=closed_at,
                    not_processed_ground=ground,
                    # The engine's version: 1 at intake, one more per transition and approved extension.
                    version=1 + sum(1 for item in events[2:] if item[3] not in UNVERSIONED_EVENTS),
                    **petitioner_fields(petitioner),
                )
            )
            timelines.append(events)
            extensions.append(extension)
            surveys.append(survey)
        return cases, timelines, extensions, surveys


def _event_append(
    events: list[tuple[Any, ...]],
    epoch_s: int,
    kind: str,
    *,
    actor: User | None = None,
    action: str = "",
    source: str = "",
    target: str = "",
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> None:
    """One timeline line as a row of EVENT_FIELDS, without the case (known once its id is)."""
    events.append(
        (epoch_s, actor.pk if actor else None, action, kind, source, target, note, public, data or {})
    )


def _tracking_digest(idempotency_key: str) -> str:
    return tracking_digest(tracking_code_for_key(idempotency_key))


def demo_tracking_code(case: Case) -> str:
    """The tracking code of a demo petition (derived from its key, as the engine does for retries)."""
    if not (case.idempotency_key or "").startswith(DEMO_KEY_PREFIX):
        raise ValueError(f"{case.number} is not a demo petition")
    return tracking_code_for_key(case.idempotency_key or "")


# --- numbers ---------------------------------------------------------------------------------------


def _numbers(received_s: Ints) -> tuple[list[str], dict[str, int]]:
    """Case numbers in the engine's format (prefix per received day), after any number already given."""
    prefix_letter = case_kinds.get(KIND).number_prefix
    days = _local_day(received_s)
    prefixes_by_day = {
        int(day): f"{prefix_letter}{roc_date_format_compact(date(1970, 1, 1) + timedelta(days=int(day)))}-"
        for day in np.unique(days.view(np.int64))
    }
    last = dict(
        NumberSequence.objects.filter(prefix__in=list(prefixes_by_day.values())).values_list("prefix", "last")
    )
    numbers: list[str] = []
    used = dict(last)
    for day in days.view(np.int64):  # received_s is sorted, so numbers follow arrival
        prefix = prefixes_by_day[int(day)]
        used[prefix] = used.get(prefix, 0) + 1
        numbers.append(f"{prefix}{used[prefix]:05d}")
    return numbers, used


def _numbers_record(used: dict[str, int]) -> None:
    """Advance the engine's sequences past the demo's numbers, so the next intake does not collide."""
    existing = dict(NumberSequence.objects.filter(prefix__in=list(used)).values_list("prefix", "last"))
    NumberSequence.objects.bulk_create(
        [NumberSequence(prefix=prefix, last=last) for prefix, last in used.items() if prefix not in existing],
        batch_size=1000,
    )
    for prefix, last in used.items():
        if prefix in existing and existing[prefix] < last:
            NumberSequence.objects.filter(prefix=prefix).update(last=last)


# --- build, reset, has_data --------------------------------------------------------------------------


def servicedesk_demo_build(ctx: DemoContext) -> None:
    plan = _plan(ctx)
    city = _city(ctx)
    cutoff_s = int(_epoch_seconds(np.array([np.datetime64(ctx.build_date, "D")]))[0]) - TAIWAN_OFFSET_S
    parts = [("year", date(plan.year, 1, 1), date(plan.year, 12, 31), plan.petitions)]
    recent_first = max(ctx.build_date - timedelta(days=plan.recent_days), date(plan.year + 1, 1, 1))
    recent_last = ctx.build_date - timedelta(days=1)
    if plan.recent and recent_first <= recent_last:
        parts.append(("recent", recent_first, recent_last, plan.recent))
    total = sum(part[3] for part in parts)
    counts: dict[str, int] = {}
    # Explicit ids, so that the timeline rows can point at their case without reading ids back.
    first_id = (Case.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    with ctx.progress(total=total, what="陳情案件", unit="件") as bar:
        for label, first, last, size in parts:
            arrivals = _arrivals(ctx, plan, city, first=first, last=last, total=size, label=label)
            rules, rule_index = _rules(city, arrivals)
            steps = _steps(ctx, plan, arrivals, rules, rule_index, label=label)
            numbers, used = _numbers(arrivals.received_s)
            builder = Builder(ctx, plan, city, label=label, cutoff_s=cutoff_s)
            for start in range(0, size, BATCH):
                rows = range(start, min(start + BATCH, size))
                cases, timelines, extensions, surveys = builder.build(
                    arrivals=arrivals,
                    steps=steps,
                    rules=rules,
                    rule_index=rule_index,
                    numbers=numbers,
                    rows=rows,
                    first_id=first_id,
                )
                _insert(cases, timelines, extensions, surveys)
                for case in cases:
                    counts[case["state"]] = counts.get(case["state"], 0) + 1
                bar.update(len(rows))
            _numbers_record(used)
            first_id += size
    _case_ids_reset()
    open_count = sum(
        counts.get(state, 0) for state in (State.ASSIGNED, State.IN_PROGRESS, State.WAITING_CITIZEN)
    )
    ctx.write(
        f"      {total:,} 件陳情（{plan.year} 年 {plan.petitions:,} 件），建置日尚未答復 {open_count:,} 件"
    )
    # The 1999 calls come after the petitions: the calls that became petitions point at them.
    # (Imported here: hotline_demo builds on this module's helpers.)
    from yankao.servicedesk.hotline_demo import hotline_calls_build

    hotline_calls_build(ctx)


# The timeline's columns, in the order of the rows `_event_append` makes (after the case).
EVENT_FIELDS = (
    "case",
    "occurred_at",
    "actor",
    "action",
    "kind",
    "from_state",
    "to_state",
    "note",
    "public",
    "data",
)


def _insert(
    cases: list[dict[str, Any]],
    timelines: list[list[tuple[Any, ...]]],
    extensions: list[Extension | None],
    surveys: list[SurveyResponse | None],
) -> None:
    """Write a batch with one executemany per table.

    Django's bulk_create spends ten times longer compiling its multi-row INSERT than the database
    takes to run it (profiled: 31 of 55 s for 20,000 petitions), so rows go in as plain parameter
    tuples, each value prepared by its field for the database in use.
    """
    _execute_many(
        Case,
        [field.name for field in Case._meta.concrete_fields],
        ([case[field.attname] for field in Case._meta.concrete_fields] for case in cases),
    )
    _execute_many(
        CaseEvent,
        list(EVENT_FIELDS),
        ([case["id"], *row] for case, timeline in zip(cases, timelines, strict=True) for row in timeline),
        convert_seconds=frozenset({"occurred_at"}),
    )
    extension_rows = []
    for case, extension in zip(cases, extensions, strict=True):
        if extension is not None:
            extension.case_id = case["id"]
            extension_rows.append(extension)
    survey_rows = []
    for case, survey in zip(cases, surveys, strict=True):
        if survey is not None:
            survey.case_id = case["id"]
            survey_rows.append(survey)
    Extension.objects.bulk_create(extension_rows, batch_size=BATCH)
    SurveyResponse.objects.bulk_create(survey_rows, batch_size=BATCH)


def _execute_many(
    model: type[Model],
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    convert_seconds: frozenset[str] = frozenset(),
) -> None:
    """INSERT plain rows of `names` (field names) into the model's table, values prepared per field."""
    fields = [model._meta.get_field(name) for name in names]
    operations = connection.ops
    converters: list[Callable[[Any], Any] | None] = []
    for field in fields:
        internal = field.get_internal_type()
        if field.name in convert_seconds:
            converters.append(lambda value: operations.adapt_datetimefield_value(_moment(value)))
        elif internal == "DateTimeField":
            converters.append(operations.adapt_datetimefield_value)
        elif internal == "DateField":
            converters.append(operations.adapt_datefield_value)
        elif internal == "JSONField":
            converters.append(partial(field.get_db_prep_save, connection=connection))  # type: ignore[union-attr]
        else:
            converters.append(None)  # text, numbers, booleans and ids pass as they are
    columns = ", ".join(operations.quote_name(str(field.column)) for field in fields)  # type: ignore[union-attr]
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {operations.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    prepared = [
        [
            value if convert is None or value is None else convert(value)
            for value, convert in zip(row, converters, strict=True)
        ]
        for row in rows
    ]
    if prepared:
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)


def _case_ids_reset() -> None:
    """Cases were written with explicit ids: move PostgreSQL's sequence past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Case])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _demo_cases() -> Q:
    return Q(idempotency_key__startswith=DEMO_KEY_PREFIX)


def servicedesk_demo_reset(ctx: DemoContext) -> None:
    """Remove the demo calls and petitions and everything hanging on them (timeline, extensions...)."""
    from yankao.servicedesk.hotline_demo import hotline_calls_reset

    with transaction.atomic():
        hotline_calls_reset()
        demo = Case.objects.filter(_demo_cases())
        prefixes = {number.rsplit("-", 1)[0] + "-" for number in demo.values_list("number", flat=True)}
        demo.exclude(merged_into=None, repeat_of=None).update(merged_into=None, repeat_of=None)
        # Rows of any model pointing at a demo case go first, by one DELETE each: Django's cascade
        # would load 200,000 cases and their rows into memory.
        for relation in Case._meta.related_objects:
            if relation.related_model is Case:
                continue
            relation.related_model._default_manager.filter(
                **{f"{relation.field.name}__in": demo.values("pk")}
            ).delete()
        table = connection.ops.quote_name(Case._meta.db_table)
        column = connection.ops.quote_name(str(Case._meta.get_field("idempotency_key").column))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE {column} LIKE %s", [DEMO_KEY_PREFIX + "%"])  # noqa: S608
        _numbers_rewind(prefixes)


def _numbers_rewind(prefixes: set[str]) -> None:
    """Give the demo's numbers back: each sequence returns to the last number still in use under it,
    so that a rebuild numbers its cases as the first build did."""
    for prefix in sorted(prefixes):
        remaining = (
            Case.objects.filter(number__startswith=prefix)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        if remaining is None:
            NumberSequence.objects.filter(prefix=prefix).delete()
        else:
            NumberSequence.objects.filter(prefix=prefix).update(last=int(remaining.rsplit("-", 1)[1]))


def servicedesk_demo_has_data() -> bool:
    return Case.objects.filter(_demo_cases()).exists()


demo_generator_register(
    name="servicedesk",
    version=VERSION,
    build=servicedesk_demo_build,
    reset=servicedesk_demo_reset,
    has_data=servicedesk_demo_has_data,
    depends_on=("core",),
    description="一整年的1999來電、人民陳情與市長信箱案件，及建置日前後待辦的案件",
)
