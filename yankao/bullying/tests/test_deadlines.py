"""Every clock of a report, across holidays and make-up working days, and the 2024-04-19 rule change.

Expected dates are worked out by hand from the Taiwan calendar (2023: Dragon Boat 06-22 with the
bridge day 06-23, made up on Saturday 06-17; 2024: Dragon Boat Monday 06-10, National Day 10-10).
"""

from datetime import date

import pytest

from yankao.bullying.models import Method, Outcome
from yankao.bullying.services import (
    bullying_appeal_file,
    bullying_first_meeting_record,
    bullying_investigation_extend,
    bullying_outcome_record,
    bullying_rule,
    bullying_screening_decide,
    bullying_team_form,
)
from yankao.bullying.tests.conftest import taipei
from yankao.core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db


def test_the_authority_report_is_due_24_hours_after_receipt_even_over_a_holiday(file_report):
    report = file_report(received_at=taipei(2024, 6, 9, 15, 30))  # Sunday before Dragon Boat
    assert report.authority_report_due_at == taipei(2024, 6, 10, 15, 30)


def test_the_2024_acceptance_notice_counts_20_working_days_skipping_dragon_boat(file_report):
    report = file_report(received_at=taipei(2024, 5, 27, 9, 0))
    assert report.acceptance_notice_due_on == date(2024, 6, 25)


def test_the_2023_acceptance_notice_counted_20_calendar_days_and_rolls_off_a_holiday(file_report):
    # 2023-06-02 + 20 days = 06-22, Dragon Boat; 06-23 bridge day; weekend → Monday 06-26.
    report = file_report(received_at=taipei(2023, 6, 2, 9, 0))
    assert report.acceptance_notice_due_on == date(2023, 6, 26)


def test_the_rule_change_turns_on_the_day_of_receipt(file_report):
    before = file_report(received_at=taipei(2024, 4, 18, 17, 0))
    after = file_report(received_at=taipei(2024, 4, 19, 9, 0))
    assert bullying_rule(key="bullying.acceptance_notice", report=before).unit == "calendar_days"
    assert bullying_rule(key="bullying.acceptance_notice", report=after).unit == "working_days"
    assert before.acceptance_notice_due_on == date(2024, 5, 8)  # 04-18 + 20 days
    assert after.acceptance_notice_due_on == date(2024, 5, 17)  # 20 working days


def test_the_old_team_clock_counts_a_make_up_saturday_as_a_working_day(file_report, investigator):
    report = file_report(received_at=taipei(2023, 6, 12, 9, 0))
    report = bullying_screening_decide(
        report=report, user=investigator, accept=True, decided_on=date(2023, 6, 15)
    )
    # 3 working days (old rule) after Thu 06-15: Fri 06-16, make-up Sat 06-17, Mon 06-19.
    assert report.team_due_on == date(2023, 6, 19)


def test_the_new_team_clock_is_5_working_days_from_the_decision(file_report, investigator):
    report = file_report(received_at=taipei(2024, 6, 3, 9, 0))
    report = bullying_screening_decide(
        report=report, user=investigator, accept=True, decided_on=date(2024, 6, 6)
    )
    # Fri 06-07, (Mon 06-10 Dragon Boat), 06-11, 06-12, 06-13, 06-14.
    assert report.team_due_on == date(2024, 6, 14)


def _investigating(file_report, investigator, *, received, decided, formed, met):
    report = file_report(received_at=received)
    report = bullying_screening_decide(report=report, user=investigator, accept=True, decided_on=decided)
    report = bullying_team_form(
        report=report, user=investigator, formed_on=formed, method=Method.INVESTIGATION
    )
    return bullying_first_meeting_record(report=report, user=investigator, met_on=met)


