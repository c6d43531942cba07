"""Duplicate suggestions in the pages: the public form's "similar open cases nearby" (what and where,
never who) and the staff case page's likely duplicates with the merge action."""

from typing import Any

import pytest
from django.test import Client

from yankao.cases.models import Case, Category
from yankao.cases.services import Petitioner, case_intake
from yankao.core.models import Agency

pytestmark = pytest.mark.django_db


def file(
    *,
    subject: str = "建國二路坑洞",
    description: str = "我是陳大文，電話0912-345-678，建國二路120號前慢車道有大坑洞。",
    location: str = "三民區建國二路120號",
    category: str = "road_pothole",
    confidential: bool = False,
) -> Case:
    return case_intake(
        kind="petition",
        channel="web",
        category=Category.objects.get(code=category),
        subject=subject,
        description=description,
        location_text=location,
        petitioner=Petitioner(name="陳大文", phone="0912-345-678", confidential=confidential),
    ).case


def similar(client: Client, **params: Any) -> str:
    response = client.get("/petitions/new/", {"similar": "1", **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_form_shows_similar_open_cases_nearby_without_who_filed_them(
    client: Client, seeded: None
) -> None:
    file(subject="陳大文反映建國二路坑洞")
    district = Agency.objects.get(kind=Agency.Kind.DISTRICT_OFFICE, name__endswith="三民區公所")
    html = similar(
        client,
        category="road_pothole",
        subject="路面破一個大洞",
        description="建國二路118號前面馬路破了一個大洞",
        district=str(district.pk),
        location_text="建國二路118號",
    )
    assert "附近可能已有人反映相同的事" in html
    assert "三民區建國二路" in html
    assert "坑洞" in html
    for private in ("陳大文", "0912", "120號"):
        assert private not in html


def test_the_form_shows_nothing_for_another_problem_or_a_hidden_case(client: Client, seeded: None) -> None:
    file(location="三民區建國二路120號", confidential=True)
    file(category="noise", subject="建國二路施工噪音", description="建國二路120號工地半夜施工很吵")
    assert "附近可能" not in similar(
        client, category="road_pothole", subject="建國二路坑洞", location_text="三民區建國二路120號"
    )
    assert "附近可能" not in similar(
        client, category="noise", subject="建國二路施工噪音", location_text="三民區建國二路120號"
    )


def test_the_form_itself_asks_for_suggestions_as_the_citizen_types(client: Client, seeded: None) -> None:
    html = client.get("/petitions/new/").content.decode()
    assert 'id="similar-cases"' in html
    assert "similar=1" in html


def test_the_case_page_lists_likely_duplicates_and_merges_one(
    client: Client, seeded: None, officer: Any
) -> None:
    first = file()
    second = file(subject="路面破洞", description="建國二路122號前機車道破了一個大洞，很危險")
    client.force_login(officer)
    html = client.get(f"/console/cases/{second.number}/").content.decode()
    assert "可能重複的案件" in html
    assert first.number in html
    assert "同一陳情人" in html
    assert f"將本案併入 {first.number}" in html
    response = client.post(
        f"/console/cases/{second.number}/merge/", {"into": first.number, "version": second.version}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.state == "merged"
    assert second.merged_into_id == first.pk


def test_an_unrelated_case_shows_no_duplicates_panel(client: Client, seeded: None, officer: Any) -> None:
    case = file()
    client.force_login(officer)
    assert "可能重複的案件" not in client.get(f"/console/cases/{case.number}/").content.decode()
