"""The whole walk in Indonesian: a browser that asks for Indonesian gets every page in it.

An admin (who sees every page) with an Indonesian browser walks the desk, the documents and one
document, people and one person, cases, the review queue and a task, duplicates, the audit log,
the admin pages and an unknown URL. On every page the document's language is ``id``, no English
interface text is left (none of the catalogue's English messages that have an Indonesian
translation of their own shows in the page's visible text), and axe-core finds nothing serious or
critical.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from docproc.web.messages import translated
from tests.paths import REPO
from tests.web.pages.conftest import SCREENSHOTS, LiveServer, log_in

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page

from tests.web.pages.axe import assert_accessible

SAMPLE = REPO / "samples" / "images" / "01_td3_clean_idn.jpg"


def _english_phrases() -> list[str]:
    """English interface texts that read differently in Indonesian: each literal run of two
    words or more between placeholders (a single word may be the same in both languages or
    part of a name)."""
    phrases: set[str] = set()
    for english, indonesian in translated("id").items():
        if english.strip().lower() == indonesian.strip().lower():
            continue
        for piece in re.split(r"%\(\w+\)[sd]|%[sd]", english):
            piece = piece.strip(" .,:;·…()")
            if len(piece.split()) >= 2 and piece.lower() not in indonesian.lower():
                phrases.add(piece)
    return sorted(phrases, key=len, reverse=True)


@pytest.fixture(scope="module")
def document_id(live_server: LiveServer) -> str:
    """One sample read through the pipeline, so the lists, the person and a task have content."""
    with httpx.Client(
        base_url=live_server.url, headers=live_server.web.auth("desk"), timeout=30
    ) as api:
        response = api.post(
            "/api/v1/documents", files={"file": (SAMPLE.name, SAMPLE.read_bytes(), "image/jpeg")}
        )
        assert response.status_code == 202, response.text
        found: str = response.json()["id"]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if api.get(f"/api/v1/documents/{found}").json().get("finished", True):
                return found
            time.sleep(0.5)
    raise AssertionError("the sample was not read in time")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_every_page_is_in_indonesian_and_accessible_for_an_indonesian_browser(
    live_server: LiveServer, page: Page, document_id: str
) -> None:
    phrases = _english_phrases()
    assert len(phrases) > 100  # the catalogue is there and read
    log_in(page, live_server.url, "admin")
    with httpx.Client(
        base_url=live_server.url, headers=live_server.web.auth("admin"), timeout=30
    ) as api:
        persons = api.get("/api/v1/persons").json()["persons"]
        tasks = api.get("/api/v1/review/tasks").json()["tasks"]
    person = persons[0]["id"] if persons else None
    paths = ["/desk", "/documents", f"/documents/{document_id}", "/people", "/cases"]
    paths += [f"/people/{person}"] if person else []
    paths += [
        "/review",
        "/people/matches",
        "/audit",
        "/admin/users",
        "/admin/users/desk",
        "/account",
    ]
    paths += ["/no/such/page"]
    paths += [f"/review/{tasks[0]['task_id']}"] if tasks else []
    left: dict[str, list[str]] = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("() => document.documentElement.lang") == "id", path
        assert_accessible(page)
        text = page.inner_text("body")
        found = [phrase for phrase in phrases if phrase in text]
        if found:
            left[path] = found
    assert person is not None and tasks, "the walk needs a person and a review task"
    assert "Keluar" in page.inner_text("header")
    assert left == {}, f"English left on Indonesian pages: {left}"
    page.goto(f"{live_server.url}/documents")
    page.screenshot(path=str(SCREENSHOTS / "documents-id.png"), full_page=True)
