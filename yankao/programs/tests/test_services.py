from datetime import date
from decimal import Decimal

import pytest

from yankao.core.exceptions import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from yankao.programs.models import (
    Light,
    MilestoneStatus,
    MonthlyReport,
    Program,
    ProgressMethod,
    ReportState,
    RiskLevel,
)
from yankao.programs.selectors import (
    dashboard_build_cached,
    exceptions_list,
    program_get_for,
    program_rollup,
    programs_overdue,
    programs_visible,
)
from yankao.programs.services import (
    MilestoneSpec,
    ReportFigures,
    ReportInvalidError,
    report_accept,
    report_due_on,
    report_return,
    report_save,
    risk_ratings_compute,
)
from yankao.programs.tests.factories import ENVIRONMENT, program_make

TODAY = date(2024, 4, 3)
MARCH = date(2024, 3, 1)


def behind_figures(**kwargs: object) -> ReportFigures:
    values: dict[str, object] = {
        "planned_progress": Decimal("60"),
        "actual_progress": Decimal("45"),
        "budget_allocated": 10_000_000,
        "budget_executed": 9_000_000,
    }
    values.update(kwargs)
    return ReportFigures(**values)  # type: ignore[arg-type]


def test_a_report_is_due_seven_days_after_month_end_moved_past_holidays(db: None) -> None:
    assert report_due_on(period=date(2024, 2, 1)) == date(2024, 3, 7)
    # 2024-04-07 is a Sunday after the Children's Day and Tomb Sweeping holidays (§48 III).
    assert report_due_on(period=MARCH) == date(2024, 4, 8)


def test_a_report_behind_schedule_cannot_be_submitted_without_reason_and_remedy(officer) -> None:
    program = program_make()
    with pytest.raises(ReportInvalidError) as caught:
        report_save(
            program=program, period=MARCH, figures=behind_figures(), user=officer, submit=True, today=TODAY
        )
    assert set(caught.value.errors) == {"delay_reason", "remedy"}
    assert "落後預定進度 15" in caught.value.errors["delay_reason"]
    assert not MonthlyReport.objects.filter(program=program).exists()

    report = report_save(
        program=program,
        period=MARCH,
        figures=behind_figures(delay_reason="用地取得延宕", remedy="協調地主加速點交"),
        user=officer,
        submit=True,
        today=TODAY,
    )
    program.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    assert report.light == Light.RED
    assert program.light == Light.RED
    assert report.execution_rate == Decimal("90.00")


def test_low_execution_alone_needs_a_reason_and_lights_yellow(officer) -> None:
    program = program_make()
    figures = behind_figures(actual_progress=Decimal("60"), budget_executed=7_000_000)
    with pytest.raises(ReportInvalidError) as caught:
        report_save(program=program, period=MARCH, figures=figures, user=officer, submit=True, today=TODAY)
    assert "預算執行率 70% 未達 80%" in caught.value.errors["delay_reason"]
    figures.delay_reason, figures.remedy = "廠商請款延後", "督促廠商儘速請款"
    assert (
        report_save(
            program=program, period=MARCH, figures=figures, user=officer, submit=True, today=TODAY
        ).light
        == Light.YELLOW
    )


def test_returned_report_corrected_by_the_agency_changes_the_light(officer, rdec_staff) -> None:
    program = program_make()
    report = report_save(
        program=program, period=MARCH, figures=behind_figures(delay_reason="a", remedy="b"),
        user=officer, submit=True, today=TODAY,
    )  # fmt: skip
    with pytest.raises(ReportInvalidError):
        report_return(report=report, user=rdec_staff, comment=" ")
    returned = report_return(
        report=report,
        user=rdec_staff,
        comment="實際進度與估驗計價不符，請查明",
        expected_version=report.version,
    )
    assert returned.state == ReportState.RETURNED
    corrected = report_save(
        program=program, period=MARCH, figures=behind_figures(actual_progress=Decimal("59")),
        user=officer, submit=True, expected_version=returned.version, today=TODAY,
    )  # fmt: skip
    program.refresh_from_db()
    assert corrected.light == Light.GREEN
    assert program.light == Light.GREEN
    accepted = report_accept(report=corrected, user=rdec_staff)
    assert accepted.state == ReportState.ACCEPTED
    assert [e.action for e in accepted.events.order_by("id")] == ["submit", "return", "submit", "accept"]
    assert accepted.history.count() >= 4
    with pytest.raises(ApplicationError):
        report_save(program=program, period=MARCH, figures=behind_figures(), user=officer, today=TODAY)


