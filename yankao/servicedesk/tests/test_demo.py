"""The demo petitions: a tiny year built from yankao/core/tests/data/tiny.toml, checked against the
engine's own rules (deadlines, timeline, personal data) and against its targets."""

import tomllib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from django.core.management import call_command

from yankao.cases.models import Case, CaseEvent, Channel, Extension
from yankao.cases.selectors import case_track
from yankao.cases.services import deadline_rule_for, due_on_for_rule
from yankao.cases.workflow import OPEN_STATES, State
from yankao.core.demo_framework import DemoContext
from yankao.core.models import NumberSequence
from yankao.core.personal_data import mask_name, personal_decrypt, personal_digest, phone_normalise
from yankao.core.working_days import add_working_days, is_working_day, taiwan_date
from yankao.servicedesk.demo import (
    DEMO_KEY_PREFIX,
    demo_tracking_code,
    servicedesk_demo_has_data,
    servicedesk_demo_reset,
)

TINY = Path(__file__).resolve().parents[2] / "core" / "tests" / "data" / "tiny.toml"
BUILD_DATE = date(2026, 3, 16)  # a Monday; the recent cases fall in the weeks before it

pytestmark = pytest.mark.django_db


def targets() -> dict[str, Any]:
    return tomllib.loads(TINY.read_text(encoding="utf-8"))["servicedesk"]


def build(tmp_path: Path, *args: str) -> None:
    call_command(
        "demo",
        "--targets",
        str(TINY),
        "--state",
        str(tmp_path / "demo.json"),
        "--build-date",
        BUILD_DATE.isoformat(),
        *(() if "--only" in args else ("--only", "servicedesk")),  # and core, which it depends on
        *args,
        verbosity=0,
    )


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Case.objects.order_by("number").values_list(
            "number", "subject", "channel", "category__code", "agency__code", "state", "due_on", "received_at"
        )
    )


@pytest.fixture
def city(tmp_path: Path) -> None:
    build(tmp_path)


def test_the_year_has_the_targets_count_and_the_recent_cases_come_after_it(city: None) -> None:
    table = targets()
    received_days = [taiwan_date(moment) for moment in Case.objects.values_list("received_at", flat=True)]

    assert sum(day.year == 2023 for day in received_days) == table["petitions"]
    recent = [day for day in received_days if day.year > 2023]
    assert len(recent) == table["open_cases_around_build"]
    assert all(BUILD_DATE - timedelta(days=table["recent_days"]) <= day < BUILD_DATE for day in recent)
    assert servicedesk_demo_has_data()
    assert Case.objects.filter(idempotency_key__startswith=DEMO_KEY_PREFIX).count() == len(received_days)


def test_channel_and_outcome_shares_follow_the_targets(city: None) -> None:
    table = targets()
    cases = list(Case.objects.all())
    total = len(cases)
    channels = Counter(case.channel for case in cases)
    for channel, share in table["channels"].items():
        # 340 cases: a binomial share is within about three standard deviations of its target.
        assert abs(channels[channel] / total - share) < 3 * (share * (1 - share) / total) ** 0.5 + 0.02, (
            channel
        )
    # Counters and letters are received only on working days.
    for case in cases:
        if case.channel in (Channel.COUNTER, Channel.LETTER):
            assert is_working_day(taiwan_date(case.received_at)), case.number

    outcomes = table["outcomes"]
    assert 0 < sum(case.reroute_count > 0 for case in cases) < total * outcomes["rerouted"] * 2.5
    assert sum(case.paused_working_days > 0 or case.paused_since is not None for case in cases) > 0
    assert sum(case.extended_days > 0 for case in cases) > 0
    assert sum(case.state == State.NOT_PROCESSED for case in cases) > 0
    assert all(case.not_processed_ground for case in cases if case.state == State.NOT_PROCESSED)
    closed = sum(case.state == State.CLOSED for case in cases)
    assert closed > total * 0.75  # most are answered and closed
    late = CaseEvent.objects.filter(kind="reply", data__on_time=False).count()
    on_time = CaseEvent.objects.filter(kind="reply", data__on_time=True).count()
    assert 0 < late < on_time


