"""The programs pages: filing, review, another agency's programs, the workbook both ways, exports."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from yankao.programs.models import Light, MonthlyReport, ReportState
from yankao.programs.periods import month_add, month_first
from yankao.programs.tests.factories import ENVIRONMENT, program_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(officer):
    return program_make(starts_on=date(2025, 1, 1), ends_on=date(2028, 12, 31), controlled_from=date(2025, 1, 1),
                        name="高雄市鳳山溪污水截流改善工程")  # fmt: skip


def last_month() -> date:
    return month_add(month_first(date.today()), -1)


def edit_url(program) -> str:
    return f"/console/programs/{program.pk}/reports/{last_month():%Y-%m}/"


BEHIND = {
    "planned_progress": "60",
    "actual_progress": "45",
    "budget_allocated": "1000000",
    "budget_executed": "900000",
}


def test_officer_files_a_late_month_only_with_a_reason_then_rdec_returns_and_the_fix_turns_green(
    client, officer, rdec_staff, program
):
    client.force_login(officer)
    page = client.get(f"/console/programs/{program.pk}/")
    assert page.status_code == 200
    assert edit_url(program) in page.content.decode()
    refused = client.post(edit_url(program), {**BEHIND, "submit": "1"})
    assert refused.status_code == 400
    assert "請填寫落後原因" in refused.content.decode()
    assert not MonthlyReport.objects.exists()
    sent = client.post(
        edit_url(program), {**BEHIND, "delay_reason": "管線遷移延宕", "remedy": "協調台電", "submit": "1"}
    )
    report = MonthlyReport.objects.get()
    assert sent.status_code == 302
    assert report.light == Light.RED
    assert report.state == ReportState.SUBMITTED

    client.force_login(rdec_staff)
    assert report.program.code in client.get("/console/programs/reviews/").content.decode()
    empty = client.post(
        f"/console/programs/reports/{report.pk}/review/", {"version": report.version, "decision": "return"}
    )
    assert "退回修正須填寫審查意見" in empty.content.decode()
    client.post(
        f"/console/programs/reports/{report.pk}/review/",
        {"version": report.version, "decision": "return", "comment": "實際進度與估驗不符"},
    )
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED

    client.force_login(officer)
    form = client.get(edit_url(program)).content.decode()
    assert "實際進度與估驗不符" in form
    client.post(
        edit_url(program), {**BEHIND, "actual_progress": "59", "version": report.version, "submit": "1"}
    )
    report.refresh_from_db()
    program.refresh_from_db()
    assert (report.state, report.light, program.light) == (ReportState.SUBMITTED, Light.GREEN, Light.GREEN)
    history = client.get(f"/console/programs/reports/{report.pk}/").content.decode()
    assert history.count("<td>送出</td>") == 2
    assert "<td>退回修正</td>" in history


def test_another_agency_cannot_see_or_file_the_program_or_its_reports(
    client, officer, officer_of_other_agency, program
):
    client.force_login(officer)
    client.post(edit_url(program), {**BEHIND, "delay_reason": "a", "remedy": "b", "submit": "1"})
    report = MonthlyReport.objects.get()
    client.force_login(officer_of_other_agency)
    assert client.get(f"/console/programs/{program.pk}/").status_code == 404
    assert client.get(f"/console/programs/reports/{report.pk}/").status_code == 404
    assert (
        client.post(edit_url(program), {**BEHIND, "actual_progress": "1", "submit": "1"}).status_code == 404
    )
    assert (
        client.post(
            f"/console/programs/reports/{report.pk}/review/", {"version": 1, "decision": "accept"}
        ).status_code
        == 404
    )
    listing = client.get("/console/programs/list/").content.decode()
    assert program.name not in listing
    dashboard = client.get("/console/programs/").content.decode()
    assert program.name not in dashboard
    report.refresh_from_db()
    assert report.actual_progress == 45


def test_the_officer_cannot_review(client, officer, program):
    client.force_login(officer)
    client.post(edit_url(program), {**BEHIND, "delay_reason": "a", "remedy": "b", "submit": "1"})
    report = MonthlyReport.objects.get()
    assert client.get("/console/programs/reviews/").status_code == 403
    assert (
        client.post(
            f"/console/programs/reports/{report.pk}/review/", {"version": 1, "decision": "accept"}
        ).status_code
        == 403
    )


def test_rdec_dashboard_and_exceptions_show_every_agency_and_export_to_excel(client, rdec_staff, program):
    other = program_make(agency_code=ENVIRONMENT, starts_on=date(2025, 1, 1), ends_on=date(2028, 12, 31))
    client.force_login(rdec_staff)
    html = client.get("/console/programs/").content.decode()
    assert "計畫列管儀表板：全市" in html
    assert "工務局" in html
    assert "環保局" in html
    assert "上月預算執行率（依計畫類型）" in html
    assert '<span class="overdue-mark">逾期</span>' in client.get("/console/programs/list/").content.decode()
    exceptions = client.get("/console/programs/exceptions/").content.decode()
    assert program.code in exceptions  # both overdue for last month
    assert other.code in exceptions
    data = client.get("/console/programs/exceptions/", {"format": "xlsx"}).content
    sheet = load_workbook(io.BytesIO(data)).worksheets[1]
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == {program.code, other.code}
    listing = client.get("/console/programs/list/", {"q": "鳳山溪", "format": "xlsx"}).content
    rows = list(load_workbook(io.BytesIO(listing)).worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [program.code]


def test_workbook_template_round_trip_and_a_bad_file_changes_nothing(client, officer, program):
    client.force_login(officer)
    month = last_month()
    template = client.get("/console/programs/workbook/", {"month": f"{month.year - 1911}/{month.month:02d}"})
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.worksheets[1]
    assert sheet.cell(row=2, column=1).value == program.code
    for column, value in ((4, 50), (5, 20), (6, 100), (7, 100)):
        sheet.cell(row=2, column=column).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "march.xlsx"
    rejected = client.post("/console/programs/workbook/", {"file": buffer})
    assert rejected.status_code == 400
    assert "第 2 列「落後原因」欄" in rejected.content.decode()
    assert not MonthlyReport.objects.exists()
    sheet.cell(row=2, column=9).value = "發包流標"
    sheet.cell(row=2, column=10).value = "重新招標"
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "march.xlsx"
    accepted = client.post("/console/programs/workbook/", {"file": buffer})
    assert accepted.status_code == 302
    assert MonthlyReport.objects.get().light == Light.RED


def test_rdec_staff_put_a_program_under_control_with_milestones_and_officers_cannot(
    client, officer, rdec_staff
):
    from yankao.programs.models import Program, ProgramType

    data = {
        "code": "F1150001", "name": "楠梓區污水下水道用戶接管工程（第3標）",
        "program_type": ProgramType.objects.get(code="forward_looking").pk, "control_level": "ministry",
        "agency": officer.agency_id, "starts_on": "114/01/01", "ends_on": "2026-12-31",
        "progress_method": "milestone", "total_budget": "120000000",
        "milestone-TOTAL_FORMS": "6", "milestone-INITIAL_FORMS": "0",
        "milestone-0-name": "決標及開工", "milestone-0-planned_on": "114/03/31", "milestone-0-weight": "30",
        "milestone-1-name": "完工驗收", "milestone-1-planned_on": "115/12/15", "milestone-1-weight": "60",
        "budget-TOTAL_FORMS": "4", "budget-INITIAL_FORMS": "0",
        "budget-0-year": "114", "budget-0-source": "central", "budget-0-amount": "84000000",
    }  # fmt: skip
    client.force_login(officer)
    assert client.get("/console/programs/new/").status_code == 403
    client.force_login(rdec_staff)
    refused = client.post("/console/programs/new/", data)
    assert "權重合計須為 100（目前 90）" in refused.content.decode()
    assert not Program.objects.filter(code="F1150001").exists()
    created = client.post("/console/programs/new/", {**data, "milestone-1-weight": "70"})
    assert created.status_code == 302
    program = Program.objects.get(code="F1150001")
    assert [m.name for m in program.milestones.all()] == ["決標及開工", "完工驗收"]
    assert program.budgets.get().year == 2025
    assert program.starts_on == date(2025, 1, 1)


def test_the_owner_chooses_the_progress_method_until_the_first_report_is_filed(
    client, officer, officer_of_other_agency, program
):
    url = f"/console/programs/{program.pk}/progress-method/"
    # another agency cannot touch it
    client.force_login(officer_of_other_agency)
    assert client.post(url, {"method": "budget", "version": program.version}).status_code == 404
    # the owning agency picks the budget-weighted method on the program page
    client.force_login(officer)
    assert 'name="method"' in client.get(f"/console/programs/{program.pk}/").content.decode()
    client.post(url, {"method": "budget", "version": program.version})
    program.refresh_from_db()
    assert program.progress_method == "budget"
    # once a month is filed the method is fixed, and the page says why a change is refused
    client.post(
        edit_url(program), {**BEHIND, "delay_reason": "管線遷移延宕", "remedy": "協調台電", "submit": "1"}
    )
    assert 'name="method"' not in client.get(f"/console/programs/{program.pk}/").content.decode()
    program.refresh_from_db()
    response = client.post(url, {"method": "entered", "version": program.version}, follow=True)
    assert "進度計算方式不能再變更" in response.content.decode()
    program.refresh_from_db()
    assert program.progress_method == "budget"


def test_rdec_staff_correct_a_program_and_its_milestones_and_a_stale_form_changes_nothing(
    client, officer, rdec_staff, liaison, program
):
    from yankao.core.models import AuditEntry
    from yankao.programs.tests.factories import milestone_make

    milestone = milestone_make(
        program=program, sequence=1, planned_on=date(2026, 6, 30), weight="40", name="細部設計"
    )
    url = f"/console/programs/{program.pk}/edit/"
    # an officer of the owning agency may not correct the program
    client.force_login(officer)
    assert client.get(url).status_code == 403
    client.force_login(rdec_staff)
    assert "修改計畫與查核點" in client.get(f"/console/programs/{program.pk}/").content.decode()
    form = {
        "version": program.version,
        "name": "高雄市鳳山溪污水截流改善工程（第二期）",
        "control_level": program.control_level,
        "ends_on": "117/12/31",
        "controlled_until": "",
        "description": "",
        "milestone-TOTAL_FORMS": "2",
        "milestone-INITIAL_FORMS": "1",
        "milestone-0-id": milestone.pk,
        "milestone-0-name": "細部設計",
        "milestone-0-planned_on": "115/09/30",
        "milestone-0-weight": "40",
        "milestone-1-id": "",
        "milestone-1-name": "管線施工",
        "milestone-1-planned_on": "116/06/30",
        "milestone-1-weight": "60",
    }
    # a milestone outside the program's period is refused whole, in Chinese
    bad = client.post(url, {**form, "milestone-1-planned_on": "120/01/01"})
    assert bad.status_code == 400
    assert "不在計畫期間內" in bad.content.decode()
    program.refresh_from_db()
    assert program.milestones.count() == 1
    # the correction is saved, the milestone moved, a new one added, and the audit trail names them
    assert client.post(url, form).status_code == 302
    program.refresh_from_db()
    milestone.refresh_from_db()
    assert program.name.endswith("（第二期）")
    assert milestone.planned_on == date(2026, 9, 30)
    assert [m.name for m in program.milestones.order_by("sequence")] == ["細部設計", "管線施工"]
    entry = AuditEntry.objects.filter(target_type="programs.program", action="update").latest("id")
    assert {"name", "milestones"} <= set(entry.fields)
    # a second form opened before that save is refused and changes nothing
    stale = client.post(url, {**form, "name": "別的名稱"})
    assert stale.status_code == 409
    assert "已被他人修改" in stale.content.decode()
    program.refresh_from_db()
    assert program.name.endswith("（第二期）")
