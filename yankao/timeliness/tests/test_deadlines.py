"""The timeliness rules, hand-checked on Taiwan's calendar (2024: Lunar New Year 2/8–2/14 with the
make-up Saturday 2/17, 清明 4/4–4/5, 國慶 10/10), a typhoon closure, month ends and the worked
example of domain-rules.md §1.2; each case also checked against the per-row reference."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from yankao.core.exceptions import ApplicationError, CalendarRangeError
from yankao.core.models import CalendarOverride, Rule, RuleStatus
from yankao.core.selectors.rules import rule_cache
from yankao.core.working_days import Calendar
from yankao.timeliness.deadlines import (
    EXTENSION_OK,
    EXTENSION_TOO_LONG,
    EXTENSION_TOO_MANY,
    Facts,
    Outcome,
    columns_from_facts,
    deadline_compute_one,
    deadlines_compute,
    result_row,
)

pytestmark = pytest.mark.django_db

AS_OF = date(2024, 12, 31)


def facts(
    category: str = "general",
    speed: str = "ordinary",
    received: date = date(2024, 2, 7),
    closed: date | None = None,
    **kwargs: object,
) -> Facts:
    count_from = kwargs.pop("count_from", received)
    return Facts(
        category=category,
        speed=speed,
        question_source=str(kwargs.pop("question_source", "")),
        received=received,
        count_from=count_from,  # type: ignore[arg-type]
        set_deadline=kwargs.pop("set_deadline", None),  # type: ignore[arg-type]
        closed=closed,
        **kwargs,  # type: ignore[arg-type]
    )


def audit(row: Facts, *, as_of: date = AS_OF, calendar_: Calendar | None = None) -> Outcome:
    """The vectorised result for one row, after checking that the reference agrees."""
    vectorised = result_row(
        deadlines_compute(columns=columns_from_facts([row]), as_of=as_of, calendar_=calendar_), 0
    )
    reference = deadline_compute_one(facts=row, as_of=as_of, calendar_=calendar_)
    assert vectorised == reference
    return vectorised


def test_ordinary_across_lunar_new_year_and_make_up_saturday() -> None:
    # Received Wed 2/7: 2/8–2/14 off; 2/15, 2/16, Sat 2/17 (make-up), 2/19, 2/20, 2/21 = 6 working days.
    on_time = audit(facts(closed=date(2024, 2, 21)))
    assert on_time.deadline == date(2024, 2, 21)
    assert on_time.days_used == 6
    assert on_time.status == "on_time"
    late = audit(facts(closed=date(2024, 2, 22)))
    assert (late.days_used, late.status) == (7, "late")


def test_most_urgent_skips_national_day_and_same_day_counts_half() -> None:
    assert audit(facts(speed="most_urgent", received=date(2024, 10, 4))).deadline == date(2024, 10, 7)
    same_day = audit(facts(speed="most_urgent", received=date(2024, 10, 9), closed=date(2024, 10, 9)))
    assert same_day.deadline == date(2024, 10, 11)  # 10/10 is a holiday
    assert same_day.days_used == Decimal("0.5")
    assert same_day.status == "on_time"


def test_urgent_across_year_end() -> None:
    # Thu 2023-12-28: Fri 12/29 (1), 1/1 holiday, Tue 1/2 (2), Wed 1/3 (3).
    outcome = audit(facts(speed="urgent", received=date(2023, 12, 28), closed=date(2024, 1, 3)))
    assert outcome.deadline == date(2024, 1, 3)
    assert outcome.days_used == 3


def test_typhoon_closure_moves_the_deadline() -> None:
    row = facts(speed="urgent", received=date(2024, 7, 23), closed=date(2024, 7, 29))
    assert audit(row).deadline == date(2024, 7, 26)
    assert audit(row).status == "late"
    for day in (date(2024, 7, 24), date(2024, 7, 25)):  # 颱風凱米 停止上班
        CalendarOverride.objects.create(date=day, is_working_day=False, kind="typhoon", reason="凱米颱風")
    from yankao.core.working_days import calendar_cache

    calendar_cache.clear()
    outcome = audit(row)
    assert outcome.deadline == date(2024, 7, 30)
    assert (outcome.days_used, outcome.status) == (2, "on_time")


def test_open_documents_are_judged_on_the_audit_date() -> None:
    row = facts(received=date(2024, 2, 7))
    assert audit(row, as_of=date(2024, 2, 21)).status == "open"
    assert audit(row, as_of=date(2024, 2, 22)).status == "open_overdue"


def test_timed_letter_closed_in_time_counts_at_most_six_days() -> None:
    base = facts(speed="timed", received=date(2024, 3, 1), set_deadline=date(2024, 3, 20))
    in_time = audit(replace(base, closed=date(2024, 3, 15)))  # 10 working days, counted as 6
    assert (in_time.deadline, in_time.days_used, in_time.status) == (date(2024, 3, 20), 6, "on_time")
    late = audit(replace(base, closed=date(2024, 3, 22)))  # after the limit: actual days
    assert (late.days_used, late.status) == (15, "late")


def test_timed_letter_received_after_its_deadline_is_ordinary() -> None:
    # Received Sun 3/10 with a deadline of 3/8: 普通件, 6 working days from Mon 3/11 → 3/18.
    outcome = audit(facts(speed="timed", received=date(2024, 3, 10), set_deadline=date(2024, 3, 8)))
    assert outcome.as_ordinary
    assert outcome.deadline == date(2024, 3, 18)


def test_worked_example_letter_within_ten_days() -> None:
    # domain-rules §1.2: received 94-10-07, 「文到10日內見復」 → deadline 10-17 counting holidays;
    # days used exclude holidays: 10/8–9 weekend and 10/10 國慶 → 10/11–10/14 = 4 days.
    calendar = Calendar.build(first_year=2005, last_year=2005)
    outcome = audit(
        facts(
            speed="timed",
            received=date(2005, 10, 7),
            set_deadline=date(2005, 10, 17),
            closed=date(2005, 10, 14),
        ),
        calendar_=calendar,
    )
    assert outcome.deadline == date(2005, 10, 17)
    assert outcome.days_used == 4


def test_appeal_three_months_rest_day_end_moves_past_tomb_sweeping() -> None:
    # Received 1/4: counted from 1/5, ends 4/4 (holiday) → 4/5 holiday, 4/6–4/7 weekend → Mon 4/8.
    outcome = audit(facts(category="appeal", speed="", received=date(2024, 1, 4), closed=date(2024, 4, 8)))
    assert outcome.deadline == date(2024, 4, 8)
    assert outcome.status == "on_time"
    assert outcome.days_used == 95  # calendar days


def test_appeal_month_end_and_extension_both_ways() -> None:
    # Received 2023-11-30: counted from 12/1, three months end on 2/29 (leap year).
    base = facts(category="appeal", speed="", received=date(2023, 11, 30), closed=date(2024, 3, 20))
    assert audit(base).deadline == date(2024, 2, 29)
    extended = audit(
        replace(
            base,
            extension_count=1,
            extended_to=date(2024, 4, 29),
            extension_approved=True,
            extension_requested=date(2024, 2, 20),
        )
    )
    assert (extended.status, extended.status_extended) == ("late", "on_time")
    assert extended.extended_deadline == date(2024, 4, 29)
    too_long = audit(replace(base, extension_count=1, extended_to=date(2024, 5, 31), extension_approved=True))
    assert too_long.extension_problem == EXTENSION_TOO_LONG
    assert too_long.status_extended == "late"
    twice = audit(replace(base, extension_count=2, extended_to=date(2024, 3, 29), extension_approved=True))
    assert twice.extension_problem == EXTENSION_TOO_MANY


def test_extension_asked_after_the_deadline_or_unapproved_does_not_count() -> None:
    base = facts(closed=date(2024, 2, 23), extended_to=date(2024, 2, 26), extension_count=1)
    assert audit(replace(base, extension_approved=False)).status_extended == "late"
    late_ask = replace(base, extension_approved=True, extension_requested=date(2024, 2, 22))
    assert audit(late_ask).status_extended == "late"
    in_time = audit(replace(base, extension_approved=True, extension_requested=date(2024, 2, 20)))
    assert (in_time.status, in_time.status_extended, in_time.extension_problem) == (
        "late",
        "on_time",
        EXTENSION_OK,
    )


def test_application_default_two_months_to_month_end_and_published_period() -> None:
    default = audit(facts(category="application", speed="", received=date(2023, 12, 30)))
    assert default.deadline == date(2024, 2, 29)  # counted from 12/31; February has no 31st
    # Counted from 2024-12-29: February 2025 has no 29th, so its last day 2/28 (和平紀念日) → Mon 3/3.
    no_such_day = audit(facts(category="application", speed="", received=date(2024, 12, 28)))
    assert no_such_day.deadline == date(2025, 3, 3)
    published = audit(
        facts(
            category="application",
            speed="",
            received=date(2024, 2, 7),
            period_value=10,
            period_unit="working_days",
        )
    )
    assert published.deadline == date(2024, 2, 27)  # 2/15,16,17(make-up),19,20,21,22,23,26,27
    # One extension within the original period's length.
    extended = replace(
        facts(category="application", speed="", received=date(2023, 12, 30)),
        extension_count=1,
        extended_to=date(2024, 5, 10),
        extension_approved=True,
    )
    assert audit(extended).extension_problem == EXTENSION_TOO_LONG


def test_questions_legislator_and_councillor() -> None:
    legislator = audit(
        facts(category="question", speed="", question_source="legislator", received=date(2024, 9, 20))
    )
    assert legislator.deadline == date(2024, 10, 11)  # 20 days → 10/10 holiday → 10/11
    councillor = audit(
        facts(category="question", speed="", question_source="councillor", received=date(2024, 10, 3))
    )
    assert councillor.deadline == date(2024, 10, 11)  # 7 days (unconfirmed rule) → 10/10 → 10/11


def test_control_yuan_letter_date_or_two_months_and_project_date() -> None:
    own = audit(
        facts(category="control_yuan", speed="", received=date(2024, 3, 1), set_deadline=date(2024, 3, 15))
    )
    assert own.deadline == date(2024, 3, 15)
    default = audit(facts(category="control_yuan", speed="", received=date(2024, 3, 1)))
    assert default.deadline == date(2024, 5, 1)
    project = audit(
        facts(category="project", speed="", received=date(2024, 3, 1), set_deadline=date(2024, 6, 30))
    )
    assert project.deadline == date(2024, 6, 30)


def test_petition_counts_working_days() -> None:
    outcome = audit(facts(category="petition", speed="", received=date(2024, 2, 1)))
    # 2/2, 2/5–2/7 (4), break, 2/15–2/27 with Sat 2/17 (14), 2/28 holiday, 2/29 (15),
    # 3/1–3/15 (26), 3/18–3/21 (30).
    assert outcome.deadline == date(2024, 3, 21)


def test_combined_letters_count_from_the_given_start() -> None:
    # 彙辦: the last incoming letter (2/16) is the start: Sat 2/17 (make-up), 2/19–2/23 → 2/23.
    outcome = audit(facts(received=date(2024, 2, 7), count_from=date(2024, 2, 16)))
    assert outcome.deadline == date(2024, 2, 23)


def test_vectorised_matches_reference_on_random_sample() -> None:
    rng = np.random.default_rng(7)
    rows = []
    categories = ["general", "petition", "question", "project", "application", "control_yuan", "appeal"]
    for _ in range(400):
        category = categories[int(rng.integers(0, 7))]
        received = date.fromordinal(date(2023, 1, 1).toordinal() + int(rng.integers(0, 700)))
        speed = (
            ["most_urgent", "urgent", "ordinary", "timed"][int(rng.integers(0, 4))]
            if category == "general"
            else ""
        )
        set_deadline = None
        if speed == "timed" or category == "project" or (category == "control_yuan" and rng.random() < 0.5):
            set_deadline = date.fromordinal(received.toordinal() + int(rng.integers(-3, 60)))
        closed = (
            date.fromordinal(received.toordinal() + int(rng.integers(0, 120))) if rng.random() < 0.8 else None
        )
        extended_to = (
            date.fromordinal(received.toordinal() + int(rng.integers(5, 200))) if rng.random() < 0.3 else None
        )
        rows.append(
            facts(
                category=category,
                speed=speed,
                received=received,
                closed=closed,
                set_deadline=set_deadline,
                question_source="councillor"
                if category == "question" and rng.random() < 0.5
                else ("legislator" if category == "question" else ""),
                extended_to=extended_to,
                extension_count=int(rng.integers(0, 3)) if extended_to else 0,
                extension_approved=bool(rng.random() < 0.7),
                period_value=int(rng.integers(5, 40))
                if category == "application" and rng.random() < 0.5
                else -1,
                period_unit="calendar_days",
            )
        )
    result = deadlines_compute(columns=columns_from_facts(rows), as_of=date(2024, 6, 30))
    mismatches = [
        i
        for i, row in enumerate(rows)
        if result_row(result, i) != deadline_compute_one(facts=row, as_of=date(2024, 6, 30))
    ]
    assert mismatches == []


def test_period_ending_on_a_make_up_saturday_stays_and_one_in_the_new_year_break_moves() -> None:
    # 20 days after 2024-01-28 is Sat 2/17, a make-up working day: §48 IV does not move it.
    question = audit(
        facts(category="question", speed="", question_source="legislator", received=date(2024, 1, 28))
    )
    assert question.deadline == date(2024, 2, 17)
    # Two months after 2023-12-08: counted from 12/9, ending 2/8, inside the break (2/8–2/14) → 2/15.
    application = audit(facts(category="application", speed="", received=date(2023, 12, 8)))
    assert application.deadline == date(2024, 2, 15)


def random_register(rng: np.random.Generator, size: int, *, first: date, span_days: int) -> list[Facts]:
    """Documents of every category, speed and period kind, with extensions asked before and after."""
    categories = ["general", "petition", "question", "project", "application", "control_yuan", "appeal"]
    units = ["working_days", "calendar_days", "months"]
    longest = {"working_days": 40, "calendar_days": 90, "months": 6}  # agencies' published periods
    rows = []
    for _ in range(size):
        category = categories[int(rng.integers(0, 7))]
        received = date.fromordinal(first.toordinal() + int(rng.integers(0, span_days)))
        speed = (
            ["most_urgent", "urgent", "ordinary", "timed"][int(rng.integers(0, 4))]
            if category == "general"
            else ""
        )
        own = speed == "timed" or category == "project" or (category == "control_yuan" and rng.random() < 0.5)
        set_deadline = date.fromordinal(received.toordinal() + int(rng.integers(-3, 60))) if own else None
        closed = (
            date.fromordinal(received.toordinal() + int(rng.integers(0, 120))) if rng.random() < 0.8 else None
        )
        extended = rng.random() < 0.3
        unit = units[int(rng.integers(0, 3))]
        rows.append(
            facts(
                category=category,
                speed=speed,
                received=received,
                count_from=date.fromordinal(received.toordinal() + int(rng.integers(0, 3))),
                closed=max(closed, received) if closed else None,
                set_deadline=set_deadline,
                question_source=("councillor" if rng.random() < 0.5 else "legislator")
                if category == "question"
                else "",
                extended_to=date.fromordinal(received.toordinal() + int(rng.integers(5, 200)))
                if extended
                else None,
                extension_requested=date.fromordinal(received.toordinal() + int(rng.integers(0, 90)))
                if extended and rng.random() < 0.5
                else None,
                extension_count=int(rng.integers(0, 3)) if extended else 0,
                extension_approved=bool(rng.random() < 0.7),
                period_value=int(rng.integers(1, longest[unit] + 1))
                if category == "application" and rng.random() < 0.5
                else -1,
                period_unit=unit,
            )
        )
    return rows


def mismatches(rows: list[Facts], *, as_of: date) -> list[int]:
    result = deadlines_compute(columns=columns_from_facts(rows), as_of=as_of)
    return [
        i
        for i, row in enumerate(rows)
        if result_row(result, i) != deadline_compute_one(facts=row, as_of=as_of)
    ]


def test_every_period_kind_matches_the_reference_on_a_large_sample() -> None:
    rows = random_register(np.random.default_rng(20261127), 3000, first=date(2019, 1, 1), span_days=2000)
    assert mismatches(rows, as_of=date(2024, 6, 30)) == []


def test_a_rule_changed_within_the_register_is_read_on_each_rows_day_of_receipt() -> None:
    # given 普通件 going from 6 to 8 working days and the appeal extension from 2 to 3 months in 2024
    for key, qualifier, value, unit in [
        ("document.limit", "ordinary", 8, "working_days"),
        ("document.appeal_decision_extension", "", 3, "months"),
    ]:
        Rule.objects.create(
            key=key, qualifier=qualifier, title="測試新版", value=Decimal(value), unit=unit,
            effective_from=date(2024, 1, 1), status=RuleStatus.UNCONFIRMED,
        )  # fmt: skip
    rule_cache.clear()
    # when a register spanning the change is audited
    rows = random_register(np.random.default_rng(3), 1500, first=date(2023, 1, 1), span_days=730)
    # then every row agrees with the reference, which reads the rule on the row's own day
    assert mismatches(rows, as_of=date(2024, 12, 31)) == []
    before = audit(facts(received=date(2023, 6, 5)))  # Mon: six working days → Tue 6/13
    after = audit(facts(received=date(2024, 6, 3)))  # Mon: eight working days, 6/10 端午 off → Fri 6/14
    assert (before.deadline, after.deadline) == (date(2023, 6, 13), date(2024, 6, 14))


def test_a_general_document_without_speed_class_is_refused() -> None:
    with pytest.raises(ApplicationError, match="速別"):
        deadlines_compute(columns=columns_from_facts([facts(speed="")]), as_of=AS_OF)


@pytest.mark.parametrize(
    ("row", "day"),
    [
        (facts(received=date(2024, 2, 7), closed=date(2031, 1, 2)), "2031-01-02"),
        (facts(received=date(2016, 12, 30)), "2016-12-30"),
        (facts(received=date(2027, 12, 28)), "2027-12-28"),  # six working days run past the calendar
    ],
)
def test_a_day_outside_the_calendar_names_the_day(row: Facts, day: str) -> None:
    with pytest.raises(CalendarRangeError, match=day):
        deadlines_compute(columns=columns_from_facts([row]), as_of=AS_OF)
