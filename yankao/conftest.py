"""Fixtures shared by every test: the seeded city and the personas of PRODUCT.md.

Personas, as the demo logins: citizen, operator, officer and liaison (工務局),
officer_of_other_agency (環境保護局), rdec_staff and rdec_admin (研考會), investigator (教育局),
inspector, auditor.
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from yankao.core.models import Agency, Role, User

# Browser-test fixtures (Playwright on the system Chromium): page, login_as, assert_accessible.
pytest_plugins = ["yankao.testing.browser"]

PUBLIC_WORKS = "397010000A"  # 工務局
ENVIRONMENT = "397017000A"  # 環境保護局
EDUCATION = "397004000A"  # 教育局
RDEC = "397027000A"  # 研究發展考核委員會

PERSONAS: dict[str, tuple[str, str | None]] = {
    "citizen": (Role.CITIZEN, None),
    "operator": (Role.OPERATOR, RDEC),
    "officer": (Role.OFFICER, PUBLIC_WORKS),
    "officer_of_other_agency": (Role.OFFICER, ENVIRONMENT),
    "liaison": (Role.LIAISON, PUBLIC_WORKS),
    "rdec_staff": (Role.RDEC_STAFF, RDEC),
    "rdec_admin": (Role.RDEC_ADMIN, RDEC),
    "investigator": (Role.INVESTIGATOR, EDUCATION),
    "inspector": (Role.INSPECTOR, RDEC),
    "auditor": (Role.AUDITOR, RDEC),
}
PERSONA_PASSWORD = "persona-password-2026"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The test database, migrated and seeded once with the city's agencies and rules."""
    with django_db_blocker.unblock():
        call_command("seed", verbosity=0)


@pytest.fixture
def seeded(db: Any) -> None:
    """Re-seed after a transactional test flushed the tables (idempotent)."""
    call_command("seed", verbosity=0)


def make_persona(name: str) -> User:
    role, agency_code = PERSONAS[name]
    user = User(
        username=name,
        role=role,
        agency=Agency.objects.get(code=agency_code) if agency_code else None,
        is_staff=role == Role.RDEC_ADMIN,
    )
    user.set_password(PERSONA_PASSWORD)
    user.save()
    return user


def _persona_fixture(name: str) -> Any:
    @pytest.fixture(name=name)
    def fixture(db: Any, seeded: None) -> User:
        return User.objects.filter(username=name).first() or make_persona(name)

    return fixture


citizen = _persona_fixture("citizen")
operator = _persona_fixture("operator")
officer = _persona_fixture("officer")
officer_of_other_agency = _persona_fixture("officer_of_other_agency")
liaison = _persona_fixture("liaison")
rdec_staff = _persona_fixture("rdec_staff")
rdec_admin = _persona_fixture("rdec_admin")
investigator = _persona_fixture("investigator")
inspector = _persona_fixture("inspector")
auditor = _persona_fixture("auditor")


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Each test starts with empty caches: rendered fragments of another test's records (whose ids a
    rolled-back database hands out again) must not leak into this one."""
    from django.core.cache import caches

    for alias in ("default", "local"):
        caches[alias].clear()
    from yankao.cases.selectors import category_cache

    category_cache.clear()
    from yankao.servicedesk.duplicates import recent_cases

    recent_cases.clear()


@pytest.fixture(autouse=True)
def _fresh_rule_cache() -> Iterator[None]:
    """Each test sees the rule table of its own database, not a cache from another test."""
    from yankao.core.selectors.rules import rule_cache

    rule_cache.clear()
    yield
    rule_cache.clear()


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    """Each test sees the calendar overrides of its own database (a rolled-back typhoon day is gone)."""
    from yankao.core.working_days import calendar_cache

    calendar_cache.clear()
    yield
    calendar_cache.clear()


@pytest.fixture(autouse=True)
def _fresh_agency_subtrees() -> Iterator[None]:
    """Each test sees the agency tree of its own database (rolled-back agencies are gone)."""
    from yankao.core.selectors.agencies import subtree_cache

    subtree_cache.clear()
    yield
    subtree_cache.clear()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI=true a skipped test is a failure: every part of the suite must have run."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0 and reporter is not None:
        reporter.write_line(f"CI=true: {skipped} skipped test(s) count as failures.", red=True, bold=True)
        session.exitstatus = 1
