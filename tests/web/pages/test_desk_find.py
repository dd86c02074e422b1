"""The desk finds things, in a real browser: keyboard-only upload, a re-upload pointing to the
earlier record, search by document number, every page at phone width, axe-core on every page.

One scan is uploaded and read once for the module (reading takes a while on a busy machine);
the other tests use it and records made through the pipeline's own ``record_outcome``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.casework.conftest import new_birth_date, record_read
from tests.paths import REPO
from tests.web.pages.conftest import SCREENSHOTS, LiveServer, log_in

pytest.importorskip("playwright")
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.web.pages.axe import assert_accessible

SAMPLE = REPO / "samples" / "images" / "01_td3_clean_idn.jpg"
READ_TIMEOUT_MS = 180_000
PHONE: ViewportSize = {"width": 390, "height": 844}


def _context(browser: Browser, viewport: ViewportSize | None = None) -> BrowserContext:
    return browser.new_context(viewport=viewport or {"width": 1280, "height": 900})


def _intercept_file_choosers(page: Page) -> None:
    """Have Playwright take file choosers from the start: it turns the interception on when a
    listener is added, asynchronously, so a chooser opened right after the first
    ``expect_file_chooser`` could still go to the (headless, invisible) native dialog."""
    page.on("filechooser", lambda _chooser: None)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = _context(browser)
    yield context.new_page()
    context.close()


def _api(server: LiveServer, role: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=server.web.auth(role), timeout=30)


@dataclass
class Uploaded:
    document_id: str
    number: str
    person_id: str


def _tab_to(page: Page, element_id: str, limit: int = 40) -> int:
    """Press Tab until the element with ``element_id`` has the focus; return the presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return presses
    raise AssertionError(f"#{element_id} not reached in {limit} Tabs")


@pytest.fixture(scope="module")
def uploaded(live_server: LiveServer, browser: Browser) -> Uploaded:
    """A scan uploaded with the keyboard only (Tab to the drop zone, Enter, the file chooser),
    followed until its record shows; then its document number and person."""
    context = _context(browser)
    page = context.new_page()
    _intercept_file_choosers(page)
    log_in(page, live_server.url, "desk")
    _tab_to(page, "dropzone")
    expect(page.locator("#dropzone")).to_be_focused()
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    assert chooser.value.is_multiple()  # the "choose files" input: gallery and PDFs, no camera
    chooser.value.set_files(str(SAMPLE))
    expect(page.locator("#uploads .upload.new td[data-field=surname]")).to_have_text(
        "LESTARI", timeout=READ_TIMEOUT_MS
    )
    document_id = page.locator("#uploads .upload.new").get_attribute("data-document")
    context.close()
    assert document_id
    with _api(live_server, "supervisor") as api:
        record: dict[str, Any] = api.get(f"/api/v1/documents/{document_id}").json()
        number = record["fields"]["document_number"]
        persons = api.get("/api/v1/persons", params={"document_number": number}).json()
    assert number and len(persons["persons"]) == 1
    return Uploaded(document_id, number, persons["persons"][0]["id"])


def test_the_desk_has_a_camera_input_and_a_file_input(live_server: LiveServer, page: Page) -> None:
    _intercept_file_choosers(page)
    log_in(page, live_server.url, "desk")
    camera, files = page.locator("#camera"), page.locator("#files")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    assert files.get_attribute("capture") is None
    assert "application/pdf" in (files.get_attribute("accept") or "")
    # each button opens its own chooser; Space on the drop zone opens the file chooser too
    with page.expect_file_chooser() as chooser:
        page.click("#take-photo")
    assert not chooser.value.is_multiple()
    page.focus("#dropzone")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    assert chooser.value.is_multiple()


def test_uploads_survive_a_reload_and_a_re_upload_points_to_the_earlier_record(
    live_server: LiveServer, uploaded: Uploaded, page: Page
) -> None:
    log_in(page, live_server.url, "desk")
    earlier = page.locator(f"#uploads .upload.earlier[data-document='{uploaded.document_id}']")
    expect(earlier).to_contain_text(SAMPLE.name)
    page.set_input_files("#files", str(SAMPLE))
    again = page.locator("#uploads .upload.new.duplicate")
    expect(again).to_contain_text(re.compile(r"Already uploaded on .+ by desk\."))
    link = again.locator(f"a[href='/documents/{uploaded.document_id}']")
    expect(link).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "desk.png"), full_page=True)
    link.click()
    page.wait_for_url(f"{live_server.url}/documents/{uploaded.document_id}")
    expect(page.locator("td[data-field=document_number]")).to_have_text(uploaded.number)
    # and the API says the same
    with _api(live_server, "desk") as api:
        body = api.post(
            "/api/v1/documents",
            files={"file": (SAMPLE.name, SAMPLE.read_bytes(), "image/jpeg")},
        ).json()
    assert body["created"] is False and body["id"] == uploaded.document_id
    assert body["duplicate_of"]["id"] == uploaded.document_id
    assert body["duplicate_of"]["uploaded_by"] == "desk"