def test_due_dates_are_the_engines_rule_and_calendar(city: None) -> None:
    for case in Case.objects.select_related("category"):
        received_on = taiwan_date(case.received_at)
        rule = deadline_rule_for(kind=case.kind, category=case.category, channel=case.channel, on=received_on)
        due = due_on_for_rule(rule=rule, start=case.received_at)
        assert rule.unit == "working_days"  # the tiny city's rules; other units go through the same function
        if case.paused_working_days:
            due = add_working_days(due, case.paused_working_days)
        if case.extended_days:
            due = add_working_days(due, case.extended_days)
        assert case.due_on == due, case.number
        assert case.deadline_unit == rule.unit
        assert case.due_on >= received_on, case.number


def test_nothing_open_is_due_before_it_was_received_and_inboxes_are_alive(city: None) -> None:
    open_cases = list(Case.objects.filter(state__in=OPEN_STATES))
    assert open_cases
    for case in open_cases:
        assert case.due_on >= taiwan_date(case.received_at), case.number
        assert case.replied_at is None
        assert case.closed_at is None
    # Open work falls due around the build date: some already late, most still to come.
    assert any(case.due_on >= BUILD_DATE for case in open_cases)
    waiting = [case for case in open_cases if case.state == State.WAITING_CITIZEN]
    assert all(case.paused_since is not None for case in waiting)


def test_each_timeline_is_in_order_and_ends_in_the_cases_state(city: None) -> None:
    for case in Case.objects.prefetch_related("events"):
        events = list(case.events.all())
        assert [event.kind for event in events[:2]] == ["intake", "assign"], case.number
        moments = [event.occurred_at for event in events]
        assert moments == sorted(moments), case.number
        assert moments[0] == case.received_at
        transitions = [event for event in events if event.to_state]
        assert transitions[-1].to_state == case.state, case.number
        assert case.reroute_count == sum(event.kind == "reroute" for event in events)
        if case.extended_days:
            extension = Extension.objects.get(case=case)
            assert extension.decision == Extension.Decision.APPROVED
            assert extension.new_due_on is not None
            assert extension.new_due_on <= case.due_on


def test_petitioners_are_stored_as_intake_stores_them(city: None) -> None:
    cases = list(Case.objects.filter(is_anonymous=False)[:50])
    assert cases
    for case in cases:
        name = personal_decrypt(case.petitioner_name_encrypted)
        phone = personal_decrypt(case.petitioner_phone_encrypted)
        assert 2 <= len(name) <= 4
        assert case.petitioner_name_masked == mask_name(name)
        assert phone.startswith("09")
        assert case.petitioner_phone_digest == personal_digest(phone_normalise(phone))
        email = personal_decrypt(case.petitioner_email_encrypted)
        assert case.petitioner_email_digest == personal_digest(email)
        assert name not in case.petitioner_name_encrypted


def test_a_demo_case_can_be_tracked_with_its_code(city: None) -> None:
    case = Case.objects.filter(state=State.CLOSED).first()
    assert case is not None
    tracked = case_track(number=case.number, tracking_code=demo_tracking_code(case))
    assert tracked.state == State.CLOSED
    assert tracked.reply == case.reply


def test_numbers_follow_the_engine_and_its_sequences_move_past_them(city: None) -> None:
    case = Case.objects.order_by("received_at", "id").first()
    assert case is not None
    day = taiwan_date(case.received_at)
    prefix = f"P{day.year - 1911:03d}{day.month:02d}{day.day:02d}-"
    assert case.number == f"{prefix}00001"
    last = Case.objects.filter(number__startswith=prefix).count()
    assert NumberSequence.objects.get(prefix=prefix).last == last


def test_reset_removes_the_cases_and_a_rebuild_is_the_same(tmp_path: Path) -> None:
    build(tmp_path)
    first = snapshot()

    build(tmp_path, "--reset")

    assert snapshot() == first
    servicedesk_demo_reset(cast(DemoContext, None))  # the reset reads nothing of its context
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not NumberSequence.objects.filter(prefix__startswith="P").exists()
    assert not servicedesk_demo_has_data()
