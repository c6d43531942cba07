from datetime import date

import pytest
from rest_framework.test import APIClient

from yankao.core.models import Agency
from yankao.programs.annual.models import PlanItem, PlanRound
from yankao.programs.annual.services.tracked import TrackedItemFields, tracked_item_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(rdec_staff):
    return tracked_item_create(
        fields=TrackedItemFields(
            kind="just_transition",
            title="營建減碳對策",
            agency=Agency.objects.get(code="397010000A"),
            started_on=date(2024, 3, 1),
            due_on=date(2024, 6, 30),
        ),
        user=rdec_staff,
    )


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_tracked_items_are_listed_with_marks_only_to_their_agency(item, officer, officer_of_other_agency):
    rows = _client(officer).get("/api/v1/programs-annual/tracked-items").json()
    assert [(r["title"], r["overdue"]) for r in rows] == [("營建減碳對策", True)]
    assert _client(officer_of_other_agency).get("/api/v1/programs-annual/tracked-items").json() == []


def test_an_update_by_the_owner_and_a_stale_one_refused(item, officer, liaison, officer_of_other_agency):
    response = _client(officer).post(
        f"/api/v1/programs-annual/tracked-items/{item.pk}/updates",
        {"progress": "已辦說明會", "version": 1},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["version"] == 2
    stale = _client(liaison).post(
        f"/api/v1/programs-annual/tracked-items/{item.pk}/updates",
        {"progress": "重複", "version": 1},
        format="json",
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    other = _client(officer_of_other_agency).post(
        f"/api/v1/programs-annual/tracked-items/{item.pk}/updates",
        {"progress": "x", "version": 2},
        format="json",
    )
    assert other.status_code == 404
    assert item.updates.count() == 1


def test_plan_items_in_agency_order(officer, rdec_staff):
    plan_round = PlanRound.objects.create(
        year=2025, title="114年度施政計畫先期作業", opens_on=date(2024, 2, 15), deadline=date(2024, 3, 18)
    )
    for code in ("397017000A", "397010000A"):
        PlanItem.objects.create(
            plan_round=plan_round,
            agency=Agency.objects.get(code=code),
            title=code,
            goal="g",
            content="c",
            created_by=officer,
        )
    rows = _client(rdec_staff).get("/api/v1/programs-annual/plan/2025/items").json()
    assert [r["agency"] for r in rows] == ["397010000A", "397017000A"]
    assert [r["agency"] for r in _client(officer).get("/api/v1/programs-annual/plan/2025/items").json()] == [
        "397010000A"
    ]
    assert _client(rdec_staff).get("/api/v1/programs-annual/plan/1999/items").status_code == 404
