"""Browser tests: Debian's Chromium (`/usr/bin/chromium`) driven by Playwright for Python
against the app served by pytest-django's live server on 127.0.0.1.

- The live server listens on a port the OS picks, so parallel xdist workers never
  collide; it runs in a thread of the test process, on the test database (transactional:
  what a test creates is committed and the server sees it), with the real services
  (PostgreSQL and Redis when DATABASE_URL / REDIS_URL point at them, SQLite otherwise).
- Each test gets its own Playwright, Chromium and browser context. Playwright's sync API
  keeps an asyncio loop running while it is started, and Django then refuses ORM calls
  from that thread (SynchronousOnlyOperation): the tests allow them for their own
  duration only (DJANGO_ALLOW_ASYNC_UNSAFE), so the rest of the suite keeps the check.
- Every page is watched: an uncaught script error, or a stylesheet, script, image or font
  that fails to load, fails the test.
- Screenshots and axe reports go to `tests/system/e2e/artifacts/<test name>/` (git-ignored).

Without Chromium or axe-core (`npm ci`) the tests fail under CI=true, and are skipped,
with the reason, elsewhere.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.system.e2e.support import ARTIFACTS, AXE_JS, CHROMIUM, CHROMIUM_ARGS, Auditor, PageWatcher, require_tool


@pytest.fixture(scope="session")
def live_server(request) -> Iterator:
    """pytest-django's live server, on 127.0.0.1 (as the issue asks) and port 0: the OS
    gives each xdist worker its own free port."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer(request.config.getvalue("liveserver") or "127.0.0.1")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    """Test code may use the ORM while Playwright's loop runs (see the module docstring)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _server_connections_close_after_each_request(monkeypatch):
    """The live server answers each browser connection in a thread of its own, which
    keep-alive may keep running until after the test; with persistent database
    connections (CONN_MAX_AGE on PostgreSQL) such a thread could still hold a session when
    the test database is flushed or dropped. Each request closes its connection instead."""
    from django.db import connections

    for alias in connections:
        monkeypatch.setitem(connections.settings[alias], "CONN_MAX_AGE", 0)


@pytest.fixture
def browser(_orm_beside_playwright):
    require_tool(CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    require_tool(AXE_JS.exists(), f"axe-core is not installed at {AXE_JS} (npm ci)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # While Playwright runs, the test's code runs in another context, where Django's
        # `connections` (context-local) opened connections of their own: close them
        # here, still in that context, or they outlive the test (and PostgreSQL refuses
        # to drop the test database while they are open).
        connections.close_all()


@pytest.fixture
def artifacts_dir(request) -> Path:
    """This test's own folder of screenshots and axe reports, emptied at its start."""
    folder = ARTIFACTS / request.node.name.replace("/", "_")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """`new_page()`: a page in a fresh browser context (its own cookies: another person)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    watchers: list[PageWatcher] = []

    def make(**context_options):
        options = {"viewport": {"width": 1280, "height": 800}, "locale": "en-GB", "accept_downloads": True}
        context = browser.new_context(base_url=live_server.url, **{**options, **context_options})
        context.set_default_timeout(10_000)
        page = context.new_page()
        watchers.append(PageWatcher(page))
        return page

    yield make
    problems = [problem for watcher in watchers for problem in watcher.problems]
    assert not problems, "The browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def audit(page, artifacts_dir) -> Auditor:
    """`audit("home")`: screenshot the page and fail on serious or critical axe violations."""
    return Auditor(page=page, folder=artifacts_dir)
