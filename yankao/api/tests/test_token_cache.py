"""A process remembers an API token's user for YANKAO_API_TOKEN_CACHE_SECONDS, and forgets it at
once when the token is rotated or the account changes in that process."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yankao.api import authentication
from yankao.core.services.users import user_save, user_token_rotate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_token_cache():
    authentication.token_cache.clear()


def me(client, key):
    return client.get("/api/v1/me", headers={"Authorization": f"Token {key}"})


def token_reads(client, key) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert me(client, key).status_code == 200
    return sum("authtoken_token" in query["sql"] for query in queries.captured_queries)


def test_a_known_token_is_not_read_again_within_the_period(client, officer, settings):
    settings.YANKAO_API_TOKEN_CACHE_SECONDS = 30
    key = user_token_rotate(user=officer)
    assert token_reads(client, key) == 1
    assert token_reads(client, key) == 0


def test_with_no_period_every_request_reads_the_token(client, officer, settings):
    settings.YANKAO_API_TOKEN_CACHE_SECONDS = 0
    key = user_token_rotate(user=officer)
    assert token_reads(client, key) == 1
    assert token_reads(client, key) == 1


def test_a_rotated_token_stops_working_at_once_in_the_process_that_rotated_it(client, officer, settings):
    settings.YANKAO_API_TOKEN_CACHE_SECONDS = 30
    old = user_token_rotate(user=officer)
    assert me(client, old).status_code == 200
    user_token_rotate(user=officer)
    assert me(client, old).status_code == 401


def test_a_deactivated_account_stops_working_at_once(client, officer, settings):
    settings.YANKAO_API_TOKEN_CACHE_SECONDS = 30
    key = user_token_rotate(user=officer)
    assert me(client, key).status_code == 200
    officer.is_active = False
    user_save(user=officer, changed_fields=["is_active"])
    assert me(client, key).status_code == 401


def test_a_token_revoked_by_another_process_works_here_at_most_for_the_period(
    client, officer, settings, monkeypatch
):
    settings.YANKAO_API_TOKEN_CACHE_SECONDS = 30
    key = user_token_rotate(user=officer)
    assert me(client, key).status_code == 200
    with connection.cursor() as cursor:  # another process: no signal reaches this one
        cursor.execute("DELETE FROM authtoken_token WHERE key = %s", [key])
    now = authentication.time.monotonic()
    monkeypatch.setattr(authentication.time, "monotonic", lambda: now + 29)
    assert me(client, key).status_code == 200
    monkeypatch.setattr(authentication.time, "monotonic", lambda: now + 31)
    assert me(client, key).status_code == 401
