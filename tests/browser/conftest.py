"""Browser test harness: one headless Debian Chromium per test session, a live server per test.

The live server serves the test's own ``app`` (same database the test's builders write to) from
a thread on a free loopback port, so a test can build data with ``make_post`` and then drive
the page. Screenshots go to ``docs/screenshots/`` when a test asks for them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import ThreadedWSGIServer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class _TestServer(ThreadedWSGIServer):
    """Werkzeug's threaded server, keeping hold of each connection and its thread.

    The browser keeps connections alive and its scripts (autosave, beacons) go on talking after
    a test's last step; ``close`` cuts them and waits for the requests already inside the app,
    so nothing of one test is still writing when the next test's database is being reset.
    """

    def __init__(self, app: Flask) -> None:
        super().__init__("127.0.0.1", 0, app)
        self._open: dict[threading.Thread, socket.socket] = {}
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(target=self._serve, args=(request, client_address), daemon=True)
        with self._open_lock:
            self._open[thread] = request
        thread.start()

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.pop(threading.current_thread(), None)

    def close(self, timeout: float = 10.0) -> None:
        self.shutdown()
        self.server_close()
        with self._open_lock:
            open_now = list(self._open.items())
        for _thread, request in open_now:
            with contextlib.suppress(OSError):
                request.shutdown(socket.SHUT_RDWR)
        for thread, _request in open_now:
            thread.join(timeout)


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self._server = _TestServer(app)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture
def author_page(browser: Any) -> Iterator[Any]:
    """A desktop page for the editor's tests (CSP bypassed only so axe can be injected for the accessibility check)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def review_site(make_user: Any, make_post: Any, make_comment: Any) -> Any:
    """The seed review with cover, figures, tags, series and a threaded discussion, plus three
    older reviews (see tests/browser/reviews.py)."""
    from tests.browser.reviews import build_review_site

    return build_review_site(make_user, make_post, make_comment)


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save ``docs/screenshots/<name>.png`` (committed, shown in the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def click_first_line(locator: Any, *, hover_only: bool = False) -> None:
    """Click (or hover) an inline element on its first line: one that wraps has a bounding box
    whose middle can fall between its lines, on the paragraph around it."""
    locator.scroll_into_view_if_needed()
    x, y = locator.evaluate("el => { const r = el.getClientRects()[0]; return [r.x + 6, r.y + r.height / 2]; }")
    if hover_only:
        locator.page.mouse.move(x, y)
    else:
        locator.page.mouse.click(x, y)