def test_search_by_document_number_on_the_documents_and_people_pages(
    live_server: LiveServer, uploaded: Uploaded, page: Page
) -> None:
    log_in(page, live_server.url, "desk")
    page.goto(f"{live_server.url}/documents")
    page.fill("input[name=q]", uploaded.number.lower())
    page.click("form[role=search] button[type=submit]")
    rows = page.locator("table.documents tbody tr[data-document]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-document", uploaded.document_id)
    page.screenshot(path=str(SCREENSHOTS / "documents.png"), full_page=True)
    page.goto(f"{live_server.url}/people")
    page.fill("input[name=q]", uploaded.number)
    page.click("form[role=search] button[type=submit]")
    people = page.locator("table.people tbody tr")
    expect(people).to_have_count(1)
    expect(people.first.locator("a")).to_have_attribute("href", f"/people/{uploaded.person_id}")
    page.goto(f"{live_server.url}/people?q=NOSUCHNUMBER9")
    expect(page.locator("table.people tbody")).to_contain_text("No one found.")


def _pages_of(server: LiveServer, uploaded: Uploaded) -> dict[str, str]:
    """A URL of each page the desk team owns, with records made for them."""
    factory = server.web.services.session_factory
    born = new_birth_date()
    record_read(factory, birth_date=born, given_names="YUSUF KARIM", surname="HAIDARI")
    record_read(factory, birth_date=born, given_names="YOUSEF KARIM", surname="HAIDARY")
    with _api(server, "supervisor") as api:
        case = api.post("/api/v1/cases", json={"external_number": "123-26C00001"}).json()
        api.post(f"/api/v1/cases/{case['id']}/persons", json={"person_id": uploaded.person_id})
        matches = api.get("/api/v1/person-matches").json()["matches"]
    assert matches
    return {
        "desk": "/desk",
        "documents": "/documents",
        "document": f"/documents/{uploaded.document_id}",
        "people": "/people",
        "person": f"/people/{uploaded.person_id}",
        "cases": "/cases",
        "case": f"/cases/{case['id']}",
        "matches": "/people/matches",
        "match": f"/people/matches/{matches[0]['id']}",
        "review queue": "/review",
        "audit log": "/audit",
        "account": "/account",
    }


def _scroll_width(page: Page) -> int:
    width: int = page.evaluate("() => document.documentElement.scrollWidth")
    return width


def test_every_desk_page_fits_a_phone_without_horizontal_scrolling(
    live_server: LiveServer, uploaded: Uploaded, browser: Browser
) -> None:
    context = _context(browser, PHONE)
    page = context.new_page()
    log_in(page, live_server.url, "desk")  # the desk officer's own uploads on their phone
    expect(page.locator("#uploads .upload.earlier").first).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "desk-390.png"), full_page=True)
    widths = {"desk (desk officer)": _scroll_width(page)}
    context.close()
    context = _context(browser, PHONE)
    page = context.new_page()
    log_in(page, live_server.url, "supervisor")  # the longest header: every link
    for name, path in _pages_of(live_server, uploaded).items():
        page.goto(f"{live_server.url}{path}")
        widths[name] = _scroll_width(page)
    expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
    context.close()
    wide = {name: width for name, width in widths.items() if width > PHONE["width"]}
    assert wide == {}, wide


def _task_id(server: LiveServer, document_id: str) -> int:
    with _api(server, "reviewer") as api:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for task in api.get("/api/v1/review/tasks").json()["tasks"]:
                if task["document_id"] == document_id:
                    return int(task["task_id"])
            time.sleep(0.5)
    raise AssertionError("no review task for the uploaded document")


def test_axe_core_finds_nothing_serious_on_the_desk_teams_pages(
    live_server: LiveServer, uploaded: Uploaded, page: Page
) -> None:
    log_in(page, live_server.url, "supervisor")
    for path in _pages_of(live_server, uploaded).values():
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
    # the confirmation steps too
    page.goto(f"{live_server.url}{_pages_of(live_server, uploaded)['match']}")
    page.click("#merge")
    expect(page.locator("#confirm-merge")).to_be_visible()
    assert_accessible(page)


def test_axe_core_finds_nothing_serious_on_the_other_pages(
    live_server: LiveServer, uploaded: Uploaded, browser: Browser
) -> None:
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    assert_accessible(page)
    log_in(page, live_server.url, "desk")
    page.goto(f"{live_server.url}/audit")  # 403 for a desk officer
    assert_accessible(page)
    page.goto(f"{live_server.url}/no/such/page")  # 404
    assert_accessible(page)
    context.close()
    context = _context(browser)
    page = context.new_page()
    log_in(page, live_server.url, "supervisor")
    task_id = _task_id(live_server, uploaded.document_id)
    for path in ("/audit", "/review", f"/review/{task_id}"):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
    context.close()
