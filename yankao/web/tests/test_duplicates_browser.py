"""Duplicate suggestions in the system's Chromium: a citizen typing about a pothole already reported
sees the open case nearby (what and where, never who); the officer merges a duplicate from the case
page. axe on every page."""

from typing import Any

import pytest

from yankao.cases.models import Case, Category
from yankao.cases.services import Petitioner, case_intake
from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot

pytestmark = pytest.mark.browser


def _file(*, subject: str, description: str, location: str = "三民區建國二路120號") -> Case:
    return case_intake(
        kind="petition",
        channel="web",
        category=Category.objects.get(code="road_pothole"),
        subject=subject,
        description=description,
        location_text=location,
        petitioner=Petitioner(name="陳大文", phone="0912-345-678"),
    ).case


def test_a_citizen_sees_the_open_case_nearby_while_typing(page: Any, page_console: Any) -> None:
    _file(subject="陳大文：建國二路坑洞", description="我是陳大文，建國二路120號前慢車道有大坑洞。")
    page.goto("/petitions/new/")
    page.get_by_label("陳情類別").select_option("road_pothole")
    page.get_by_label("行政區").select_option(label="三民區")
    page.get_by_label("地點說明").fill("建國二路118號")
    page.get_by_label("地點說明").dispatch_event("change")
    page.get_by_label("主旨").fill("馬路破一個大洞")
    box = page.locator("#similar-cases")
    box.get_by_text("附近可能已有人反映相同的事").wait_for()
    text = box.inner_text()
    assert "三民區建國二路" in text
    assert "陳大文" not in text
    assert "120號" not in text
    assert_accessible(page)
    assert_no_console_errors(page_console)
    screenshot(page, "portal-petition-similar-cases")


def test_the_officer_merges_a_likely_duplicate_from_the_case_page(page: Any, page_console: Any) -> None:
    first = _file(subject="建國二路坑洞", description="建國二路120號前有坑洞")
    second = _file(subject="路面破洞", description="建國二路122號前面機車道破了一個大洞")
    login_as(page, "officer")
    page.goto(f"/console/cases/{second.number}/")
    panel = page.locator("section", has=page.get_by_role("heading", name="可能重複的案件"))
    assert first.number in panel.inner_text()
    assert "同一陳情人" in panel.inner_text()
    assert_accessible(page)
    screenshot(page, "console-case-duplicates-1366")
    panel.get_by_role("button", name=f"將本案併入 {first.number}").click()
    page.wait_for_load_state()
    second.refresh_from_db()
    assert second.state == "merged"
    assert_no_console_errors(page_console)
