"""The bullying module's demo data: the history year's reports (2023: 148, 125 accepted, by source
15/114/8/3/8) worked through the module's own services, and a few recent reports still open.

Reads `[bullying]` of the targets file (docs/demo-targets.md). Every report goes through the
services a designated investigator would use, so every deadline comes from the dated rules and
the calendar (typhoon closures included) exactly as in real use. Outcomes of the accepted reports
follow `accepted_by_status`; concluded reports are received early enough to conclude within the
year and those still in progress conclude after the council report's as-of date, so the handling
table reads the same as of the year's end and as of 2024-03-31.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yankao.bullying.models import (
    BullyingEvent,
    BullyingReport,
    Ground,
    Method,
    Outcome,
    PartyRole,
    Source,
)
from yankao.bullying.services import (
    PartyInput,
    Reporter,
    ReportInput,
    bullying_appeal_decide,
    bullying_appeal_file,
    bullying_authority_report_record,
    bullying_first_meeting_record,
    bullying_investigation_extend,
    bullying_notice_record,
    bullying_outcome_record,
    bullying_report_close,
    bullying_report_intake,
    bullying_screening_decide,
    bullying_team_form,
)
from yankao.core.demo_framework import DemoContext, demo_generator_register
from yankao.core.models import NumberSequence, Role, User
from yankao.core.roc_dates import TAIWAN
from yankao.core.working_days import add_working_days, taiwan_date

VERSION = "1"
SOURCE_KEYS = {
    "市長信箱": Source.MAYORS_MAILBOX,
    "1999專線": Source.HOTLINE,
    "市府反霸凌信箱": Source.CITY_MAILBOX,
    "教育局反霸凌專線": Source.EDUCATION_LINE,
    "其他": Source.OTHER,
}
STATUS_KEYS = ("in_progress", "established", "not_established", "other")
OUTCOMES = {
    "established": Outcome.ESTABLISHED,
    "not_established": Outcome.NOT_ESTABLISHED,
    "other": Outcome.OTHER,
}
SCHOOLS = ("國民小學", "國民中學", "高級中學", "高級工業職業學校")
PLACES = ("苓雅", "鳳山", "左營", "楠梓", "三民", "前鎮", "小港", "岡山", "旗山", "美濃", "路竹", "大寮")
ACTS = (
    "下課時間多次遭同學推擠、拉扯",
    "在班級群組被同學以綽號嘲笑並散布合成照片",
    "午餐時間被要求交出零用錢",
    "體育課分組時長期被刻意排擠",
    "放學途中被同校學生圍堵並恐嚇",
    "社群網站上被匿名帳號辱罵",
)
NOT_ACCEPT_GROUNDS = (Ground.OUT_OF_SCOPE, Ground.NO_CONTENT, Ground.ALREADY_DECIDED, Ground.WITHDRAWN)


@dataclass(frozen=True)
class Plan:
    year: int
    sources: list[str]
    accepted: int
    not_accepted: int
    statuses: dict[str, int]
    recent: int


def _plan(ctx: DemoContext) -> Plan:
    year = ctx.targets_of("core").get("history_year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise ctx.targets_error("reports", "[core] 表須有整數 history_year")
    reports = ctx.target("reports", int)
    accepted = ctx.target("accepted", int)
    not_accepted = ctx.target("not_accepted", int)
    if min(reports, accepted, not_accepted) < 0:
        raise ctx.targets_error("reports", "不可為負數")
    if accepted + not_accepted != reports:
        raise ctx.targets_error(
            "accepted", f"受理 {accepted} 加不予受理 {not_accepted} 應等於通報數 {reports}"
        )
    by_source = ctx.target("reports_by_source", dict)
    sources: list[str] = []
    for label, count in by_source.items():
        if label not in SOURCE_KEYS:
            raise ctx.targets_error(f"reports_by_source.{label}", f"來源應為 {'、'.join(SOURCE_KEYS)} 之一")
        if not isinstance(count, int) or count < 0:
            raise ctx.targets_error(f"reports_by_source.{label}", "應為非負整數")
        sources += [SOURCE_KEYS[label]] * count
    if len(sources) != reports:
        raise ctx.targets_error("reports_by_source", f"各來源合計 {len(sources)}，應等於通報數 {reports}")
    statuses_table = ctx.target("accepted_by_status", dict)
    statuses = {key: ctx.target(key, int, table=statuses_table) for key in STATUS_KEYS}
    if sum(statuses.values()) != accepted:
        raise ctx.targets_error(
            "accepted_by_status", f"各處理情形合計 {sum(statuses.values())}，應等於受理數 {accepted}"
        )
    if ctx.build_date <= date(year + 1, 6, 30):
        raise ctx.targets_error("reports", f"建置日須晚於 {year + 1}-06-30，處理中的案件才有結果")
    return Plan(
        year=year,
        sources=sources,
        accepted=accepted,
        not_accepted=not_accepted,
        statuses=statuses,
        recent=ctx.target("open_reports_around_build", int, default=6),
    )


def _investigator() -> Any:
    user = User.objects.filter(username="investigator", role=Role.INVESTIGATOR).first()
    if user is None:
        user = User.objects.filter(role=Role.INVESTIGATOR, is_active=True).order_by("id").first()
    if user is None:
        raise RuntimeError("示範城市沒有霸凌調查人員帳號；請先建置 core。")
    return user


def _moment(day: date, rng: Random) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 20), rng.choice((0, 10, 20, 30, 40, 50))), tzinfo=TAIWAN)


def _report_input(
    rng: Random, ctx: DemoContext, *, source: str, received_at: datetime, anonymous: bool
) -> ReportInput:
    victim, actor = ctx.person_name(rng=rng), ctx.person_name(rng=rng)
    reporter = ctx.person_name(rng=rng)
    school = f"高雄市立{rng.choice(PLACES)}{rng.choice(SCHOOLS)}"
    return ReportInput(
        source=source,
        summary=f"{victim.name}於校內{rng.choice(ACTS)}，行為人疑為{actor.name}。",
        school=school,
        reporter=Reporter()
        if anonymous
        else Reporter(name=reporter.name, phone=f"09{rng.randint(10000000, 99999999)}"),
        is_anonymous=anonymous,
        names_actor=not anonymous or rng.random() < 0.6,
        names_acts=True,
        parties=(
            PartyInput(
                role=PartyRole.VICTIM, name=victim.name, detail=f"{rng.randint(1, 9)}年{rng.randint(1, 12)}班"
            ),
            PartyInput(role=PartyRole.ACTOR, name=actor.name),
        ),
        received_at=received_at,
    )


def _days(start: date, low: int, high: int, rng: Random) -> date:
    return add_working_days(start, rng.randint(low, high))


def _history(ctx: DemoContext, plan: Plan, user: Any) -> None:
    rng = ctx.random_for("history")
    # Who is accepted and how each accepted report ends, drawn as a whole for exact totals.
    fates = ["not_accepted"] * plan.not_accepted
    for key in STATUS_KEYS:
        fates += [key] * plan.statuses[key]
    rng.shuffle(fates)
    sources = list(plan.sources)
    rng.shuffle(sources)
    rows = []
    for fate, source in zip(fates, sources, strict=True):
        if fate == "in_progress":  # late in the year: concluded after the council report's as-of date
            day = date(plan.year, 10, 1) + timedelta(days=rng.randint(0, 75))
        elif fate == "not_accepted":
            day = date(plan.year, 1, 3) + timedelta(days=rng.randint(0, 340))
        else:  # early enough to conclude within the year
            day = date(plan.year, 1, 3) + timedelta(days=rng.randint(0, 200))
        rows.append((_moment(day, rng), fate, source))
    rows.sort(key=lambda row: row[0])
    for received_at, fate, source in ctx.progress(rows, what="通報", unit="件"):
        anonymous = fate == "not_accepted" and rng.random() < 0.3
        report = _intake(ctx, rng, source=source, received_at=received_at, anonymous=anonymous)
        _work(report, user=user, rng=rng, fate=fate, anonymous=anonymous, year=plan.year, stop=None)


def _intake(
    ctx: DemoContext, rng: Random, *, source: str, received_at: datetime, anonymous: bool
) -> BullyingReport:
    report = bullying_report_intake(
        data=_report_input(rng, ctx, source=source, received_at=received_at, anonymous=anonymous)
    )
    # Marks the report as demo data, so that a reset removes these and nothing else.
    BullyingEvent.objects.filter(report=report, kind="intake").update(data={"source": source, "demo": True})
    return report


def _work(
    report: BullyingReport,
    *,
    user: Any,
    rng: Random,
    fate: str,
    anonymous: bool,
    year: int,
    stop: date | None,
) -> BullyingReport:
    """Take the report through its steps; `stop` (a recent report) leaves it open at that day."""

    def before_stop(day: date) -> bool:
        return stop is None or day <= stop

    received = taiwan_date(report.received_at)
    late = rng.random() < 0.05
    reported_at = report.received_at + timedelta(hours=rng.randint(25, 40) if late else rng.randint(1, 20))
    if stop is None or taiwan_date(reported_at) <= stop:
        report = bullying_authority_report_record(report=report, user=user, reported_at=reported_at)
    decided = _days(received, 2, 9, rng)
    if not before_stop(decided):
        return report
    if fate == "not_accepted":
        ground = (
            Ground.NO_IDENTITY if anonymous and not report.names_actor else rng.choice(NOT_ACCEPT_GROUNDS)
        )
        report = bullying_screening_decide(
            report=report, user=user, accept=False, decided_on=decided, ground=ground, unanimous=True
        )
        notice = _days(decided, 1, 3, rng)
        if not before_stop(notice):
            return report
        report = bullying_notice_record(report=report, user=user, sent_on=notice, unreachable=False)
        closed = _days(notice, 1, 5, rng)
        if before_stop(closed):
            report = bullying_report_close(report=report, user=user, closed_on=closed)
        return report
    report = bullying_screening_decide(report=report, user=user, accept=True, decided_on=decided)
    notice = _days(decided, 1, 3, rng)
    if not before_stop(notice):
        return report
    report = bullying_notice_record(report=report, user=user, sent_on=notice)
    formed = _days(decided, 1, 4, rng)
    if not before_stop(formed):
        return report
    method = Method.MEDIATION if rng.random() < 0.15 else Method.INVESTIGATION
    report = bullying_team_form(report=report, user=user, formed_on=formed, method=method)
    met = _days(formed, 1, 5, rng)
    if not before_stop(met):
        return report
    report = bullying_first_meeting_record(report=report, user=user, met_on=met)
    extensions = 2 if fate == "in_progress" else (1 if rng.random() < 0.2 else 0)
    for _ in range(extensions):
        assert report.investigation_due_on is not None
        decided_ext = report.investigation_due_on - timedelta(days=rng.randint(3, 10))
        if not before_stop(decided_ext):
            return report
        extension = bullying_investigation_extend(
            report=report,
            user=user,
            months=1,
            reason="需再訪談相關學生並調閱紀錄",
            decided_on=decided_ext,
            notice_sent_on=decided_ext + timedelta(days=1),
        )
        report = extension.report
    assert report.investigation_due_on is not None
    if fate == "in_progress":
        concluded = max(report.investigation_due_on - timedelta(days=rng.randint(0, 5)), date(year + 1, 4, 1))
    else:
        latest = min(report.investigation_due_on, date(year, 12, 20))
        concluded = met + timedelta(days=rng.randint(20, max(21, (latest - met).days)))
        concluded = min(concluded, latest)
    if not before_stop(concluded):
        return report
    outcome = (
        OUTCOMES[rng.choices(list(OUTCOMES), weights=(3, 5, 1))[0]]
        if fate == "in_progress"
        else OUTCOMES[fate]
    )
    notified = concluded + timedelta(days=rng.randint(1, 4))
    if not before_stop(notified):
        return report
    report = bullying_outcome_record(
        report=report,
        user=user,
        outcome=outcome,
        decided_on=concluded,
        notified_on=notified,
        follow_up="輔導室定期晤談，導師追蹤班級互動" if outcome == Outcome.ESTABLISHED else "",
    )
    appeal_due = report.appeal_due_on
    assert appeal_due is not None
    if rng.random() < 0.1:
        filed = notified + timedelta(days=rng.randint(1, 10))
        if not before_stop(filed):
            return report
        report = bullying_appeal_file(report=report, user=user, filed_on=filed)
        decided_appeal = filed + timedelta(days=rng.randint(7, 20))
        if not before_stop(decided_appeal):
            return report
        report = bullying_appeal_decide(report=report, user=user, result="upheld", decided_on=decided_appeal)
        closed = decided_appeal + timedelta(days=rng.randint(1, 7))
    else:
        closed = appeal_due + timedelta(days=rng.randint(1, 10))
    if before_stop(closed):
        report = bullying_report_close(report=report, user=user, closed_on=closed)
    return report


def _recent(ctx: DemoContext, plan: Plan, user: Any) -> None:
    """Reports of the last weeks before the build date, open at whatever step they had reached."""
    rng = ctx.random_for("recent")
    today = min(ctx.build_date, taiwan_date(timezone.now()))
    for index in ctx.progress(range(plan.recent), what="近期通報", unit="件"):
        day = today - timedelta(days=rng.randint(1, 60))
        received_at = _moment(day, rng)
        if received_at > timezone.now():
            received_at = timezone.now() - timedelta(hours=1)
        source = rng.choice(plan.sources or [Source.HOTLINE])
        report = _intake(ctx, rng, source=source, received_at=received_at, anonymous=False)
        fate = "not_accepted" if index % 5 == 4 else "established"
        _work(report, user=user, rng=rng, fate=fate, anonymous=False, year=today.year, stop=today)


def bullying_demo_build(ctx: DemoContext) -> None:
    plan = _plan(ctx)
    user = _investigator()
    with transaction.atomic():
        _history(ctx, plan, user)
        _recent(ctx, plan, user)


def _demo_reports() -> Q:
    return Q(events__kind="intake", events__data__demo=True)


def bullying_demo_reset(ctx: DemoContext) -> None:
    BullyingReport.objects.filter(pk__in=BullyingReport.objects.filter(_demo_reports()).values("pk")).delete()
    # Numbers start again at 00001 when no report of a year is left (the same seed, the same numbers).
    for sequence in NumberSequence.objects.filter(prefix__regex=r"^B\d{3}-$"):
        if not BullyingReport.objects.filter(number__startswith=sequence.prefix).exists():
            sequence.delete()


def bullying_demo_has_data() -> bool:
    return BullyingReport.objects.filter(_demo_reports()).exists()


demo_generator_register(
    name="bullying",
    version=VERSION,
    build=bullying_demo_build,
    reset=bullying_demo_reset,
    has_data=bullying_demo_has_data,
    depends_on=("core",),
    description="校園霸凌通報：歷史年度的通報（受理、來源、處理情形）與近期未結案件",
)
