"""Browser tests for every module: Playwright driving the system's Chromium against `live_server`.

Registered in yankao/conftest.py (`pytest_plugins`). A browser test asks for `page` and is marked
`@pytest.mark.browser`:

    @pytest.mark.browser
    def test_officer_sees_the_inbox(page, officer):
        login_as(page, "officer")
        page.goto("/console/cases/")
        assert_accessible(page)

Fixtures: `browser` (one Chromium per session), `browser_context` (a fresh context per test,
zh-TW, 1366x768, base URL of the live server), `page`, `page_console` (the page's console
errors and CSP violations), `mobile_page` (390x844). Helpers: `login_as`, `assert_accessible`,
`assert_no_console_errors`, `screenshot`.

Never `playwright install` (it downloads a browser from outside the package registries): the
system's Chromium at /usr/bin/chromium is used, and its absence skips the test loudly (under
CI=true yankao/conftest.py turns skips into a failure). `live_server` tests are transactional and
the database is flushed after each; the fixtures here re-seed it through `seeded`.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("YANKAO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 768}
MOBILE = {"width": 390, "height": 844}
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass
class ConsoleLog:
    """What a page reported: console errors, uncaught exceptions, Content Security Policy violations."""

    errors: list[str] = field(default_factory=list)

    @property
    def csp_violations(self) -> list[str]:
        return [message for message in self.errors if "Content Security Policy" in message]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"BROWSER TESTS NOT RUN: no Chromium at {CHROMIUM}. Install it with `apt-get install chromium` "
            "(scripts/bootstrap.sh --browser does so as root). Never `playwright install`."
        )
    # Playwright's sync API runs an event loop in this thread; Django would then refuse the test's
    # own ORM calls as "async unsafe", although they stay synchronous and single-threaded.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context(browser: Any, live_server: Any, transactional_db: Any, seeded: None) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url, locale="zh-TW", timezone_id="Asia/Taipei", viewport=DESKTOP
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page_console() -> ConsoleLog:
    return ConsoleLog()


def _watch(page: Any, log: ConsoleLog) -> Any:
    page.on("console", lambda message: log.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: log.errors.append(f"uncaught: {error}"))
    return page


@pytest.fixture
def page(browser_context: Any, page_console: ConsoleLog) -> Any:
    return _watch(browser_context.new_page(), page_console)


@pytest.fixture
def mobile_page(
    browser: Any, live_server: Any, transactional_db: Any, seeded: None, page_console: ConsoleLog
) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-TW",
        timezone_id="Asia/Taipei",
        viewport=MOBILE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    yield _watch(context.new_page(), page_console)
    context.close()


def login_as(page: Any, persona: str) -> None:
    """Sign in through the login form as one of PRODUCT.md's personas (created if missing)."""
    from yankao.conftest import PERSONA_PASSWORD, make_persona
    from yankao.core.models import User

    if not User.objects.filter(username=persona).exists():
        make_persona(persona)
    page.goto("/login/")
    page.get_by_label("帳號").fill(persona)
    page.get_by_label("密碼").fill(PERSONA_PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.wait_for_load_state()
    if "/login/" in page.url:
        raise AssertionError(f"login as {persona} failed: {page.locator('main').inner_text()}")


def assert_accessible(page: Any, *, context: Any = None, disable_rules: tuple[str, ...] = ()) -> None:
    """Run axe-core on the page; fail on any serious or critical violation, printing each one.

    `disable_rules` is for markup that yankao does not write (a vendored widget); say why at the call.
    """
    from axe_playwright_python.sync_playwright import Axe

    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if disable_rules:
        options["rules"] = {rule: {"enabled": False} for rule in disable_rules}
    # Axe injects itself with page.evaluate, which the Content Security Policy does not govern.
    results = Axe().run(page, context=context, options=options)
    violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if violations:
        lines = [f"axe-core: {len(violations)} serious/critical violation(s) on {page.url}"]
        for violation in violations:
            lines.append(
                f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
            )
            for node in violation["nodes"][:5]:
                lines.append(
                    f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '')!s}"[:400]
                )
        report = "\n".join(lines)
        print(report)  # noqa: T201 - shown with the failing test
        raise AssertionError(report)


def assert_no_console_errors(log: ConsoleLog) -> None:
    """Fail when the page logged errors (CSP violations included)."""
    assert not log.errors, "the page logged errors:\n" + "\n".join(log.errors)


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
