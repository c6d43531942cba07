from unittest import mock

from django.db import connection

import yankao


def test_healthz_answers_ok_with_the_version_and_sets_no_cookie(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": yankao.__version__}
    assert not response.cookies
    assert "Set-Cookie" not in response.headers


def test_healthz_needs_no_login(client, db):
    assert client.get("/healthz").status_code == 200


def test_healthz_is_503_with_status_error_when_the_database_fails(client, db):
    # given a database whose cursor raises
    with mock.patch.object(connection, "cursor", side_effect=Exception("database is down")):
        # when
        response = client.get("/healthz")
    # then
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert "Set-Cookie" not in response.headers
