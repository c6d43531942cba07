"""The inbox's hand-written statement gives what the ORM selector gives: rows, order and cursors,
for every filter, order and scope (run on SQLite and on PostgreSQL by the suite)."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine

from yankao.cases.inbox_query import ROW_KEYS, case_inbox_page
from yankao.cases.models import Case, Category
from yankao.cases.selectors import case_list_for_user
from yankao.cases.tests.conftest import taipei
from yankao.cases.workflow import OPEN_STATES, State
from yankao.core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

TODAY = date(2024, 3, 20)
FILTERS: list[dict[str, Any]] = [
    {},
    {"states": sorted(OPEN_STATES)},
    {"state": State.CLOSED},
    {"state": State.WAITING_CITIZEN},
    {"states": sorted(OPEN_STATES), "category": "noise"},
    {"states": sorted(OPEN_STATES), "channel": "mayors_mailbox"},
    {"states": sorted(OPEN_STATES), "due": "overdue"},
    {"states": sorted(OPEN_STATES), "due": "soon"},
    {"states": sorted(OPEN_STATES), "mine": True},
    {"search": "p"},  # numbers start with a letter: upper-cased as the ORM's filter is
    {"search": "%"},
    {"order": "-received"},
    {"states": sorted(OPEN_STATES), "order": "-received", "category": "road_pothole"},
    {"category": "no_such_category"},
]


@pytest.fixture
def register(file_petition: Callable[..., Any], officer: Any) -> list[Case]:
    """Cases of two agencies over three weeks, in every state an inbox shows, some taken by the officer."""
    categories = ["road_pothole", "noise", "street_light", "illegal_dumping"]
    channels = ["web", "mayors_mailbox", "counter"]
    cases = []
    for index in range(24):
        with time_machine.travel(taipei(2024, 3, 1 + index % 19, 8 + index % 9, index)):
            cases.append(
                file_petition(
                    category=Category.objects.get(code=categories[index % 4]), channel=channels[index % 3]
                ).case
            )
    states = [State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS, State.WAITING_CITIZEN, State.CLOSED]
    for index, case in enumerate(cases):
        state = states[index % 5]
        Case.objects.filter(pk=case.pk).update(
            state=state,
            is_open=state in OPEN_STATES,
            officer=officer if index % 3 == 0 and state != State.RECEIVED else None,
        )
    return cases


def pages(select: Callable[..., Any], **filters: Any) -> list[tuple[list[dict[str, Any]], str | None]]:
    """Every page of three rows, following the cursors."""
    out = []
    after = None
    while True:
        page = select(after=after, limit=3, today=TODAY, **filters)
        out.append(([{key: row[key] for key in ROW_KEYS} for row in page.items], page.next_cursor))
        if page.next_cursor is None or len(out) > 20:
            return out
        after = page.next_cursor


@pytest.mark.parametrize("filters", FILTERS, ids=[str(sorted(f.items())) for f in FILTERS])
@pytest.mark.parametrize(
    "persona", ["officer", "liaison", "officer_of_other_agency", "rdec_staff", "citizen"]
)
def test_the_statement_pages_as_the_orm_does(
    register: list[Case], persona: str, filters: dict[str, Any], request
):
    user = request.getfixturevalue(persona)

    def orm(**arguments: Any) -> Any:
        return case_list_for_user(user=user, values=ROW_KEYS, **arguments)

    def statement(**arguments: Any) -> Any:
        return case_inbox_page(user=user, **arguments)

    expected = pages(orm, **filters)
    assert pages(statement, **filters) == expected
    if persona == "rdec_staff" and not filters:
        assert sum(len(rows) for rows, _ in expected) == len(register)  # the city sees every case


def test_a_garbled_cursor_or_unknown_filter_is_refused_in_chinese(officer: Any) -> None:
    with pytest.raises(ApplicationError, match="分頁參數有誤"):
        case_inbox_page(user=officer, after="not-a-cursor")
    with pytest.raises(ApplicationError, match="不明的期限篩選"):
        case_inbox_page(user=officer, due="yesterday")
    with pytest.raises(ApplicationError, match="不明的排序方式"):
        case_inbox_page(user=officer, order="subject")


def test_an_officer_renamed_in_this_process_shows_at_once(register: list[Case], officer: Any) -> None:
    def names() -> set[str]:
        return {row["officer__display_name"] for row in case_inbox_page(user=officer, mine=True).items}

    assert names() == {officer.display_name}
    officer.display_name = "林承辦（代理）"
    officer.save()
    assert names() == {"林承辦（代理）"}


def test_a_category_renamed_by_another_process_shows_within_the_reload_time(
    register: list[Case], rdec_staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yankao.cases import inbox_query

    def names() -> set[str]:
        return {row["category__name"] for row in case_inbox_page(user=rdec_staff, category="noise").items}

    before = names()
    assert before
    assert "噪音（新名稱）" not in before
    Category.objects.filter(code="noise").update(name="噪音（新名稱）")  # no signal: as another process
    later = inbox_query.time.monotonic() + inbox_query.inbox_names.RELOAD_SECONDS + 1
    monkeypatch.setattr(inbox_query.time, "monotonic", lambda: later)
    assert names() == {"噪音（新名稱）"}
