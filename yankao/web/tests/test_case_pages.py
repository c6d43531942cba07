"""The staff side of cases in HTML: inbox, case page and its actions, export, extension review."""

import csv
import io

import pytest

from yankao.cases.models import Case, Category, Extension
from yankao.cases.services import Petitioner, case_accept, case_extension_request, case_intake
from yankao.cases.workflow import State
from yankao.core.models import Agency, AuditEntry

ENVIRONMENT = "397017000A"


def _case(*, category: str = "road_pothole", agency: str | None = None, subject: str = "路面坑洞") -> Case:
    return case_intake(
        kind="petition",
        channel="web",
        category=Category.objects.get(code=category),
        subject=subject,
        description="民族路與建國路口有大坑洞，機車經過很危險。",
        petitioner=Petitioner(name="王小明", phone="0912345678", email="wang@example.tw"),
        agency=Agency.objects.get(code=agency) if agency else None,
    ).case


def test_the_officer_sees_the_agency_inbox_masked_without_a_count(client, officer):
    # given a 工務局 case and one of 環境保護局
    mine = _case()
    other = _case(category="illegal_dumping", subject="垃圾堆積")
    client.force_login(officer)
    # when the officer opens the inbox
    response = client.get("/console/cases/")
    html = response.content.decode()
    # then only the agency's case is there, with the masked name, not the real one
    assert response.status_code == 200
    assert mine.number in html
    assert other.number not in html
    assert "王小明" not in html
    assert mine.petitioner_name_masked in html
    assert "期限內" in html or "即將到期" in html


def test_a_row_shows_the_change_to_its_case_at_once_although_rows_are_cached(client, officer):
    # given an inbox seen once, so that its row is cached
    case = _case()
    client.force_login(officer)
    before = client.get("/console/cases/").content.decode()
    assert "未承辦" in before
    # when the officer takes the case
    case_accept(case=case, user=officer, expected_version=case.version)
    # then the row shows the officer and the new state, and its box carries the new version
    after = client.get("/console/cases/").content.decode()
    case.refresh_from_db()
    assert str(officer) in after
    assert str(State.IN_PROGRESS.label) in after
    assert f'value="{case.number}:{case.version}"' in after


def test_more_pages_by_cursor_without_page_numbers(client, officer, monkeypatch):
    monkeypatch.setattr("yankao.web.views.cases.PAGE_SIZE", 2)
    numbers = [_case().number for _ in range(3)]
    client.force_login(officer)
    first = client.get("/console/cases/")
    assert "載入更多案件" in first.content.decode()
    cursor = first.context["next_cursor"]
    second = client.get("/console/cases/", {"after": cursor})
    shown = [row.number for row in first.context["rows"]] + [row.number for row in second.context["rows"]]
    assert sorted(shown) == sorted(numbers)
    assert "載入更多案件" not in second.content.decode()
    # htmx asks for the rows only
    partial = client.get("/console/cases/", {"after": cursor}, headers={"HX-Target": "case-more-row"})
    assert "<html" not in partial.content.decode()


def test_filters_narrow_the_inbox(client, officer):
    case = _case()
    _case(category="street_light", subject="路燈不亮")
    client.force_login(officer)
    response = client.get("/console/cases/", {"category": "road_pothole"})
    assert [row.number for row in response.context["rows"]] == [case.number]
    response = client.get("/console/cases/", {"search": case.number})
    assert [row.number for row in response.context["rows"]] == [case.number]
    response = client.get("/console/cases/", {"due": "overdue"})
    assert response.context["rows"] == []


