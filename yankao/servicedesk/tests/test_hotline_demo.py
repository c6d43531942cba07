"""The demo's 1999 calls: a tiny year built from tests/data/hotline_tiny.toml, checked against its
targets and the petitions it links to."""

import tomllib
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from yankao.cases.models import Category
from yankao.core.models import CalendarOverride, User
from yankao.core.personal_data import personal_decrypt, personal_digest, phone_normalise
from yankao.servicedesk.hotline_demo import _hotline_petitions
from yankao.servicedesk.hotline_selectors import call_statistics
from yankao.servicedesk.models import Call, CallOutcome
from yankao.servicedesk.selectors import petition_count

TINY = Path(__file__).resolve().parent / "data" / "hotline_tiny.toml"
BUILD_DATE = date(2026, 3, 16)

pytestmark = pytest.mark.django_db


def build(tmp_path: Path, *args: str) -> None:
    call_command(
        "demo",
        "--targets",
        str(TINY),
        "--state",
        str(tmp_path / "demo.json"),
        "--build-date",
        BUILD_DATE.isoformat(),
        "--only",
        "servicedesk",
        *args,
        verbosity=0,
    )


@pytest.fixture
def city(tmp_path: Path) -> None:
    build(tmp_path)


def test_the_year_has_the_targets_count_and_every_hotline_petition_has_its_call(city: None) -> None:
    table = tomllib.loads(TINY.read_text(encoding="utf-8"))["servicedesk"]
    stats = call_statistics(first=date(2023, 1, 1), last=date(2023, 12, 31))
    assert stats.total == table["calls_1999"]
    assert stats.monthly_average == round(table["calls_1999"] / 12)
    linked = Call.objects.filter(outcome=CallOutcome.PETITION)
    expected = {row["id"] for row in _hotline_petitions(first=date(2023, 1, 1), last=date(2023, 12, 31))}
    assert expected
    assert set(linked.values_list("case_id", flat=True)) == expected
    assert linked.count() == stats.outcomes.counts["petition"]
    # Each such call ends when its case was received, from the petitioner's own number.
    for call in linked.select_related("case")[:20]:
        assert call.case.channel == "hotline"
        assert (
            abs((call.started_at.timestamp() + call.duration_seconds) - call.case.received_at.timestamp()) < 1
        )
        assert call.caller_phone_digest == call.case.petitioner_phone_digest
    # A petition by phone counts once among petitions too: the petition count is unchanged by calls.
    assert petition_count(first=date(2023, 1, 1), last=date(2023, 12, 31)) == table["petitions"]


def test_the_calls_have_the_shape_of_a_year(city: None) -> None:
    stats = call_statistics(first=date(2023, 1, 1), last=date(2023, 12, 31))
    shares = {outcome: stats.outcomes.share(outcome) for outcome in CallOutcome.values}
    assert 25 <= shares["dispatched"] <= 41  # about a third (targets: 0.33)
    assert shares["answered"] > shares["petition"]
    # The busiest hours are office hours; the night is quiet.
    assert all(9 <= hour <= 17 for hour in stats.busiest_hours)
    assert stats.hours[3] < stats.hours[10] / 5
    # A typhoon closure day brings more calls than an ordinary day.
    typhoon = CalendarOverride.objects.filter(kind=CalendarOverride.Kind.TYPHOON, date__year=2023).first()
    assert typhoon is not None
    on_typhoon = Call.objects.filter(started_on=typhoon.date).count()
    assert on_typhoon > stats.total / 365
    # Dispatched calls are dispatch work (the public categories).
    public = set(Category.objects.filter(is_public=True).values_list("pk", flat=True))
    assert set(Call.objects.filter(outcome="dispatched").values_list("category_id", flat=True)) <= public


def test_callers_numbers_are_stored_as_intake_stores_them(city: None) -> None:
    for call in Call.objects.exclude(caller_phone_encrypted="")[:50]:
        phone = personal_decrypt(call.caller_phone_encrypted)
        assert call.caller_phone_digest == personal_digest(phone_normalise(phone))
        assert "*" in call.caller_phone_masked
    repeat = Call.objects.values("caller_phone_digest").distinct().count()
    assert repeat < Call.objects.count()  # some callers call more than once


def test_the_build_is_deterministic_and_a_reset_removes_only_demo_calls(tmp_path: Path, city: None) -> None:
    from django.utils import timezone

    from yankao.servicedesk.hotline_services import call_log

    first = list(
        Call.objects.order_by("id").values_list(
            "started_at", "category_id", "outcome", "caller_phone_digest"
        )[:200]
    )
    call_log(
        operator=User.objects.get(username="operator"),  # the demo's persona
        started_at=timezone.now(),
        outcome="answered",
        category_code="tax",
        answer="已說明",
    )
    build(tmp_path, "--reset")
    again = list(
        Call.objects.filter(source="demo")
        .order_by("id")
        .values_list("started_at", "category_id", "outcome", "caller_phone_digest")[:200]
    )
    assert again == first
    assert Call.objects.filter(source="console").count() == 1
