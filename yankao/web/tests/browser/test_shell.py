"""The web shell in the system's Chromium: accessibility, keyboard, login and lockout, language, CSP."""

import pytest

from yankao.conftest import PERSONA_PASSWORD
from yankao.testing.browser import (
    assert_accessible,
    assert_no_console_errors,
    login_as,
    screenshot,
)

pytestmark = pytest.mark.browser


def test_portal_home_passes_axe_and_logs_no_csp_errors(page, page_console):
    response = page.goto("/")
    assert response.status == 200
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    assert page.get_by_role("heading", level=1).inner_text() == "研考服務平台"
    # htmx was loaded under the nonce, and did not inject its own styles
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.locator("style").count() == 0
    assert_accessible(page)
    assert not page_console.csp_violations
    assert_no_console_errors(page_console)
    screenshot(page, "portal-home-1366")


def test_console_home_passes_axe_for_the_officer(page, page_console, officer):
    login_as(page, "officer")
    assert page.url.endswith("/console/")
    main = page.locator("main")
    assert "機關承辦人" in main.inner_text()
    assert "高雄市政府工務局" in main.inner_text()
    assert "下一個上班日" in main.inner_text()
    assert_accessible(page)
    assert_no_console_errors(page_console)
    screenshot(page, "console-home-officer-1366")


def test_mobile_portal_and_console_pass_axe(mobile_page, officer):
    mobile_page.goto("/")
    assert_accessible(mobile_page)
    # nothing is wider than the screen
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(mobile_page, "portal-home-390")
    login_as(mobile_page, "officer")
    assert_accessible(mobile_page)
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(mobile_page, "console-home-officer-390")


def test_the_first_tab_reaches_the_skip_link_and_it_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "跳到主要內容"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_login_works_with_the_keyboard_alone(page, officer):
    page.goto("/login/")
    assert_accessible(page)
    # the username field has focus on arrival
    page.keyboard.type("officer")
    page.keyboard.press("Tab")
    page.keyboard.type(PERSONA_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/")
    assert "officer" in page.locator("main").inner_text() or "您好" in page.locator("main").inner_text()


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(page, officer):
    for attempt in range(5):
        page.goto("/login/")
        page.get_by_label("帳號").fill("officer")
        page.get_by_label("密碼").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="登入").click()
        page.wait_for_load_state()
    # the sixth try, with the right password
    page.goto("/login/")
    page.get_by_label("帳號").fill("officer")
    page.get_by_label("密碼").fill(PERSONA_PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.wait_for_load_state()
    assert "/console/" not in page.url
    text = page.locator("main").inner_text()
    assert "帳號暫時鎖定" in text
    assert "連續登入失敗 5 次" in text
    assert "之後再試" in text
    assert_accessible(page)


def test_the_english_switch_turns_the_page_to_english(page):
    page.goto("/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "RDEC Service Portal"
    assert "Kaohsiung City Government" in page.locator("header").inner_text()
    assert_accessible(page)
    # and back
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-Hant"


def test_the_api_docs_page_renders_under_the_csp(page, page_console):
    response = page.goto("/api/v1/docs/")
    assert "content-security-policy" in response.headers
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    text = page.locator("#swagger-ui").inner_text()
    assert "/api/v1/agencies" in text
    assert "/api/v1/calendar/working-days" in text
    assert not page_console.csp_violations, page_console.errors
    # Swagger UI (vendored) puts a copy button inside each operation's toggle button; nothing else
    # may fail. yankao's own colour fixes for it are in web/api-docs.css.
    assert_accessible(page, disable_rules=("nested-interactive",))
    screenshot(page, "api-docs-1366")
