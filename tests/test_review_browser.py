"""A reviewer's session in a real headless Chromium against a real uvicorn server on 127.0.0.1.

Uses Debian's chromium (/usr/bin/chromium) through Playwright; browsers are never downloaded. Without
chromium the test is skipped on a workstation and fails in CI. ``LEADSCORE_UPDATE_SCREENSHOTS=1``
also copies the queue screenshot to docs/review-queue.png (read at import: the test fixtures clear
LEADSCORE_* variables).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher
from sqlalchemy import Engine

from enrich.web.app import WebConfig, create_app
from enrich.web.auth import add_reviewer
from tests.review_data import NOW, Seeded, account_row, events_for, field_value_row, seed_review_queue

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
UPDATE_SCREENSHOTS = os.environ.get("LEADSCORE_UPDATE_SCREENSHOTS") == "1"
DOCS_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "review-queue.png"
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def server(store: Engine) -> Iterator[tuple[str, Seeded]]:
    """The review app on a free loopback port, in a thread; stopped (and joined) at the end."""
    seeded = seed_review_queue(store, hostile=False)
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with store.begin() as conn:
        add_reviewer(conn, "alice", PASSWORD, now=NOW, hasher=hasher)
    config = WebConfig(
        engine=store,
        secret_key=os.urandom(32),
        secure_cookies=False,
        password_hasher=hasher,
        clock=lambda: NOW,
    )
    app = create_app(config)
    uvicorn_server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uvicorn_server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.02)
    port = uvicorn_server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seeded
    finally:
        uvicorn_server.should_exit = True
        thread.join(10)
        assert not thread.is_alive(), "uvicorn did not stop"


def test_reviewer_logs_in_filters_approves_and_edits_in_a_real_browser(
    chromium: Path, server: tuple[str, Seeded], store: Engine, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, seeded = server
    csp_reports: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 760})
            page.set_default_timeout(10_000)
            page.on("console", lambda message: csp_reports.append(message.text))

            page.goto(f"{base}/queue")
            assert "/login" in page.url, "no session: the queue sends the browser to the login page"
            page.fill("input[name=username]", "alice")
            page.fill("input[name=password]", PASSWORD)
            page.click("button:has-text('Log in')")
            page.wait_for_url(f"{base}/queue")
            assert page.locator("table.queue tbody tr").count() == 5
            screenshot = tmp_path / "review-queue.png"
            page.screenshot(path=str(screenshot), full_page=True)

            page.select_option("select[name=field]", "industry")
            page.click("button:has-text('Apply')")
            page.wait_for_url(f"{base}/queue?field=industry*")
            assert page.locator("table.queue tbody tr").count() == 2

            page.click(f"form[action='/values/{seeded.globex_industry}/approve'] button")
            page.wait_for_selector(f".flash:has-text('Approved value {seeded.globex_industry}')")
            assert "field=industry" in page.url, "back on the filtered queue"
            assert page.locator("table.queue tbody tr").count() == 1

            page.goto(f"{base}/values/{seeded.acme_employees}")
            assert page.locator("blockquote.context mark").inner_text().startswith("Our team of 240 people")
            page.fill("form[action$='/edit'] input[name=value]", "230")
            page.fill("form[action$='/edit'] input[name=reason]", "imprint says 230")
            page.click("button:has-text('Save edit')")
            page.wait_for_selector(f".flash:has-text('Edited value {seeded.acme_employees}')")
            header_colour = page.eval_on_selector("header.top", "el => getComputedStyle(el).backgroundColor")
        finally:
            browser.close()

    assert header_colour == "rgb(29, 39, 51)", "the vendored stylesheet loaded under the CSP"
    assert not [text for text in csp_reports if "Content Security Policy" in text], csp_reports
    approved = field_value_row(store, seeded.globex_industry)
    assert (approved.status, approved.decided_by) == ("accepted", "alice")
    assert [event.action for event in events_for(store, seeded.globex_industry)] == ["approve"]
    (edit_event,) = events_for(store, seeded.acme_employees)
    assert (edit_event.action, edit_event.actor, edit_event.reason) == ("edit", "alice", "imprint says 230")
    assert field_value_row(store, seeded.acme_employees).status == "superseded"
    assert field_value_row(store, edit_event.after["new_value_id"]).source_kind == "reviewer"
    assert account_row(store, seeded.acme).employee_count == 230
    assert screenshot.stat().st_size > 10_000
    if UPDATE_SCREENSHOTS:
        shutil.copyfile(screenshot, DOCS_SCREENSHOT)
