"""Petition statistics against a small year of petitions filed and worked through the case engine's services."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yankao.cases.models import Case, CaseEvent, Category, Notice
from yankao.cases.services import (
    Petitioner,
    case_accept,
    case_intake,
    case_merge,
    case_not_process,
    case_reply,
    case_reroute,
    case_survey_answer,
)
from yankao.conftest import ENVIRONMENT, PUBLIC_WORKS
from yankao.core.exceptions import ApplicationError, InvalidDateError, PermissionDeniedError
from yankao.core.models import Agency, Rule
from yankao.core.models.rules import RuleStatus, RuleUnit
from yankao.core.services.agencies import agency_save
from yankao.core.services.rules import rule_save
from yankao.core.working_days import count_working_days
from yankao.servicedesk.selectors import (
    petition_count,
    petition_count_by_agency,
    petition_count_by_category,
    petition_count_by_channel,
    petition_count_by_month,
    petition_handling_days,
    petition_reroutes,
    petition_scope_for_user,
    petition_statistics,
    petition_statistics_for_user,
    petition_survey,
    petition_timeliness,
)

pytestmark = pytest.mark.django_db

TAIPEI = ZoneInfo("Asia/Taipei")
YEAR = {"first": date(2023, 1, 1), "last": date(2023, 12, 31)}


def taipei(*args: int) -> datetime:
    return datetime(*args, tzinfo=TAIPEI)


def file(*, at: datetime, channel: str = "web", category: str = "road_pothole", **extra: Any) -> Case:
    """A petition filed through the engine's intake on `at` (routed by category unless an agency is given)."""
    with time_machine.travel(at):
        return case_intake(
            kind="petition",
            channel=channel,
            category=Category.objects.get(code=category),
            subject="路面坑洞",
            description="中正一路與五福路口有一個大坑洞。",
            petitioner=Petitioner(name="王小明", phone="0912-345-678"),
            received_at=at,
            **extra,
        ).case


def reply(case: Case, user: Any, *, at: datetime) -> Case:
    with time_machine.travel(at):
        case = case_accept(case=case, user=user)
        return case_reply(case=case, user=user, reply="已派員修補完成。")


@dataclass
class Year:
    on_time: Case
    late_open: Case
    pending: Case
    late_answered: Case
    rerouted: Case
    sub: Agency


@pytest.fixture
def year(officer, officer_of_other_agency, rdec_staff) -> Year:
    """Petitions of 2023 (and two just outside it), each in a known state as of 2023-12-31."""
    public_works = Agency.objects.get(code=PUBLIC_WORKS)
    sub = agency_save(
        agency=Agency(
            code="397010100T",
            name="高雄市政府工務局養護工程處",
            short_name="養工處",
            kind=Agency.Kind.SUBORDINATE,
            parent=public_works,
        ),
        changed_fields=["code", "name", "short_name", "kind", "parent"],
    )
    # answered two working days after receipt, well on time
    on_time = reply(file(at=taipei(2023, 3, 6, 9)), officer, at=taipei(2023, 3, 8, 15))
    # a mayor's-mailbox letter (6 working days) never answered: open past its deadline
    late_open = file(at=taipei(2023, 3, 7, 10), channel="mayors_mailbox")
    # received at the year's end, still open, not yet due
    pending = file(at=taipei(2023, 12, 28, 11))
    # a mailbox letter answered weeks after its deadline
    late_answered = reply(
        file(at=taipei(2023, 5, 2, 9), channel="mayors_mailbox"), officer, at=taipei(2023, 6, 30, 16)
    )
    # at a subordinate agency: folded into 工務局 city-wide; a street light, another category
    file(at=taipei(2023, 8, 14, 9), category="street_light", agency=sub)
    # routed to 工務局, re-routed to 環保局 the next working day (on time), back a week later (late)
    rerouted = file(at=taipei(2023, 4, 10, 9), channel="counter")
    with time_machine.travel(taipei(2023, 4, 11, 16)):
        rerouted = case_reroute(
            case=rerouted, user=officer, to_agency=Agency.objects.get(code=ENVIRONMENT), reason="屬環保局權責"
        )
    with time_machine.travel(taipei(2023, 4, 20, 10)):
        rerouted = case_reroute(
            case=rerouted, user=officer_of_other_agency, to_agency=public_works, reason="屬工務局權責"
        )
    # outside the period: New Year's Eve 2022 and New Year's Day 2024 (Taiwan time)
    file(at=taipei(2022, 12, 31, 23, 59))
    file(at=taipei(2024, 1, 1, 0, 0))
    return Year(on_time, late_open, pending, late_answered, rerouted, sub)