def test_a_stale_version_is_refused_and_nothing_is_lost(officer) -> None:
    program = program_make()
    first = report_save(program=program, period=MARCH, figures=behind_figures(), user=officer, today=TODAY)
    report_save(program=program, period=MARCH, figures=behind_figures(actual_progress=Decimal("50")), user=officer,
                expected_version=first.version, today=TODAY)  # fmt: skip
    with pytest.raises(ConflictError):
        report_save(program=program, period=MARCH, figures=behind_figures(actual_progress=Decimal("1")), user=officer,
                    expected_version=first.version, today=TODAY)  # fmt: skip
    assert MonthlyReport.objects.get(program=program).actual_progress == Decimal("50")


def test_only_rdec_reviews_and_only_the_owner_files(officer, officer_of_other_agency) -> None:
    program = program_make()
    with pytest.raises(PermissionDeniedError):
        report_save(
            program=program, period=MARCH, figures=behind_figures(), user=officer_of_other_agency, today=TODAY
        )
    report = report_save(program=program, period=MARCH, figures=behind_figures(delay_reason="a", remedy="b"),
                         user=officer, submit=True, today=TODAY)  # fmt: skip
    with pytest.raises(PermissionDeniedError):
        report_accept(report=report, user=officer)
    with pytest.raises(NotFoundError):
        program_get_for(user=officer_of_other_agency, pk=program.pk)
    assert not programs_visible(user=officer_of_other_agency).filter(pk=program.pk).exists()


def test_future_months_and_months_outside_the_program_are_refused(officer) -> None:
    program = program_make(starts_on=date(2024, 2, 1))
    with pytest.raises(ApplicationError, match="尚未開始"):
        report_save(
            program=program, period=date(2024, 5, 1), figures=behind_figures(), user=officer, today=TODAY
        )
    with pytest.raises(ApplicationError, match="不在計畫期間"):
        report_save(
            program=program, period=date(2024, 1, 1), figures=behind_figures(), user=officer, today=TODAY
        )


def test_milestone_weighted_progress_is_computed_not_entered(officer) -> None:
    program = program_make(
        method=ProgressMethod.MILESTONE,
        milestones=[
            MilestoneSpec(name="決標", planned_on=date(2024, 2, 15), weight=Decimal(30)),
            MilestoneSpec(name="主體完成", planned_on=date(2024, 3, 20), weight=Decimal(30)),
            MilestoneSpec(name="驗收", planned_on=date(2024, 9, 30), weight=Decimal(40)),
        ],
    )
    first, second, _third = program.milestones.order_by("sequence")
    figures = behind_figures(
        planned_progress=Decimal("99"), actual_progress=Decimal("99"),
        milestones={first.pk: (MilestoneStatus.DONE, date(2024, 2, 10)), second.pk: (MilestoneStatus.NOT_DUE, None)},
        delay_reason="第二查核點延誤", remedy="增派人力",
    )  # fmt: skip
    report = report_save(
        program=program, period=MARCH, figures=figures, user=officer, submit=True, today=TODAY
    )
    assert (report.planned_progress, report.actual_progress) == (Decimal("60"), Decimal("30"))
    statuses = dict(report.milestone_lines.values_list("milestone_id", "status"))
    assert statuses[second.pk] == MilestoneStatus.BEHIND  # past its date and not done
    assert report.light == Light.RED


def test_overdue_and_exception_lists_follow_the_reports(officer, officer_of_other_agency, rdec_staff) -> None:
    late = program_make()
    filed = program_make()
    report_save(program=filed, period=MARCH, figures=behind_figures(delay_reason="a", remedy="b"),
                user=officer, submit=True, today=TODAY)  # fmt: skip
    after_due = date(2024, 4, 8)
    overdue = set(programs_overdue(queryset=programs_visible(user=officer), today=after_due))
    assert late in overdue
    assert filed not in overdue
    rows = {row.code: row for row in exceptions_list(user=rdec_staff, today=after_due)}
    assert "overdue" in [kind for kind, _ in rows[late.code].issues]
    assert {kind for kind, _ in rows[filed.code].issues} == {"red", "awaiting_review"}
    agency_rows = {row.code for row in exceptions_list(user=officer, today=after_due)}
    assert late.code in agency_rows
    assert all(
        kind != "awaiting_review"
        for row in exceptions_list(user=officer, today=after_due)
        for kind, _ in row.issues
    )
    assert not exceptions_list(user=officer_of_other_agency, today=after_due)
    other = program_make(agency_code=ENVIRONMENT)
    assert {row.code for row in exceptions_list(user=officer_of_other_agency, today=after_due)} == {
        other.code
    }


