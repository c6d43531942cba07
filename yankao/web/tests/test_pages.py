import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.utils import timezone

from yankao.conftest import PERSONA_PASSWORD


def test_portal_home_is_public_chinese_and_under_csp(client, db):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hant">' in html
    assert "研考服務平台" in html
    assert "跳到主要內容" in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "'unsafe-inline'" not in csp


def test_no_inline_scripts_or_styles_and_every_script_carries_the_nonce(client, db):
    html = client.get("/").content.decode()
    nonce = re.search(r"'nonce-([^']+)'", client.get("/").headers["Content-Security-Policy"])
    assert nonce
    assert "<style" not in html
    assert " style=" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
        assert "nonce=" in tag, tag


def test_no_asset_comes_from_another_origin(client, db):
    html = client.get("/").content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


def test_unbuilt_services_are_shown_as_coming_not_as_dead_links(client, db):
    html = client.get("/").content.decode()
    assert "即將開放" in html
    assert 'href="/research/"' not in html
    assert 'href="/petitions/new/"' in html
    assert 'href="/api/v1/docs/"' in html


def test_english_switch_renders_the_page_in_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Skip to main content" in html
    assert "Kaohsiung City Government" in html


def test_console_requires_login(client, db):
    response = client.get("/console/")
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=/console/")


def test_console_home_shows_name_role_agency_and_the_working_day(client, officer):
    client.force_login(officer)
    html = client.get("/console/").content.decode()
    assert "機關承辦人" in html
    assert "高雄市政府工務局" in html
    assert "本機關及所屬機關" in html
    assert "下一個上班日" in html
    assert "民國" in html


def test_console_navigation_follows_the_role(client, officer, auditor, rdec_admin):
    client.force_login(officer)
    assert "稽核紀錄" not in client.get("/console/").content.decode()
    client.force_login(auditor)
    html = client.get("/console/").content.decode()
    assert 'href="/console/audit/"' in html
    assert "全市各機關" in html
    client.force_login(rdec_admin)
    assert 'href="/admin/"' in client.get("/console/").content.decode()


def test_a_citizen_account_is_refused_the_console(client, citizen):
    client.force_login(citizen)
    response = client.get("/console/")
    assert response.status_code == 403
    assert "沒有權限" in response.content.decode()


def test_login_takes_staff_to_the_console(client, officer):
    response = client.post("/login/", {"username": "officer", "password": PERSONA_PASSWORD})
    assert response.status_code == 302
    assert response.url == "/console/"


def test_login_takes_a_citizen_to_the_portal(client, citizen):
    response = client.post("/login/", {"username": "citizen", "password": PERSONA_PASSWORD})
    assert response.url == "/"


def test_a_wrong_password_gets_a_chinese_message_naming_the_lockout_rule(client, officer):
    response = client.post("/login/", {"username": "officer", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "帳號或密碼不正確" in html
    assert "連續輸入錯誤 5 次" in html
    assert "15 分鐘" in html


def test_five_failures_lock_the_account_and_the_right_password_is_then_refused(client, officer):
    for _ in range(5):
        client.post("/login/", {"username": "officer", "password": "wrong"})
    response = client.post("/login/", {"username": "officer", "password": PERSONA_PASSWORD})
    assert response.status_code == 429
    html = response.content.decode()
    assert "帳號暫時鎖定" in html
    assert "之後再試" in html
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="officer").exists()


def test_logout_is_a_post_and_says_so(client, officer):
    client.force_login(officer)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/", follow=True)
    assert "您已安全登出" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_change_applies_djangos_validators(client, officer):
    client.force_login(officer)
    response = client.post(
        "/account/password/",
        {"old_password": PERSONA_PASSWORD, "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "密碼太短，必須至少 10 個字元" in html
    assert "這個密碼只包含數字" in html


def test_password_change_succeeds_with_a_good_password(client, officer):
    client.force_login(officer)
    new = "Kaohsiung-rdec-2026!"
    response = client.post(
        "/account/password/", {"old_password": PERSONA_PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(new)


def test_sessions_expire_after_idle_time(settings, client, officer, time_machine):
    time_machine.move_to("2026-11-27 09:00:00+08:00", tick=False)
    client.force_login(officer)
    client.get("/console/")

    def stored_expiry():
        return Session.objects.get(session_key=client.session.session_key).expire_date

    first_expiry = stored_expiry()
    assert first_expiry == timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    # A request within the refresh interval does not write the session again ...
    time_machine.move_to("2026-11-27 09:00:30+08:00", tick=False)
    client.get("/console/")
    assert stored_expiry() == first_expiry
    # ... a later one extends it, so that only idleness ends a session
    time_machine.move_to("2026-11-27 09:20:00+08:00", tick=False)
    client.get("/console/")
    assert stored_expiry() == timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    # and after the idle time without a request the session is gone
    time_machine.move_to("2026-11-27 09:51:00+08:00", tick=False)
    response = client.get("/console/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize(("path", "status"), [("/no-such-page/", 404)])
def test_error_pages_are_chinese_in_the_site_layout(client, db, settings, path, status):
    settings.DEBUG = False
    response = client.get(path)
    assert response.status_code == status
    html = response.content.decode()
    assert "找不到頁面" in html
    assert "Traceback" not in html
    assert 'class="site-header"' in html


def test_a_server_error_shows_the_chinese_500_page_without_a_traceback(client, db, settings):
    from yankao.web.views.errors import server_error

    request = client.get("/").wsgi_request
    response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "系統發生錯誤" in html
    assert "Traceback" not in html


def test_the_403_and_400_pages_are_chinese(rf, db):
    from django.contrib.auth.models import AnonymousUser

    from yankao.web.views.errors import bad_request, permission_denied

    request = rf.get("/")
    request.user = AnonymousUser()
    assert "沒有權限" in permission_denied(request).content.decode()
    assert "請求格式有誤" in bad_request(request).content.decode()
