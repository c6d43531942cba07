"""The audit trail page in the system's Chromium: an auditor filters, pages back, and axe finds nothing serious."""

import pytest

from yankao.core.services.audit import audit_record, audit_seal_pending
from yankao.testing.browser import assert_accessible, assert_no_console_errors, login_as, screenshot

pytestmark = pytest.mark.browser


def test_the_auditor_filters_the_trail_and_pages_back(
    page, page_console, auditor, officer, liaison, monkeypatch
):
    # given reads of a petition by two people, sealed, and a page size of two
    monkeypatch.setattr("yankao.web.views.audit.PAGE_SIZE", 2)
    for actor in (officer, officer, officer, liaison):
        audit_record(
            actor=actor,
            action="read_personal",
            target_type="servicedesk.petition",
            target_id=7,
            fields=["name"],
        )
    audit_seal_pending(grace_seconds=0)
    login_as(page, "auditor")
    # when the auditor opens the trail from the console and filters by the officer, in ROC dates
    page.get_by_role("link", name="稽核紀錄").first.click()
    page.get_by_label("使用者帳號").fill("officer")
    page.get_by_label("起日").fill("113/01/01")
    page.get_by_role("button", name="查詢").click()
    # then two of the officer's reads are listed, sealed, and an older page holds the third
    rows = page.locator("table.audit-table tbody tr")
    assert rows.count() == 2
    assert "officer" in rows.first.inner_text()
    assert "已封存" in rows.first.inner_text()
    assert_accessible(page)
    assert_no_console_errors(page_console)
    screenshot(page, "console-audit-auditor-1366")
    page.get_by_role("link", name="較舊的紀錄").click()
    assert rows.count() == 1
    assert "liaison" not in page.locator("main").inner_text()


def test_an_officer_is_refused_the_trail(page, officer):
    login_as(page, "officer")
    response = page.goto("/console/audit/")
    assert response.status == 403
    assert_accessible(page)