def test_quarterly_risk_is_high_with_two_red_months(officer) -> None:
    risky = program_make()
    calm = program_make()
    for month in (1, 2, 3):
        period = date(2024, month, 1)
        report_save(program=risky, period=period, figures=behind_figures(delay_reason="a", remedy="b"),
                    user=officer, submit=True, today=TODAY)  # fmt: skip
        report_save(program=calm, period=period, figures=behind_figures(actual_progress=Decimal("60")),
                    user=officer, submit=True, today=TODAY)  # fmt: skip
    counts = risk_ratings_compute(quarter=date(2024, 1, 1), today=TODAY)
    assert counts[RiskLevel.HIGH] == 1
    rating = risky.risk_ratings.get()
    assert rating.level == RiskLevel.HIGH
    assert "當季紅燈 3 個月" in rating.reasons
    assert calm.risk_ratings.get().level == RiskLevel.LOW


def test_sub_projects_roll_up_into_the_parent_by_budget(officer) -> None:
    parent = program_make(name="前瞻基礎建設—水環境建設")
    big = program_make(parent=parent, total_budget=300)
    small = program_make(parent=parent, total_budget=100)
    program_make(parent=parent)  # not reported yet
    for program, actual in ((big, "40"), (small, "80")):
        report_save(program=program, period=MARCH, user=officer, submit=True, today=TODAY,
                    figures=behind_figures(planned_progress=Decimal("60"), actual_progress=Decimal(actual),
                                           delay_reason="a", remedy="b"))  # fmt: skip
    rollup = program_rollup(program=parent)
    assert rollup is not None
    assert (rollup.children, rollup.reporting) == (3, 2)
    assert rollup.actual == Decimal("50.00")  # (300 × 40 + 100 × 80) ÷ 400
    assert rollup.lights[Light.RED] == 1
    assert program_rollup(program=big) is None


def test_a_cached_dashboard_follows_the_next_write(
    officer, rdec_staff, django_capture_on_commit_callbacks
) -> None:
    program = program_make()
    before = dashboard_build_cached(user=rdec_staff, today=TODAY)
    assert before.lights[Light.NONE] == 1
    with django_capture_on_commit_callbacks(execute=True):
        report_save(program=program, period=MARCH, figures=behind_figures(delay_reason="a", remedy="b"),
                    user=officer, submit=True, today=TODAY)  # fmt: skip
    after = dashboard_build_cached(user=rdec_staff, today=TODAY)
    assert after.lights[Light.RED] == 1
    assert after.awaiting_review == 1
    with django_capture_on_commit_callbacks(execute=True):
        report_return(report=MonthlyReport.objects.get(), user=rdec_staff, comment="請查明")
    returned = dashboard_build_cached(user=rdec_staff, today=TODAY)
    assert (returned.awaiting_review, returned.returned) == (0, 1)


def test_released_programs_leave_the_exception_list_and_undue_months_are_not_missing(
    officer, rdec_staff
) -> None:
    released = program_make(controlled_until=date(2024, 3, 1))
    running = program_make()
    codes = {row.code for row in exceptions_list(user=rdec_staff, today=date(2024, 4, 9))}
    assert running.code in codes
    assert released.code not in codes
    for month in (1, 2):
        report_save(program=running, period=date(2024, month, 1), user=officer, submit=True, today=TODAY,
                    figures=behind_figures(actual_progress=Decimal("60")))  # fmt: skip
    risk_ratings_compute(quarter=date(2024, 1, 1), today=TODAY)  # March is not due before 2024-04-08
    assert running.risk_ratings.get().level == RiskLevel.LOW


def test_a_program_is_refused_whole_when_milestones_fall_outside_it_or_weights_do_not_add_up(
    rdec_staff, officer
) -> None:
    with pytest.raises(PermissionDeniedError):
        program_make(user=officer)
    with pytest.raises(ReportInvalidError) as caught:
        program_make(
            code="X1", method=ProgressMethod.MILESTONE, user=rdec_staff,
            milestones=[MilestoneSpec(name="開工", planned_on=date(2030, 1, 1), weight=Decimal(50))],
        )  # fmt: skip
    assert caught.value.errors["milestones"] == (
        "查核點「開工」的預定完成日不在計畫期間內。以查核點權重計算進度時，權重合計須為 100（目前 50）。"
    )
    assert not Program.objects.filter(code="X1").exists()


def test_the_submitter_is_told_when_a_report_is_returned(
    officer, rdec_staff, django_capture_on_commit_callbacks
) -> None:
    from django.core import mail

    officer.email = "officer@example.kcg.gov.tw"
    officer.save()
    program = program_make(name="岡山區排水改善工程")
    report = report_save(program=program, period=MARCH, figures=behind_figures(delay_reason="a", remedy="b"),
                         user=officer, submit=True, today=TODAY)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        report_return(report=report, user=rdec_staff, comment="請補充用地取得期程")
    message = mail.outbox[-1]
    assert message.to == ["officer@example.kcg.gov.tw"]
    assert "岡山區排水改善工程」113年3月月報" in message.body
    assert "請補充用地取得期程" in message.body