def test_the_period_counts_petitions_received_from_its_first_to_its_last_taiwan_day(year):
    assert petition_count(**YEAR) == 6
    assert petition_count(first=date(2023, 12, 31), last=date(2024, 1, 1)) == 1
    assert petition_count(first=date(2022, 12, 31), last=date(2022, 12, 31)) == 1


def test_months_and_channels_add_up_to_the_total(year):
    months = petition_count_by_month(**YEAR)
    assert [month.first.month for month in months] == list(range(1, 13))
    assert {month.first.month: month.count for month in months if month.count} == {
        3: 2,
        4: 1,
        5: 1,
        8: 1,
        12: 1,
    }
    channels = {row.channel: (row.label, row.count) for row in petition_count_by_channel(**YEAR)}
    assert channels == {"web": ("網路陳情", 3), "mayors_mailbox": ("市長信箱", 2), "counter": ("臨櫃", 1)}
    assert sum(month.count for month in months) == sum(count for _, count in channels.values()) == 6


def test_categories_come_most_first(year):
    rows = petition_count_by_category(**YEAR)
    assert [(row.name, row.count) for row in rows] == [("道路坑洞", 5), ("路燈故障", 1)]


def test_an_open_petition_past_its_deadline_counts_as_late_and_one_not_yet_due_is_pending(year):
    # when
    timeliness = petition_timeliness(**YEAR)
    # then the open ones past their deadline (the mailbox letter, the sub-agency's, the re-routed one) are late
    assert (timeliness.on_time, timeliness.late_answered, timeliness.late_open, timeliness.pending) == (
        1,
        1,
        3,
        1,
    )
    assert timeliness.late == 4
    assert timeliness.on_time_rate == 20.0  # 1 of 5 judged; the one not yet due is left out


def test_timeliness_is_judged_as_of_the_given_day(year):
    # given the letter received 2023-05-02, due 6 working days later and answered only on 2023-06-30
    assert year.late_answered.due_on < date(2023, 5, 31)
    # when judged as of 2023-05-31
    early = petition_timeliness(first=date(2023, 1, 1), last=date(2023, 5, 31), as_of=date(2023, 5, 31))
    # then it was still open and late then, with the never-answered letter and the re-routed one
    assert (early.on_time, early.late_answered, early.late_open, early.pending) == (1, 0, 3, 0)
    # and by the year's end it is late, answered
    assert petition_timeliness(**YEAR).late_answered == 1


def test_merged_and_not_processed_petitions(year, officer):
    # given a duplicate merged into the open letter and a petition not processed (§173) on its day
    duplicate = file(at=taipei(2023, 3, 7, 11), channel="mayors_mailbox")
    with time_machine.travel(taipei(2023, 3, 8, 9)):
        case_merge(case=duplicate, into=year.late_open, user=officer)
    empty = file(at=taipei(2023, 9, 5, 9))
    with time_machine.travel(taipei(2023, 9, 5, 14)):
        case_not_process(case=empty, user=officer, ground="no_content", note="內容空泛")
    # then the merged one is not judged, the one not processed is closed on time, both were received
    timeliness = petition_timeliness(**YEAR)
    assert timeliness.not_judged == 1
    assert timeliness.on_time == 2
    assert petition_count(**YEAR) == 8


def test_average_handling_days_count_working_days_after_receipt_to_the_reply(year):
    handling = petition_handling_days(**YEAR)
    # 3/6 → 3/8: 2 working days; 5/2 → 6/30 (the 6/22 Dragon Boat holiday and the 6/23 bridge day off)
    late = count_working_days(date(2023, 5, 3), date(2023, 6, 30))
    assert handling.replied == 2
    assert handling.total_working_days == 2 + late
    assert handling.average == round((2 + late) / 2, 1)
    # a reply after the as-of day is not counted yet
    assert petition_handling_days(**YEAR, as_of=date(2023, 6, 1)).replied == 1


def test_a_reroute_counts_and_only_the_next_working_day_one_is_on_time(year):
    reroutes = petition_reroutes(**YEAR)
    assert (reroutes.reroutes, reroutes.cases, reroutes.on_time) == (2, 1, 1)
    assert reroutes.on_time_share == 50.0
    # the engine's own judgement, written on each event, agrees
    flags = list(
        CaseEvent.objects.filter(kind="reroute")
        .order_by("occurred_at")
        .values_list("data__within_norm", flat=True)
    )
    assert flags == [True, False]


def test_a_reroute_over_a_weekend_is_still_on_the_next_working_day(officer):
    # received Friday evening, re-routed Monday: the next working day
    case = file(at=taipei(2023, 4, 14, 18))
    with time_machine.travel(taipei(2023, 4, 17, 9)):
        case_reroute(case=case, user=officer, to_agency=Agency.objects.get(code=ENVIRONMENT), reason="權責")
    assert petition_reroutes(**YEAR).on_time == 1


