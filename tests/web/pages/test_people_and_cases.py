"""Possible duplicates and cases in a real browser: a reviewer merges two persons from the match
queue and the case page shows both documents. Screenshots for docs/web.md."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from docproc.db.models import DocumentStatus
from docproc.storage import put_original
from tests.casework.conftest import new_birth_date, record_read
from tests.paths import REPO
from tests.web.pages.conftest import SCREENSHOTS, LiveServer, log_in

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Locator, Page, expect

IMAGES = REPO / "samples" / "images"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    yield context.new_page()
    context.close()


def _loaded(image: Locator, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if image.evaluate("img => img.complete && img.naturalWidth > 0"):
            return True
        time.sleep(0.1)
    return False


def _stored_read(server: LiveServer, sample: str, **fields: str | None) -> uuid.UUID:
    """A document whose original (a real sample scan) is in the store, read with ``fields``."""
    services = server.web.services
    stored, _ = put_original(services.store, (IMAGES / sample).read_bytes(), "image/jpeg")
    return record_read(services.session_factory, DocumentStatus.done, stored.key, None, **fields)


def test_a_reviewer_merges_two_persons_and_the_case_shows_both_documents(
    live_server: LiveServer, page: Page
) -> None:
    born = new_birth_date()
    passport = _stored_read(
        live_server, "01_td3_clean_idn.jpg", birth_date=born, given_names="MOHAMMAD ALI"
    )
    id_card = _stored_read(
        live_server,
        "02_td1_clean_idn.jpg",
        birth_date=born,
        given_names="MUHAMMAD ALI",
        document_code="I",
    )
    with httpx.Client(
        base_url=live_server.url, headers=live_server.web.auth("desk"), timeout=30
    ) as desk:
        newer = next(
            p["id"]
            for p in desk.get("/api/v1/persons").json()["persons"]
            if p["given_names"] == "MUHAMMAD ALI"
        )
        case = desk.post("/api/v1/cases", json={"reference": "HH-BROWSER"}).json()
        added = desk.post(
            f"/api/v1/cases/{case['id']}/persons", json={"person_id": newer, "role": "head"}
        )
        assert added.status_code == 200, added.text

    log_in(page, live_server.url, "reviewer")
    page.click("nav >> text=Duplicates")
    page.wait_for_url(f"{live_server.url}/people/matches")
    rows = page.locator("table.matches tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("similar name, same date of birth")
    rows.first.locator("a", has_text="Decide").click()

    sides = page.locator(".pair .side")
    expect(sides).to_have_count(2)
    expect(sides.nth(0)).to_contain_text("MOHAMMAD ALI")
    expect(sides.nth(1)).to_contain_text("MUHAMMAD ALI")
    expect(sides.nth(1)).to_contain_text("HH-BROWSER")
    for image in page.locator(".pair img.thumb").all():
        assert _loaded(image), "a scan beside the match did not load"
    page.fill("#merge-form input[name=note]", "same face on both scans")
    page.screenshot(path=str(SCREENSHOTS / "match.png"), full_page=True)
    page.click("#merge")
    # a confirmation in the page first: nothing is merged yet
    confirm = page.locator("#confirm-merge")
    expect(confirm).to_be_focused()
    expect(page.locator(".confirm")).to_contain_text("1 document(s)")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/people/**")
    expect(page.locator(".card.doc")).to_have_count(2)
    expect(page.locator("#unmerge")).to_be_visible()

    page.goto(f"{live_server.url}/cases/{case['id']}")
    members = page.locator("section.member")
    expect(members).to_have_count(1)
    expect(members.first).to_contain_text("head")
    expect(members.first).to_contain_text("MOHAMMAD ALI")
    documents = members.first.locator(".card.doc")
    expect(documents).to_have_count(2)
    ids = {documents.nth(i).get_attribute("data-document") for i in range(2)}
    assert ids == {str(passport), str(id_card)}
    expect(documents.first.locator(".badge.done")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)

    # The merge is in the audit log with who and why.
    with httpx.Client(
        base_url=live_server.url, headers=live_server.web.auth("supervisor"), timeout=30
    ) as supervisor:
        events = supervisor.get(
            "/api/v1/audit/events", params={"entity_type": "person_match", "kind": "merged"}
        ).json()["events"]
    assert [(e["actor"], e["detail"]["note"]) for e in events] == [("reviewer", True)]


def test_a_desk_user_cannot_open_the_match_queue(live_server: LiveServer, page: Page) -> None:
    log_in(page, live_server.url, "desk")
    expect(page.locator("nav")).not_to_contain_text("Duplicates")
    response = page.goto(f"{live_server.url}/people/matches")
    assert response is not None and response.status == 403