def test_the_csv_export_is_masked_and_audited(client, officer):
    case = _case()
    client.force_login(officer)
    response = client.get("/console/cases/export.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "案件編號"
    assert rows[1][0] == case.number
    assert "王小明" not in body
    assert AuditEntry.objects.filter(action="export", actor_username="officer").exists()


def test_bulk_accept_takes_the_selected_cases(client, officer):
    cases = [_case(), _case()]
    client.force_login(officer)
    response = client.post(
        "/console/cases/bulk/",
        {"action": "accept", "numbers": [f"{c.number}:{c.version}" for c in cases]},
    )
    assert response.status_code == 302
    for case in cases:
        case.refresh_from_db()
        assert case.state == State.IN_PROGRESS
        assert case.officer == officer


def test_the_case_page_offers_the_allowed_actions(client, officer):
    case = _case()
    client.force_login(officer)
    html = client.get(f"/console/cases/{case.number}/").content.decode()
    assert "承辦本案" in html
    assert "改分其他機關" in html
    assert "王小明" not in html
    assert 'name="version"' in html


def test_accept_then_reply_through_the_forms(client, officer):
    case = _case()
    client.force_login(officer)
    response = client.post(f"/console/cases/{case.number}/accept/", {"version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    response = client.post(
        f"/console/cases/{case.number}/reply/", {"version": case.version, "reply": "已派員於3日內修補完成。"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REPLIED


def test_a_stale_version_is_a_conflict_that_keeps_the_typed_text(client, officer, liaison):
    # given the officer's page showed version 1, then the liaison accepted the case
    case = _case()
    shown = case.version
    case_accept(case=case, user=liaison, expected_version=shown)
    client.force_login(officer)
    # when the officer posts a reroute with the old version
    response = client.post(
        f"/console/cases/{case.number}/reroute/",
        {"version": shown, "to_agency": ENVIRONMENT, "reason": "屬環保局權責，請改分"},
    )
    # then it is refused, explained, the current state shown and the text kept
    html = response.content.decode()
    assert response.status_code == 409
    assert "未執行" in html
    assert "屬環保局權責，請改分" in html
    case.refresh_from_db()
    assert case.agency.code != ENVIRONMENT
    assert f'value="{case.version}"' in html


def test_an_invalid_form_is_explained_in_chinese_and_changes_nothing(client, officer):
    case = _case()
    client.force_login(officer)
    response = client.post(f"/console/cases/{case.number}/reroute/", {"version": case.version, "reason": ""})
    assert response.status_code == 400
    assert "此為必需欄位" in response.content.decode()
    assert Case.objects.get(pk=case.pk).version == case.version


def test_revealing_the_petitioner_needs_a_reason_and_is_audited(client, officer):
    case = _case()
    client.force_login(officer)
    refused = client.post(f"/console/cases/{case.number}/reveal/", {"reason": ""})
    assert refused.status_code == 400
    assert "王小明" not in refused.content.decode()
    shown = client.post(f"/console/cases/{case.number}/reveal/", {"reason": "電話聯繫補正"})
    assert "王小明" in shown.content.decode()
    assert shown.headers["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="read_personal", target_id=str(case.pk)).exists()
    assert "王小明" not in client.get(f"/console/cases/{case.number}/").content.decode()


def test_the_liaison_decides_an_extension_on_the_review_page(client, officer, liaison):
    case = _case()
    case = case_accept(case=case, user=officer, expected_version=case.version)
    extension = case_extension_request(case=case, user=officer, working_days=5, reason="需會勘")
    client.force_login(liaison)
    inbox = client.get("/console/cases/").content.decode()
    assert "待您核定的展期申請" in inbox
    page = client.get("/console/extensions/").content.decode()
    assert case.number in page
    response = client.post(
        f"/console/extensions/{extension.pk}/decide/",
        {"extension": extension.pk, "decision": "approve", "note": "同意"},
    )
    assert response.status_code == 302
    extension.refresh_from_db()
    assert extension.decision == Extension.Decision.APPROVED


def test_the_auditor_reads_the_case_but_gets_no_action_and_no_reveal(client, auditor):
    case = _case()
    client.force_login(auditor)
    html = client.get(f"/console/cases/{case.number}/").content.decode()
    assert case.subject in html
    assert "您可以檢視本案，但不能處理或變更。" in html
    assert "查看陳情人完整資料" not in html


@pytest.mark.parametrize("action", ["accept", "reroute", "close"])
def test_the_auditor_changes_nothing(client, auditor, action):
    case = _case()
    client.force_login(auditor)
    response = client.post(
        f"/console/cases/{case.number}/{action}/",
        {"version": case.version, "to_agency": ENVIRONMENT, "reason": "x"},
    )
    assert response.status_code in (400, 403)
    assert Case.objects.get(pk=case.pk).version == case.version


def test_the_inbox_marks_likely_duplicates_after_it_shows_and_only_in_scope(
    client, officer, officer_of_other_agency
):
    # given the same petitioner filing the same pothole twice
    first = _case()
    again = _case(subject="坑洞還沒補")
    client.force_login(officer)
    # when the inbox shows, it asks for the marks of its rows
    inbox = client.get("/console/cases/").content.decode()
    assert "/console/cases/duplicate-marks/?" in inbox
    assert f'id="dup-{first.number}"' in inbox
    marks = client.get("/console/cases/duplicate-marks/", {"number": [first.number, again.number]})
    html = marks.content.decode()
    # then both rows get a mark that leads to the case page's duplicates
    assert html.count("可能重複 1 件") == 2
    assert f'id="dup-{again.number}" hx-swap-oob="true"' in html
    # and another agency's officer learns nothing of them
    client.force_login(officer_of_other_agency)
    other = client.get("/console/cases/duplicate-marks/", {"number": [first.number, again.number]})
    assert "可能重複" not in other.content.decode()


def test_the_officer_hands_a_bullying_petition_over_from_the_case_page(client, officer):
    from yankao.bullying.models import BullyingReport

    case = _case(subject="孩子在學校被霸凌")
    client.force_login(officer)
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert "移轉校園霸凌調查" in page
    url = f"/console/cases/{case.number}/transfer_bullying/"
    # without the confirmation nothing moves
    refused = client.post(url, {"version": case.version})
    assert refused.status_code == 400
    assert "請勾選確認後再移轉" in refused.content.decode()
    # with it, the bullying module has the report and the desk keeps only the reference
    response = client.post(url, {"version": case.version, "confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    report = BullyingReport.objects.get(transferred_from=case.number)
    assert case.transferred_reference == report.number
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert report.number in page
    assert "孩子在學校被霸凌" not in page