def test_subordinate_agencies_fold_into_their_first_level_agency_city_wide(year):
    rows = petition_count_by_agency(**YEAR)
    assert [(row.code, row.count) for row in rows] == [(PUBLIC_WORKS, 6)]
    assert rows[0].timeliness.judged + rows[0].timeliness.pending == 6


def test_within_an_agency_scope_the_parts_of_the_agency_show(year):
    public_works = Agency.objects.get(code=PUBLIC_WORKS)
    rows = petition_count_by_agency(**YEAR, agency_path=public_works.path)
    assert {row.code: row.count for row in rows} == {PUBLIC_WORKS: 5, year.sub.code: 1}
    environment = Agency.objects.get(code=ENVIRONMENT)
    assert petition_count(**YEAR, agency_path=environment.path) == 0


def test_the_statistics_bundle_agrees_with_each_selector(year):
    stats = petition_statistics(**YEAR, as_of=date(2024, 3, 31))
    assert stats.total == petition_count(**YEAR) == sum(row.count for row in stats.by_agency)
    assert stats.timeliness == petition_timeliness(**YEAR, as_of=date(2024, 3, 31))
    assert stats.handling == petition_handling_days(**YEAR, as_of=date(2024, 3, 31))
    assert stats.reroutes == petition_reroutes(**YEAR)


def test_rdec_reads_the_city_officers_and_liaisons_their_agency_others_nothing(
    year, rdec_staff, auditor, officer, liaison, officer_of_other_agency, operator, citizen, investigator
):
    assert petition_scope_for_user(user=rdec_staff) is None
    assert petition_scope_for_user(user=auditor) is None
    assert petition_scope_for_user(user=liaison) == Agency.objects.get(code=PUBLIC_WORKS).path
    assert petition_statistics_for_user(user=officer, **YEAR).total == 6
    assert petition_statistics_for_user(user=officer_of_other_agency, **YEAR).total == 0
    for user in (operator, citizen, investigator):
        with pytest.raises(PermissionDeniedError):
            petition_scope_for_user(user=user)


def test_a_period_that_runs_backwards_is_refused(db):
    with pytest.raises(InvalidDateError, match="晚於"):
        petition_count(first=date(2023, 12, 31), last=date(2023, 1, 1))


# --- the satisfaction survey ---------------------------------------------------------------------


@dataclass
class Surveyed:
    """A replied petition, its tracking code for the citizen's answer."""

    case: Case
    code: str


def replied(*, received: datetime, replied: datetime, user: Any) -> Surveyed:
    with time_machine.travel(received):
        intake = case_intake(
            kind="petition",
            channel="web",
            category=Category.objects.get(code="road_pothole"),
            subject="路面坑洞",
            description="中正一路與五福路口有一個大坑洞。",
            petitioner=Petitioner(name="王小明", email="ming@example.org"),
            received_at=received,
        )
    return Surveyed(reply(intake.case, user, at=replied), intake.tracking_code)


def answer(petition: Surveyed, *, at: datetime, process: int, outcome: int) -> None:
    with time_machine.travel(at):
        case_survey_answer(
            number=petition.case.number,
            tracking_code=petition.code,
            process_score=process,
            outcome_score=outcome,
        )


def survey_switch(*, on: bool, effective_from: date) -> None:
    """A new version of `petition.satisfaction_survey` from `effective_from`."""
    rule_save(
        rule=Rule(
            key="petition.satisfaction_survey",
            title="結案後寄發滿意度調查（1 為是，0 為否）",
            value=Decimal(1 if on else 0),
            unit=RuleUnit.COUNT,
            effective_from=effective_from,
            status=RuleStatus.UNCONFIRMED,
        ),
        changed_fields=["key", "value", "effective_from"],
    )


