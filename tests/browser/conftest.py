"""Browser tests: the real pages in headless Chromium (Debian's ``/usr/bin/chromium``, never
a downloaded browser) against Django's live server, on whichever database the suite runs.

Playwright's sync API keeps an asyncio event loop running in the test's thread. Two things
follow, and this file deals with both:

* Django refuses ORM calls in a thread with a running loop ("SynchronousOnlyOperation");
  the tests set up data and check the database between browser steps in that thread, so
  ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set while a browser runs (the live server answers in its
  own thread).
* Django's connection handler keeps one set of connections for a thread without a running
  loop and another for a thread with one (asgiref's thread-critical ``Local``). The test
  database's connection — the one holding the migrations' seeded data for
  ``serialized_rollback`` — belongs to the first set. pytest-playwright's Playwright lives
  for the whole session, so after the first browser test every later test would see the
  second set: the seeded catalogue is no longer restored and is missing from every
  transactional test that follows. Here Playwright is started per test, after the live
  server and the database are set up, and stopped (its connections closed) before the
  database is flushed and restored.
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from jixiao.org.models import Role, RoleKind

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OFFICE_SCREEN = {"width": 1366, "height": 768}
# Playwright waits this long for an element, a page or an assertion (ms); a live server
# answers in well under a second, the PDF of a notice in about one.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the real pages in headless Chromium")
    # pytest-base-url (pulled in by pytest-playwright) defines its session fixture the way
    # pytest 9 deprecates; nothing of ours.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning",
    )


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
            _require_serialized_rollback(item)


def _require_serialized_rollback(item) -> None:
    """A live-server test flushes the database after it; without ``serialized_rollback``
    the flush re-seeds the catalogue by itself, and every transactional test after it fails
    on duplicate content types. Refuse such a test at collection, where it is written."""
    if "live_server" not in getattr(item, "fixturenames", ()):
        return
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("serialized_rollback"):
        raise pytest.UsageError(
            f"{item.nodeid}: a browser test needs "
            "@pytest.mark.django_db(transaction=True, serialized_rollback=True)"
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options (``--headed``, ``--slowmo`` still apply) with
    Debian's Chromium and the flags it needs here."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def chromium(live_server, browser_type_launch_args, monkeypatch):
    """Headless Chromium for one test, started once the live server and the test database
    are ready (see the module docstring)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = PolicyWatchingBrowser(
            playwright.chromium.launch(**{"headless": True, **browser_type_launch_args})
        )
        try:
            yield browser
        finally:
            browser.close()
            # The connections this test's thread opened while the loop ran.
            connections.close_all()
        # Every page of every test runs under the site's Content-Security-Policy.
        assert browser.violations == [], browser.violations


class PolicyWatchingBrowser:
    """The browser, whose every context reports what the Content-Security-Policy blocked
    (Chromium says so on the console: "Refused to execute inline script …")."""

    def __init__(self, browser):
        self.browser = browser
        self.violations: list[str] = []

    def new_context(self, **options):
        context = self.browser.new_context(**options)
        context.on("console", self._console)
        return context

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"{message.page.url if message.page else ''}: {message.text}")

    def __getattr__(self, name):
        return getattr(self.browser, name)


def accept_confirmations(page) -> list[str]:
    """Accept every confirmation the page asks for (Playwright would dismiss it), keeping
    what it asked in ``page.confirmations`` to check that it names what will happen."""
    page.confirmations = []

    def accept(dialog):
        page.confirmations.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return page.confirmations


@pytest.fixture
def open_as(chromium, live_server):
    """``open_as(username, password, viewport=…)`` → a page of a fresh browser context
    (its own cookies: one user each) signed in through the real login page."""

    def sign_in(username: str, password: str, *, viewport: dict | None = None):
        context = chromium.new_context(
            base_url=live_server.url, viewport=viewport or OFFICE_SCREEN, accept_downloads=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        accept_confirmations(page)
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.locator("form").get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not sign in"
        return page

    return sign_in


@pytest.fixture
def snap(tmp_path):
    """``snap(page, name)``: a full-page screenshot ``name.png`` in the test's tmp_path,
    checked to be a PNG of the page's width, to look at after a run."""

    def take(page, name: str):
        path = tmp_path / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path.name} is not a PNG"
        assert int.from_bytes(data[16:20], "big") == page.viewport_size["width"]
        return path

    return take


@pytest.fixture
def make_user():
    """``make_user(username, password, kind, unit=…, person=…)``: an account with one role
    (a city administrator is also staff, for the reference data); the password must pass
    the site's validators, as one set by hand would."""

    def make(username: str, password: str, kind: str, *, unit=None, person=None):
        user = get_user_model()(username=username, is_staff=kind == RoleKind.CITY_ADMIN)
        validate_password(password, user)
        user.set_password(password)
        user.save()
        Role.objects.create(user=user, kind=kind, unit=unit, person=person)
        return user

    return make
