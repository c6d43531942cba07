"""The public form's anti-abuse checks: honeypot, minimum fill time, the signed text question."""

import time
from datetime import date

import pytest
import time_machine

from yankao.servicedesk.antiabuse import (
    SubmissionRefusedError,
    challenge_answer_parse,
    form_token_issue,
    form_token_question,
    form_token_redraw,
    form_token_verify,
    rate_limit_count,
    rate_limit_reached,
)
from yankao.testing.petitions import challenge_solve

TODAY = date(2026, 3, 2)


def _aged(seconds: float = 60.0):
    """A token drawn `seconds` ago (the minimum fill time has passed)."""
    return form_token_issue(issued_at=time.time() - seconds)


def test_a_correct_answer_after_the_minimum_time_returns_the_idempotency_key(db, seeded):
    token = _aged()
    key = form_token_verify(token=token.token, answer=challenge_solve(token.question), honeypot="", on=TODAY)
    assert key == token.idempotency_key


def test_the_question_is_chinese_words_that_a_screen_reader_reads(db, seeded):
    token = form_token_issue()
    assert token.question.startswith("請問")
    assert token.question.endswith("等於多少？")
    assert not any(ch.isdigit() for ch in token.question)
    assert form_token_question(token=token.token) == token.question


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("7", 7),
        ("７", 7),
        (" 七 ", 7),
        ("十二", 12),
        ("十", 10),
        ("0", 0),
        ("零", 0),
        ("七七", None),
        ("seven", None),
        ("", None),
    ],
)
def test_answers_may_be_digits_full_width_digits_or_chinese_numerals(typed, value):
    assert challenge_answer_parse(typed) == value


def test_a_filled_honeypot_is_refused(db, seeded):
    token = _aged()
    with pytest.raises(SubmissionRefusedError) as refused:
        form_token_verify(
            token=token.token, answer=challenge_solve(token.question), honeypot="http://spam", on=TODAY
        )
    assert refused.value.code == "honeypot"
    assert "不應填寫的欄位" in refused.value.message


def test_a_submission_faster_than_the_minimum_fill_time_is_refused(db, seeded):
    token = form_token_issue()
    with pytest.raises(SubmissionRefusedError) as refused:
        form_token_verify(token=token.token, answer=challenge_solve(token.question), honeypot="", on=TODAY)
    assert refused.value.code == "too_fast"
    assert "送出速度過快" in refused.value.message


def test_a_wrong_answer_spends_the_question(db, seeded):
    token = _aged()
    wrong = str(int(challenge_solve(token.question)) + 1)
    with pytest.raises(SubmissionRefusedError) as refused:
        form_token_verify(token=token.token, answer=wrong, honeypot="", on=TODAY)
    assert refused.value.code == "challenge_wrong"
    assert "答案不正確" in refused.value.message
    # the right answer to the same question no longer helps: the question cannot be brute-forced
    with pytest.raises(SubmissionRefusedError) as again:
        form_token_verify(token=token.token, answer=challenge_solve(token.question), honeypot="", on=TODAY)
    assert again.value.code == "challenge_spent"


def test_a_redrawn_form_keeps_its_idempotency_key_and_asks_a_new_question(db, seeded):
    token = _aged()
    redrawn = form_token_redraw(token=token.token)
    assert redrawn.idempotency_key == token.idempotency_key
    assert redrawn.token != token.token
    assert form_token_verify(
        token=redrawn.token, answer=challenge_solve(redrawn.question), honeypot="", on=TODAY
    )


def test_a_tampered_token_is_refused(db, seeded):
    token = _aged()
    forged = token.token[:-3] + ("AAA" if not token.token.endswith("AAA") else "BBB")
    with pytest.raises(SubmissionRefusedError) as refused:
        form_token_verify(token=forged, answer=challenge_solve(token.question), honeypot="", on=TODAY)
    assert refused.value.code == "tampered"


def test_a_token_older_than_its_rule_expires(db, seeded):
    token = _aged()
    later = time_machine.travel(time.time() + 13 * 3600, tick=False)  # the rule: 12 hours
    with later, pytest.raises(SubmissionRefusedError) as refused:
        form_token_verify(token=token.token, answer=challenge_solve(token.question), honeypot="", on=TODAY)
    assert refused.value.code == "expired"
    assert "內容仍在" in refused.value.message


def test_rate_counters_count_per_identity_within_the_window(db, seeded):
    for _ in range(5):
        assert not rate_limit_reached(
            scope="submit-contact",
            identity="0912345678",
            limit_rule="petition.submit_limit_per_contact",
            on=TODAY,
        )
        rate_limit_count(scope="submit-contact", identity="0912345678", on=TODAY)
    assert rate_limit_reached(
        scope="submit-contact",
        identity="0912345678",
        limit_rule="petition.submit_limit_per_contact",
        on=TODAY,
    )
    assert not rate_limit_reached(
        scope="submit-contact",
        identity="0987654321",
        limit_rule="petition.submit_limit_per_contact",
        on=TODAY,
    )
    # a new window (one hour later) starts again from zero
    with time_machine.travel(time.time() + 3601, tick=False):
        assert not rate_limit_reached(
            scope="submit-contact",
            identity="0912345678",
            limit_rule="petition.submit_limit_per_contact",
            on=TODAY,
        )


def test_the_question_uses_digits_on_english_pages_and_words_on_chinese_ones():
    import re

    from django.utils import translation

    from yankao.servicedesk.antiabuse import form_token_issue, form_token_question

    token = form_token_issue().token
    with translation.override("en"):
        assert re.search(r"\d", form_token_question(token=token))
    with translation.override("zh-hant"):
        assert not re.search(r"\d", form_token_question(token=token))