@pytest.fixture
def surveyed(officer, officer_of_other_agency, rdec_staff) -> list[Surveyed]:
    """Five petitions of 工務局 replied in 2023, four answered (one only in 2024), one replied in 2022."""
    petitions = [
        replied(received=taipei(2023, 3, 6, 9), replied=taipei(2023, 3, 8, 15), user=officer),
        replied(received=taipei(2023, 5, 2, 9), replied=taipei(2023, 5, 5, 10), user=officer),
        replied(received=taipei(2023, 7, 31, 9), replied=taipei(2023, 8, 1, 11), user=officer),
        replied(received=taipei(2023, 9, 1, 9), replied=taipei(2023, 9, 4, 9), user=officer),
        replied(received=taipei(2023, 12, 27, 9), replied=taipei(2023, 12, 28, 16), user=officer),
        # received and replied before the period, answered within it: not the period's
        replied(received=taipei(2022, 12, 20, 9), replied=taipei(2022, 12, 22, 9), user=officer),
    ]
    for petition, at, process, outcome in [
        (petitions[0], taipei(2023, 3, 10, 20), 5, 1),
        (petitions[1], taipei(2023, 5, 6, 8), 4, 2),
        (petitions[2], taipei(2023, 8, 2, 12), 2, 5),
        (petitions[4], taipei(2024, 1, 5, 9), 3, 3),  # after the year's end
        (petitions[5], taipei(2023, 1, 3, 9), 1, 1),
    ]:
        answer(petition, at=at, process=process, outcome=outcome)
    return petitions


def test_the_survey_counts_sent_answered_and_the_two_questions_apart(surveyed):
    # when counted as of the year's end
    survey = petition_survey(**YEAR)
    # then five replies of 2023 had the survey, three were answered by 2023-12-31
    assert (survey.replied, survey.sent, survey.answered) == (5, 5, 3)
    assert survey.response_rate == 60.0
    # the process and the outcome each keep their own distribution and mean
    assert survey.process.counts == (0, 1, 0, 1, 1)
    assert survey.outcome.counts == (1, 1, 0, 0, 1)
    assert survey.process.average == round((5 + 4 + 2) / 3, 2) == 3.67
    assert survey.outcome.average == round((1 + 2 + 5) / 3, 2) == 2.67
    # and as of 2024-03-31 the January answer is in
    later = petition_survey(**YEAR, as_of=date(2024, 3, 31))
    assert (later.sent, later.answered, later.response_rate) == (5, 4, 80.0)
    assert (later.process.average, later.outcome.average) == (3.5, 2.75)
    # the engine wrote a survey notice for each reply it counts as sent (the period's and 2022's)
    assert Notice.objects.filter(purpose=Notice.Purpose.SURVEY).count() == 6


def test_the_survey_is_scoped_like_the_other_statistics(surveyed, officer, officer_of_other_agency):
    mine = petition_statistics_for_user(user=officer, **YEAR).survey
    assert (mine.sent, mine.answered) == (5, 3)
    theirs = petition_statistics_for_user(user=officer_of_other_agency, **YEAR).survey
    assert (theirs.replied, theirs.sent, theirs.answered, theirs.response_rate) == (0, 0, 0, None)
    assert not theirs.is_off  # nothing replied: not "off", just nothing


def test_a_reply_while_the_survey_is_off_is_not_sent(officer):
    # given the survey switched off from July to September 2023
    survey_switch(on=False, effective_from=date(2023, 7, 1))
    survey_switch(on=True, effective_from=date(2023, 10, 1))
    before = replied(received=taipei(2023, 6, 26, 9), replied=taipei(2023, 6, 30, 17), user=officer)
    off = replied(received=taipei(2023, 8, 1, 9), replied=taipei(2023, 8, 3, 9), user=officer)
    # received while off, replied on the day it came back on: the reply day decides
    back = replied(received=taipei(2023, 9, 28, 9), replied=taipei(2023, 10, 2, 9), user=officer)
    # when the citizens answer
    answer(before, at=taipei(2023, 7, 2, 9), process=4, outcome=4)
    with pytest.raises(ApplicationError, match="未辦理"):
        answer(off, at=taipei(2023, 8, 4, 9), process=1, outcome=1)
    # then the reply in the pause is replied but not sent
    survey = petition_survey(**YEAR)
    assert (survey.replied, survey.sent, survey.answered) == (3, 2, 1)
    assert survey.response_rate == 50.0
    # and the notices the engine wrote agree with the rule
    sent = set(Notice.objects.filter(purpose=Notice.Purpose.SURVEY).values_list("case__number", flat=True))
    assert sent == {before.case.number, back.case.number}
    # a period entirely inside the pause had the survey off
    paused = petition_survey(first=date(2023, 7, 1), last=date(2023, 9, 30))
    assert (paused.replied, paused.sent, paused.is_off) == (1, 0, True)
    assert paused.response_rate is None
    assert paused.process.average is None


def test_the_bundle_carries_the_survey(surveyed):
    stats = petition_statistics(**YEAR, as_of=date(2024, 3, 31))
    assert stats.survey == petition_survey(**YEAR, as_of=date(2024, 3, 31))


def test_the_survey_period_that_runs_backwards_is_refused(db):
    with pytest.raises(InvalidDateError, match="晚於"):
        petition_survey(first=date(2023, 12, 31), last=date(2023, 1, 1))
