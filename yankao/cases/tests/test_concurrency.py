"""Two officers acting on one case at the same moment, and a burst of retried submissions, with real
threads on each database (SQLite's test database is a file, so each thread has its own connection:
config/settings/test.py)."""

import threading

import pytest
from django.db import connection

from yankao.cases.models import Case
from yankao.cases.services import CaseConflictError, case_accept, case_reply


@pytest.mark.django_db(transaction=True)
def test_of_two_officers_acting_at_once_one_succeeds_and_the_other_is_told(file_petition, officer, liaison):
    case = case_accept(case=file_petition().case, user=officer)
    seen = case.version
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user, reply) -> None:
        try:
            start.wait()
            case_reply(case=case, user=user, reply=reply, expected_version=seen)
            outcomes.append("replied")
        except CaseConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(officer, "已修補。")),
        threading.Thread(target=act, args=(liaison, "已排定修補。")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "replied"]
    case.refresh_from_db()
    assert case.reply in ("已修補。", "已排定修補。")
    assert case.version == seen + 1


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_retries_of_one_submission_makes_one_case(file_petition):
    start = threading.Barrier(6)
    codes: list[str] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            start.wait()
            codes.append(file_petition(idempotency_key="retry-burst-1").tracking_code)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Case.objects.count() == 1
    assert len(codes) == 6
    assert len(set(codes)) == 1
