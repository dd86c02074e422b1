"""The desk and the review pages in a real browser, with screenshots for docs/web.md."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.paths import REPO
from tests.web.pages.conftest import SCREENSHOTS, LiveServer, log_in

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Locator, Page, expect

SAMPLE = REPO / "samples" / "images" / "01_td3_clean_idn.jpg"
OTHER = REPO / "samples" / "images" / "02_td1_clean_idn.jpg"
READ_TIMEOUT_MS = 120_000


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _wait_for_image(image: Locator, timeout: float = 30.0) -> None:
    """Until the image has loaded. (Not ``wait_for_function``: its polling evaluates strings,
    which the app's Content-Security-Policy forbids, as it should.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if image.evaluate("img => img.complete && img.naturalWidth > 0"):
            return
        time.sleep(0.1)
    raise AssertionError("the image did not load")


def _api(server: LiveServer, role: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=server.web.auth(role), timeout=30)


def _wait_for_task(server: LiveServer, document_id: str) -> dict[str, Any]:
    with _api(server, "reviewer") as api:
        deadline = time.monotonic() + READ_TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            for task in api.get("/api/v1/review/tasks").json()["tasks"]:
                if task["document_id"] == document_id:
                    return dict(task)
            time.sleep(0.5)
    raise AssertionError("no review task appeared")


def test_a_desk_officer_uploads_a_scan_and_sees_the_record(
    live_server: LiveServer, page: Page
) -> None:
    log_in(page, live_server.url, "desk")
    page.set_input_files("#files", str(SAMPLE))
    surname = page.locator("td[data-field=surname]")
    expect(surname).to_have_text("LESTARI", timeout=READ_TIMEOUT_MS)
    expect(page.locator(".upload.new .state")).to_have_text(re.compile("done|needs review", re.I))
    # the printed visual zone beside the MRZ, each row with its source
    printed = page.locator("tr", has=page.locator("td[data-field='viz.document_number']"))
    expect(printed).to_contain_text("viz")
    expect(page.locator("tr", has=surname)).to_contain_text("mrz")
    mrz = page.locator(".mrz img")
    expect(mrz).to_be_visible()
    _wait_for_image(mrz)
    page.screenshot(path=str(SCREENSHOTS / "desk.png"), full_page=True)


def test_a_reviewer_fixes_a_given_name_with_the_keyboard_and_the_audit_shows_it(
    live_server: LiveServer, browser: Browser
) -> None:
    with _api(live_server, "desk") as api:
        response = api.post(
            "/api/v1/documents", files={"file": (OTHER.name, OTHER.read_bytes(), "image/jpeg")}
        )
        assert response.status_code == 202, response.text
        document_id = response.json()["id"]
    task = _wait_for_task(live_server, document_id)

    reviewer = browser.new_context(viewport={"width": 1400, "height": 950}).new_page()
    log_in(reviewer, live_server.url, "reviewer")
    reviewer.goto(f"{live_server.url}/review")
    row = reviewer.locator("tbody tr", has_text=str(task["task_id"]))
    expect(row.first).to_be_visible()
    reviewer.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

    reviewer.goto(f"{live_server.url}/review")
    claim = reviewer.locator(f"form[action='/review/{task['task_id']}/claim'] button")
    claim.focus()
    reviewer.keyboard.press("Enter")
    reviewer.wait_for_url(f"{live_server.url}/review/{task['task_id']}")
    _wait_for_image(reviewer.locator("#scan"))
    # the printed visual zone's reading sits in the row of its field, beside the MRZ's
    expect(reviewer.locator("tr[data-field=surname] td[data-source=viz]")).not_to_be_empty()

    given = reviewer.locator("#f-given_names")
    assert given.input_value() != "NUR HALIZA"
    reviewer.locator("body").focus()
    for _ in range(11):  # down the rows to the given names
        if reviewer.locator("tr.current #f-given_names").count():
            break
        reviewer.keyboard.press("j")
    reviewer.keyboard.press("e")
    expect(given).to_be_focused()
    reviewer.keyboard.type("NUR HALIZA")
    reviewer.screenshot(path=str(SCREENSHOTS / "task.png"), full_page=True)
    reviewer.keyboard.press("Enter")
    # on to the next task (or the queue when none is left), with the undo banner
    reviewer.wait_for_url(re.compile(rf"/review(/\d+)?\?after={task['task_id']}$"))
    expect(reviewer.locator(".undo-banner")).to_contain_text(str(task["task_id"]))
    reviewer.context.close()

    supervisor = browser.new_context().new_page()
    log_in(supervisor, live_server.url, "supervisor")
    supervisor.goto(f"{live_server.url}/audit?kind=field_corrected")
    row = supervisor.locator("table.audit tbody tr").first
    expect(row).to_contain_text("reviewer")
    expect(row).to_contain_text("Field corrected")  # words, not codes
    # the audit trail names the field, not its values (those are in the erasable history)
    expect(row).not_to_contain_text("NUR HALIZA")
    expect(row).to_contain_text("field: Given names")
    supervisor.context.close()


def test_a_desk_user_gets_403_on_review_and_audit(live_server: LiveServer, page: Page) -> None:
    log_in(page, live_server.url, "desk")
    for path in ("/review", "/audit"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 403
        expect(page.locator("h1")).to_contain_text("Not allowed")
        expect(page.locator(".error-page code")).to_have_text("forbidden")
