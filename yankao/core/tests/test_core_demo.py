"""The core module's demo data: the demo logins, staff of each agency, typhoon closures."""

import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from yankao.conftest import PERSONAS
from yankao.core.models import Agency, CalendarOverride, Role, User
from yankao.core.working_days import calendar_cache, is_working_day
from yankao.testing.tiny_city import tiny_city_targets

# The whole tiny city: a reset of core also resets (and rebuilds) the modules that depend on it.
TINY = tiny_city_targets(Path(tempfile.mkdtemp(prefix="yankao-tiny-city-")))

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    yield
    calendar_cache.clear()


def build(tmp_path: Path, *args: str) -> None:
    # Core's own data only: the other modules' generators have tests of their own.
    only = () if "--only" in args else ("--only", "core")
    call_command(
        "demo", "--targets", str(TINY), "--state", str(tmp_path / "demo.json"), *only, *args, verbosity=0
    )


def people() -> list[tuple[str, str, str, str | None]]:
    return list(
        User.objects.order_by("username").values_list("username", "display_name", "role", "agency__code")
    )


def test_the_ten_demo_logins_exist_with_their_roles_and_agencies(tmp_path: Path) -> None:
    build(tmp_path)

    for username, (role, agency_code) in PERSONAS.items():
        user = User.objects.get(username=username)
        assert user.role == role, username
        assert (user.agency.code if user.agency else None) == agency_code, username
        assert len(user.display_name) >= 2, username
        assert user.is_staff == (username == "rdec_admin"), username
        assert not user.is_superuser


def test_the_demo_password_authenticates_every_login(tmp_path: Path, settings: Any) -> None:
    build(tmp_path)

    for username in PERSONAS:
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password=settings.YANKAO_DEMO_PASSWORD) is not None, (
            username
        )
    wrong = authenticate(
        RequestFactory().post("/accounts/login/"), username="officer", password="not-the-password"
    )
    assert wrong is None


def test_the_default_demo_password_passes_the_validators() -> None:
    from config.settings.base import env

    validate_password(
        env.scheme["YANKAO_DEMO_PASSWORD"][1]
    )  # the declared default, whatever the environment says


def test_a_weak_demo_password_is_refused_in_chinese(tmp_path: Path, settings: Any) -> None:
    settings.YANKAO_DEMO_PASSWORD = "12345"

    with pytest.raises(CommandError, match="YANKAO_DEMO_PASSWORD 不符合密碼規則"):
        build(tmp_path)
    assert not User.objects.exists()


def test_builds_are_deterministic_for_a_seed(tmp_path: Path) -> None:
    build(tmp_path, "--seed", "42")
    first = people()

    build(tmp_path, "--seed", "42", "--reset")

    assert people() == first
    build(tmp_path, "--seed", "43", "--reset")
    assert people() != first
    assert [row[0] for row in people()] == [row[0] for row in first]  # same accounts, other names


def test_each_agency_gets_its_staff_and_a_liaison_first(tmp_path: Path) -> None:
    build(tmp_path)

    first_level = Agency.objects.filter(kind=Agency.Kind.FIRST_LEVEL)
    staff = User.objects.filter(username__startswith="demo.3")
    assert staff.count() == first_level.count()  # tiny.toml: one per first-level agency, none elsewhere
    assert set(staff.values_list("role", flat=True)) == {Role.LIAISON}
    assert User.objects.filter(username__startswith="demo.operator.", role=Role.OPERATOR).count() == 3
    names = list(User.objects.values_list("display_name", flat=True))
    assert all(len(name) in (2, 3, 4) and not name.isascii() for name in names)


def test_typhoon_closures_become_unverified_calendar_overrides(tmp_path: Path) -> None:
    build(tmp_path)

    override = CalendarOverride.objects.get(date=date(2023, 7, 27))
    assert override.kind == CalendarOverride.Kind.TYPHOON
    assert override.is_working_day is False
    assert override.verified is False
    assert "杜蘇芮" in override.reason
    assert is_working_day(date(2023, 7, 27)) is False


def test_a_closure_an_admin_already_set_is_left_alone(tmp_path: Path) -> None:
    CalendarOverride.objects.create(
        date=date(2023, 7, 27), is_working_day=True, kind=CalendarOverride.Kind.CORRECTION, reason="更正"
    )

    build(tmp_path)

    assert CalendarOverride.objects.get(date=date(2023, 7, 27)).kind == CalendarOverride.Kind.CORRECTION


def test_reset_keeps_agencies_rules_and_other_people(tmp_path: Path) -> None:
    build(tmp_path)
    agencies = Agency.objects.count()
    someone = User.objects.create(username="someone_real")

    build(tmp_path, "--reset")

    assert Agency.objects.count() == agencies
    assert User.objects.filter(pk=someone.pk).exists()
    assert User.objects.filter(username="officer").count() == 1
