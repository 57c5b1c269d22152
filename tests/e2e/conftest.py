"""Browser tests: Playwright (sync API) drives Debian's chromium against pytest-django's live server.

Run with the unit suite: `python3 dev.py test` (or `.venv/bin/python -m pytest tests/e2e`). Every test in this folder
is marked `e2e` automatically (`-m "not e2e"` leaves them out, `-m e2e` runs only them).

The browser: $CHROMIUM_PATH, else /usr/bin/chromium (Debian's `chromium` package), else `chromium` on PATH. Never
`playwright install`: it downloads a browser. When no chromium is found the tests SKIP with the reason, except with
CI=true, where they FAIL: CI must prove the browser tests ran.

Fixtures for journey tests (add them as tests/e2e/test_<journey>.py):

- `browser` (session): one headless chromium for the whole run; contexts are cheap, browsers are not.
- `page`: a fresh browser context (no cookies) and page per test, pointed at the live server: `page.goto("/me/")`
  works with paths. Default timeout 10 s. On failure a screenshot goes to var/e2e/<test name>.png.
- `login(page, email, password)`: logs in through the real login form and checks it worked (raises with the page's
  error text otherwise). Create users with tests/factories.py; their password is factories.TEST_PASSWORD.
- `live_server` (pytest-django): the app in a thread on a free port, on the test database. It makes every e2e test
  transactional: rows you create in the test are committed, so the server thread sees them.

Notes:
- Data loaded by migrations (the acupuncture points, ...) is restored before every test that uses `page` (Django's
  serialized rollback, about 0.5 s a test), although transactional tests truncate the tables afterwards. See
  `_migration_data` for why that needs help here: the test body talks to the database through a different
  connection object from the one pytest-django set up.
- Playwright's sync API runs an event loop in this thread; DJANGO_ALLOW_ASYNC_UNSAFE (set while the browser is open)
  lets the test body use the ORM while it does (the loop is idle whenever test code runs, so this is safe here).
  That is also why e2e tests are moved to the end of the run (see pytest_collection_modifyitems below).
- Use `expect(...)` from playwright.sync_api for anything that appears after a request: it waits and retries.
- Axes (login throttling) is off in tests (tests/conftest.py), and Celery tasks run eagerly in the server thread.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent.parent / "var" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 10_000


def find_chromium() -> str | None:
    """Same rule as dev.py's: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else PATH."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def pytest_itemcollected(item: pytest.Item) -> None:
    # Runs for this folder's items only, before `-m` selects by marks.
    item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests run last (trylast: after pytest-django's own ordering). While the browser is open, Playwright's
    # event loop makes Django refuse ORM calls in this thread unless DJANGO_ALLOW_ASYNC_UNSAFE is set, and that
    # variable must not leak into other tests (`manage.py check --deploy` rightly fails with it). Running last, the
    # browser's lifetime covers e2e tests only.
    items[:] = [i for i in items if not i.get_closest_marker("e2e")] + [i for i in items if i.get_closest_marker("e2e")]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    # Keep the outcome of each phase on the item, so the page fixture knows at teardown whether the test failed.
    setattr(item, f"_e2e_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def _migration_data(django_db_setup) -> str | None:
    """The rows data migrations loaded (acupuncture points, ...), serialized when the test database was created.

    pytest-django serializes them because `page` requests django_db_serialized_rollback. Django would restore them
    before each transactional test, but it keeps them on the connection object, and while Playwright's event loop
    runs in this thread Django hands out a different connection (asgiref's Local follows the running loop), so the
    restore never happens. This fixture keeps a reference from before the browser starts, and
    `_connection_beside_the_loop` hands it to the connection the tests really use.
    """
    from django.db import connections

    return getattr(connections["default"], "_test_serialized_contents", None)


@pytest.fixture(scope="session", autouse=True)
def _connection_beside_the_loop(browser, _migration_data) -> Iterator[None]:
    from django.db import connections

    if _migration_data is not None:
        connections["default"]._test_serialized_contents = _migration_data
    yield
    # Django's own teardown never sees this connection. (A no-op for in-memory SQLite; on PostgreSQL it lets the test
    # database be dropped at the end.)
    connections.close_all()


@pytest.fixture(scope="session")
def browser(django_db_setup, _migration_data) -> Iterator[object]:
    # django_db_setup first, so the browser (and Playwright's event loop) is gone before the test database is
    # torn down: Django refuses synchronous database work while an event loop runs in the thread.
    executable = find_chromium()
    if executable is None:
        reason = (
            "no chromium found ($CHROMIUM_PATH, /usr/bin/chromium, PATH); install Debian's `chromium` package "
            "(never `playwright install`)"
        )
        if _is_ci():
            pytest.fail(f"Browser tests cannot run: {reason}. With CI=true that fails the run.", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")

    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, django_db_serialized_rollback, request) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    pg = context.new_page()
    yield pg
    report = getattr(request.node, "_e2e_report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:120]
        path = SCREENSHOTS / f"{name}.png"
        try:
            pg.screenshot(path=str(path), full_page=True)
            print(f"\nScreenshot of the failed page ({pg.url}): {path}")
        except Exception as exc:  # a screenshot must not hide the real failure
            print(f"\nCould not take a screenshot: {exc}")
    context.close()


def login_through_form(page, email: str, password: str) -> None:
    """Open the login page, fill in the real form, submit, and fail clearly if we are still on the login page."""
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    form = page.locator("form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=username]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if "/accounts/login/" in page.url:
        errors = page.locator(".alert-danger, .invalid-feedback, .errorlist").all_inner_texts()
        raise AssertionError(f"Login as {email} failed; the page says: {errors or page.content()[:500]}")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.fixture
def login() -> Callable[[object, str, str], None]:
    return login_through_form
