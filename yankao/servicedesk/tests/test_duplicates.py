"""Duplicate suggestions at intake: same petitioner, same place, similar text, within the window."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yankao.cases.models import Case, Category
from yankao.cases.services import Petitioner, case_intake
from yankao.servicedesk.duplicates import (
    DuplicateCandidate,
    duplicate_candidates_find,
    duplicate_candidates_for_case,
    duplicate_marks_for_cases,
    duplicate_pairs_load,
    duplicate_pairs_score,
    public_text,
)

pytestmark = pytest.mark.django_db

TAIPEI = ZoneInfo("Asia/Taipei")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TAIPEI)


def file(
    *,
    subject: str,
    description: str,
    category: str = "road_pothole",
    location: str = "",
    phone: str = "",
    at: datetime = NOW,
    latitude: str | None = None,
    longitude: str | None = None,
) -> Case:
    with time_machine.travel(at):
        return case_intake(
            kind="petition",
            channel="web",
            category=Category.objects.get(code=category),
            subject=subject,
            description=description,
            location_text=location,
            latitude=Decimal(latitude) if latitude else None,
            longitude=Decimal(longitude) if longitude else None,
            petitioner=Petitioner(name="王小明", phone=phone),
            received_at=at,
        ).case


def test_the_same_pothole_in_other_words_is_suggested(seeded: None) -> None:
    earlier = file(
        subject="建國二路坑洞",
        description="高雄市三民區建國二路120號前路面有一個大坑洞，機車經過很危險。",
        location="三民區建國二路120號",
        at=NOW - timedelta(days=3),
    )
    found = duplicate_candidates_find(
        text="建國二路路面破損 三民區建國二路118號前馬路破了一個大洞，騎車差點摔倒",
        category_code="road_pothole",
        address="三民區建國二路118號",
        received_at=NOW,
    )
    assert [candidate.number for candidate in found] == [earlier.number]
    candidate = found[0]
    assert isinstance(candidate, DuplicateCandidate)
    assert 0 < candidate.score <= 1
    assert any(reason.startswith("內容相似") for reason in candidate.reasons)
    assert any("同一路段" in reason for reason in candidate.reasons)


def test_the_same_street_with_another_problem_is_not_suggested(seeded: None) -> None:
    file(
        subject="路燈不亮",
        description="三民區建國二路120號前的路燈晚上都不亮。",
        category="street_light",
        location="三民區建國二路120號",
        at=NOW - timedelta(days=2),
    )
    found = duplicate_candidates_find(
        text="建國二路坑洞 路面有大坑洞",
        category_code="road_pothole",
        address="三民區建國二路120號",
        received_at=NOW,
    )
    assert found == []


def test_the_same_caller_is_named_as_a_reason(seeded: None) -> None:
    earlier = file(
        subject="水溝堵塞",
        description="家門口水溝被落葉堵住，下雨就積水。",
        category="drainage",
        phone="0912-345-678",
        at=NOW - timedelta(days=5),
    )
    found = duplicate_candidates_find(
        text="門口排水溝堵住了，一下雨就淹水",
        category_code="drainage",
        phone="+886 912 345 678",
        received_at=NOW,
    )
    assert [candidate.case_id for candidate in found] == [earlier.pk]
    assert "同一陳情人" in found[0].reasons


def test_nearby_coordinates_count_as_the_same_place(seeded: None) -> None:
    earlier = file(
        subject="路燈故障",
        description="公園旁路燈一閃一閃的",
        category="street_light",
        latitude="22.627000",
        longitude="120.301000",
        at=NOW - timedelta(days=1),
    )
    found = duplicate_candidates_find(
        text="路燈忽明忽暗",
        category_code="street_light",
        latitude=22.6273,
        longitude=120.3012,
        received_at=NOW,
    )
    assert [candidate.case_id for candidate in found] == [earlier.pk]
    assert any(reason.startswith("地點相近（") and reason.endswith("公尺）") for reason in found[0].reasons)


def test_cases_outside_the_window_or_transferred_are_not_suggested(seeded: None) -> None:
    text = {
        "subject": "建國二路坑洞",
        "description": "三民區建國二路120號前有坑洞",
        "location": "三民區建國二路120號",
    }
    file(**text, at=NOW - timedelta(days=45))
    kept = file(**text, at=NOW - timedelta(days=2))
    found = duplicate_candidates_find(
        text="建國二路120號坑洞", category_code="road_pothole", address="三民區建國二路120號", received_at=NOW
    )
    assert [candidate.case_id for candidate in found] == [kept.pk]
    Case.objects.filter(pk=kept.pk).update(state="transferred", is_open=False, closed_at=NOW)
    assert (
        duplicate_candidates_find(
            text="建國二路120號坑洞",
            category_code="road_pothole",
            address="三民區建國二路120號",
            received_at=NOW,
        )
        == []
    )


def test_a_registered_case_finds_its_duplicates_and_the_inbox_marks_them(seeded: None) -> None:
    first = file(subject="五福一路坑洞", description="五福一路88號前有坑洞", location="苓雅區五福一路88號")
    second = file(
        subject="五福一路路面凹陷",
        description="五福一路88號前面路面凹陷",
        location="苓雅區五福一路88號",
        at=NOW + timedelta(hours=2),
    )
    lonely = file(
        subject="路燈", description="路燈不亮", category="street_light", location="鼓山區美術東二路5號"
    )
    assert [candidate.case_id for candidate in duplicate_candidates_for_case(case=second)] == [first.pk]
    assert duplicate_marks_for_cases(case_ids=[first.pk, second.pk, lonely.pk]) == {first.pk: 1, second.pk: 1}


def test_the_hand_written_pairs_meet_the_goals(seeded: None) -> None:
    score = duplicate_pairs_score()
    assert score.pairs >= 300
    assert score.precision >= 0.9, score.mistakes
    assert score.recall >= 0.8, score.mistakes
    # The pairs written after tuning are reported apart (and kept honest: not tuned on).
    assert score.heldout_pairs >= 40


def test_the_pair_set_holds_every_kind_of_near_miss() -> None:
    _, pairs = duplicate_pairs_load()
    kinds = {pair.kind for pair in pairs}
    assert {"paraphrase", "other_words", "near_street", "near_place", "near_category", "near_person"} <= kinds
    assert sum(pair.duplicate for pair in pairs) >= 100
    assert sum(not pair.duplicate for pair in pairs) >= 100


def test_a_case_filed_after_the_first_suggestion_is_found_by_the_next(seeded: None) -> None:
    ask = {"text": "光華一路路燈不亮", "category_code": "street_light", "address": "苓雅區光華一路50號"}
    assert duplicate_candidates_find(**ask, received_at=NOW) == []  # the window is read here
    later = file(
        subject="路燈不亮",
        description="光華一路52號前路燈晚上不亮",
        category="street_light",
        location="苓雅區光華一路52號",
        at=NOW - timedelta(minutes=5),
    )
    assert [candidate.case_id for candidate in duplicate_candidates_find(**ask, received_at=NOW)] == [
        later.pk
    ]


def test_the_inbox_marks_a_case_whose_petitioner_filed_the_same_category_again(seeded: None) -> None:
    first = file(subject="水溝堵塞", description="家門口水溝堵住", category="drainage", phone="0912-000-222")
    again = file(
        subject="又淹水了",
        description="水溝還是不通",
        category="drainage",
        phone="0912000222",
        at=NOW + timedelta(days=3),
    )
    other_matter = file(
        subject="路燈不亮", description="巷口路燈", category="street_light", phone="0912000222"
    )
    long_after = file(
        subject="水溝堵塞",
        description="水溝堵住",
        category="drainage",
        phone="0912000222",
        at=NOW + timedelta(days=90),
    )
    marks = duplicate_marks_for_cases(case_ids=[first.pk, again.pk, other_matter.pk, long_after.pk])
    assert marks == {first.pk: 1, again.pk: 1}


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("我是王小明，電話0912-345-678", ["王小明", "0912"], ["我是"]),
        ("請回電 07-336-8333 或 (07)3368333", ["336", "3368333"], ["請回電"]),
        ("身分證字號 E123456789，信箱 wang.xm@example.com", ["E123456789", "example"], ["身分證字號"]),
        ("聯絡人：張先生 +886 912 345 678", ["張先生", "912"], ["聯絡人"]),
        ("建國二路120號前、12巷3弄，2023年10月5日發現", [], ["120號", "12巷3弄", "2023年10月5日"]),
        ("林美玲反映：路燈不亮。林美玲敬上", ["林美玲"], ["路燈不亮"]),
    ],
)
def test_public_text_takes_out_personal_data_but_not_places_or_dates(
    text: str, gone: list[str], kept: list[str]
) -> None:
    cleaned = public_text(text, masked_names=("林○玲",))
    for word in gone:
        assert word not in cleaned
    for word in kept:
        assert word in cleaned