def test_investigation_two_months_then_two_extensions_of_a_month_and_no_third(file_report, investigator):
    report = _investigating(
        file_report,
        investigator,
        received=taipei(2024, 6, 3, 9, 0),
        decided=date(2024, 6, 6),
        formed=date(2024, 6, 7),
        met=date(2024, 8, 10),
    )
    # 2 months from Sat 08-10: ends 10-10, National Day → Fri 10-11.
    assert report.investigation_due_on == date(2024, 10, 11)
    first = bullying_investigation_extend(
        report=report,
        user=investigator,
        months=1,
        reason="需再訪談證人",
        decided_on=date(2024, 10, 1),
        notice_sent_on=date(2024, 10, 2),
    )
    # A month from 10-11: ends Mon 11-11.
    assert (first.previous_due_on, first.new_due_on) == (date(2024, 10, 11), date(2024, 11, 11))
    report.refresh_from_db()
    second = bullying_investigation_extend(
        report=report,
        user=investigator,
        months=1,
        reason="等待鑑定結果",
        decided_on=date(2024, 11, 1),
        notice_sent_on=date(2024, 11, 1),
    )
    # A month from 11-11: ends Wed 12-11.
    assert second.new_due_on == date(2024, 12, 11)
    report.refresh_from_db()
    assert report.investigation_due_on == date(2024, 12, 11)
    with pytest.raises(ApplicationError, match="至多延長2次"):
        bullying_investigation_extend(
            report=report,
            user=investigator,
            months=1,
            reason="再延",
            decided_on=date(2024, 12, 2),
            notice_sent_on=date(2024, 12, 2),
        )


def test_an_extension_longer_than_a_month_or_after_the_deadline_is_refused(file_report, investigator):
    report = _investigating(
        file_report,
        investigator,
        received=taipei(2024, 6, 3, 9, 0),
        decided=date(2024, 6, 6),
        formed=date(2024, 6, 7),
        met=date(2024, 6, 12),
    )
    with pytest.raises(ApplicationError, match="不得逾1個月"):
        bullying_investigation_extend(
            report=report,
            user=investigator,
            months=2,
            reason="案情複雜",
            decided_on=date(2024, 7, 1),
            notice_sent_on=date(2024, 7, 1),
        )
    with pytest.raises(ApplicationError, match="延長應於期限內決定"):
        bullying_investigation_extend(
            report=report,
            user=investigator,
            months=1,
            reason="案情複雜",
            decided_on=date(2024, 9, 2),
            notice_sent_on=date(2024, 9, 2),
        )
    report.refresh_from_db()
    assert report.extensions_count == 0


def test_a_case_under_investigation_on_2024_04_19_finishes_its_phase_under_the_old_rules(
    file_report, investigator
):
    report = _investigating(
        file_report,
        investigator,
        received=taipei(2024, 3, 1, 9, 0),
        decided=date(2024, 3, 5),
        formed=date(2024, 3, 6),
        met=date(2024, 3, 12),
    )
    # Received and decided before the change: 20 calendar days' notice, the old 3-working-day team clock.
    assert report.acceptance_notice_due_on == date(2024, 3, 21)
    assert report.team_due_on == date(2024, 3, 8)
    # The investigation phase began before 04-19: its extension rules are the old versions.
    rule = bullying_rule(
        key="bullying.investigation_extension_count", report=report, phase_start=report.first_meeting_on
    )
    assert rule.effective_from == date(2020, 7, 21)
    bullying_investigation_extend(
        report=report,
        user=investigator,
        months=1,
        reason="跨越修正施行日",
        decided_on=date(2024, 5, 2),
        notice_sent_on=date(2024, 5, 3),
    )
    report.refresh_from_db()
    # The decision after the change follows the new procedure: 30 days to appeal, not 20.
    report = bullying_outcome_record(
        report=report,
        user=investigator,
        outcome=Outcome.NOT_ESTABLISHED,
        decided_on=date(2024, 6, 3),
        notified_on=date(2024, 6, 5),
    )
    assert report.appeal_due_on == date(2024, 7, 5)


def test_a_2023_decision_keeps_the_old_20_day_appeal_period(file_report, investigator):
    report = _investigating(
        file_report,
        investigator,
        received=taipei(2023, 3, 1, 9, 0),
        decided=date(2023, 3, 6),
        formed=date(2023, 3, 7),
        met=date(2023, 3, 10),
    )
    report = bullying_outcome_record(
        report=report,
        user=investigator,
        outcome=Outcome.ESTABLISHED,
        decided_on=date(2023, 5, 2),
        notified_on=date(2023, 5, 4),
        follow_up="輔導室每週晤談",
    )
    assert report.appeal_due_on == date(2023, 5, 24)
    with pytest.raises(ApplicationError, match="已逾期"):
        bullying_appeal_file(report=report, user=investigator, filed_on=date(2023, 5, 25))
