"""The review task in a real browser (Debian's Chromium): the scan's zoom and the field's box, a
disagreement taken with one key, a bad date refused in place, on to the next task with an undo,
a released claim taken by another reviewer, a corrected name re-linking the person; screenshots
for docs/web.md in English and Indonesian."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from docproc.casework import review
from docproc.config import Settings
from docproc.db import repo
from docproc.db.models import (
    Document,
    DocumentStatus,
    FieldSource,
    Person,
    ReviewState,
    ReviewTask,
)
from docproc.db.repo import FieldValue
from docproc.db.session import session_scope
from docproc.processing.outcome import ReadOutcome, read_outcome
from docproc.processing.process import record_outcome, store_artefacts
from docproc.storage import put_original
from tests.paths import REPO
from tests.web.pages.conftest import SCREENSHOTS, LiveServer, log_in

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect

SAMPLE = REPO / "samples" / "images" / "01_td3_clean_idn.jpg"


@pytest.fixture(scope="module")
def reading() -> ReadOutcome:
    """The sample passport read once (MRZ only): its real MRZ position, lines and fields."""
    outcome = read_outcome(SAMPLE.read_bytes(), SAMPLE.name, Settings(extract="mrz"))
    assert outcome.mrz_json is not None and outcome.fields
    return outcome


def _misread(value: str) -> str:
    """A value as a worn print might be read: the first digit or O/I turned into a look-alike."""
    swaps = {"0": "O", "1": "I", "8": "B", "5": "S", "O": "0", "I": "1"}
    for i, char in enumerate(value):
        if char in swaps:
            return value[:i] + swaps[char] + value[i + 1 :]
    return value[:-1] + ("X" if value[-1] != "X" else "Y")


def _seed(
    server: LiveServer,
    reading: ReadOutcome,
    *,
    mrz: dict[str, str | None] | None = None,
    printed: dict[str, str] | None = None,
    reason: str = "check_failed:document_number",
    original: tuple[bytes, str] | None = None,
    second_page: tuple[str, ...] = (),
    entities: tuple[tuple[str, ...], ...] = (),
    text: str = "",
) -> tuple[int, uuid.UUID]:
    """A document of the sample scan (or ``original``: bytes and file name) recorded as read with
    ``mrz`` overriding MRZ fields and ``printed`` as visual-zone fields (boxed in rows above the
    MRZ's box; those named in ``second_page`` on page 2), with its task."""
    services = server.web.services
    data, filename = original or (SAMPLE.read_bytes(), SAMPLE.name)
    data += f"\nseed-{uuid.uuid4().hex}".encode() if original is None else b""
    stored, _ = put_original(services.store, data, "application/octet-stream")
    fields = [
        dataclasses.replace(f, value=(mrz or {}).get(f.name, f.value)) for f in reading.fields
    ]
    box = next(f.box for f in reading.fields if f.box)
    assert box is not None
    x, y, w, _h = box
    for i, (name, value) in enumerate((printed or {}).items()):
        fields.append(
            FieldValue(
                f"viz.{name}",
                value,
                0.93,
                FieldSource.viz,
                1 if name in second_page else 0,
                (x, y - 60 * (i + 2), w // 2, 40),
            )
        )
    for number, (label, value, *sentence) in enumerate(entities):
        name = f"entity.{label}.{number}"
        kept = sentence[0] if sentence else None  # as the tagger gave it (migration 0012)
        fields.append(FieldValue(name, value, None, FieldSource.ner, 0, None, kept))
    pages = 2 if second_page else reading.pages
    outcome = dataclasses.replace(reading, fields=tuple(fields), reason=reason, pages=pages)
    if text:  # the page's OCR text, where the entities' sentences come from
        outcome = dataclasses.replace(outcome, artefacts=(("page-0.ocr.json", {"text": text}),))
    outcome = dataclasses.replace(outcome, status=DocumentStatus.needs_review)
    with session_scope(services.session_factory) as session:
        document, _ = repo.get_or_create_document(
            session,
            sha256=hashlib.sha256(data).hexdigest(),
            source_key=stored.key,
            filename=filename,
            media_type="application/octet-stream",
        )
        document_id = document.id
    with session_scope(services.session_factory) as session:
        assert repo.claim_for_processing(session, document_id, "test-worker")
    with session_scope(services.session_factory) as session:
        read = repo.get_document(session, document_id)
        assert read is not None
        record_outcome(session, read, outcome, actor="test-worker")
        store_artefacts(services.store, document_id, outcome)
        task = review.open_task_for(session, read, 0.0)
        assert task is not None
        return task.id, document_id


def _clear_queue(server: LiveServer) -> None:
    """Close every task earlier tests left open, so "the next task" is the one seeded next."""
    with session_scope(server.web.services.session_factory) as session:
        for task in session.scalars(
            select(ReviewTask).where(ReviewTask.state.in_([ReviewState.open, ReviewState.claimed]))
        ):
            task.state = ReviewState.accepted


def _task(server: LiveServer, task_id: int) -> ReviewTask:
    with session_scope(server.web.services.session_factory) as session:
        task = session.get(ReviewTask, task_id)
        assert task is not None
        session.expunge(task)
        return task


def _open_claimed(page: Page, server: LiveServer, task_id: int) -> None:
    """Claim the task from the queue page's button (as a reviewer would) and wait for the scan."""
    page.goto(f"{server.url}/review")
    page.locator(f"form[action='/review/{task_id}/claim'] button").click()
    page.wait_for_url(f"{server.url}/review/{task_id}")
    _wait_for_sizes(page)


def _wait_for_sizes(page: Page, timeout: float = 60.0) -> None:
    """Until the scan has loaded and the page sizes are known (the boxes can be drawn)."""
    deadline = time.monotonic() + timeout
    root = page.locator("#review-task")
    while time.monotonic() < deadline:
        if root.get_attribute("data-sizes") == "loaded" and page.locator("#scan").evaluate(
            "img => img.complete && img.naturalWidth > 0"
        ):
            return
        time.sleep(0.1)
    raise AssertionError("the scan or its page sizes did not load")


@pytest.fixture
def reviewer(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    log_in(page, live_server.url, "reviewer")
    yield page
    context.close()


def _zoom(page: Page) -> int:
    text = page.locator("#zoom-level").inner_text()
    return int(text.rstrip("%"))


def test_the_scan_zooms_and_outlines_the_field_in_focus(
    live_server: LiveServer, reviewer: Page, reading: ReadOutcome
) -> None:
    _clear_queue(live_server)
    number = next(f.value for f in reading.fields if f.name == "document_number")
    assert number
    task_id, _ = _seed(live_server, reading, printed={"document_number": number})
    _open_claimed(reviewer, live_server, task_id)
    box, viewport = reviewer.locator("#field-box"), reviewer.locator("#viewport")
    expect(box).to_be_visible()
    fitted = _zoom(reviewer)
    reviewer.locator("body").focus()
    reviewer.keyboard.press("+")
    reviewer.keyboard.press("+")
    assert _zoom(reviewer) > fitted
    reviewer.locator("#zoom-out").click()
    zoomed = _zoom(reviewer)
    assert fitted < zoomed
    viewport.hover()
    reviewer.mouse.wheel(0, -300)
    assert _zoom(reviewer) > zoomed
    reviewer.keyboard.press("0")
    assert _zoom(reviewer) == fitted
    # the document number is read from the MRZ's second line: its box lies low on the page
    while not reviewer.locator("tr.current[data-field=document_number]").count():
        reviewer.keyboard.press("j")
    mrz_box = box.bounding_box()
    assert mrz_box is not None
    # zoomed onto the field, its box is large and still inside the scan's frame
    reviewer.keyboard.press("z")
    near = box.bounding_box()
    frame = viewport.bounding_box()
    assert near is not None and frame is not None
    assert near["width"] > mrz_box["width"] * 2
    assert frame["x"] <= near["x"] and near["x"] + near["width"] <= frame["x"] + frame["width"]
    assert frame["y"] <= near["y"] and near["y"] + near["height"] <= frame["y"] + frame["height"]
    # the printed reading's own box is outlined when pointed at
    reviewer.keyboard.press("0")
    reviewer.locator("tr[data-field=document_number] td[data-source=viz] button.take").hover()
    printed = box.bounding_box()
    assert printed is not None and printed["y"] < mrz_box["y"]


def test_a_disagreement_is_highlighted_and_taken_with_one_key(
    live_server: LiveServer, reviewer: Page, reading: ReadOutcome
) -> None:
    _clear_queue(live_server)
    number = next(f.value for f in reading.fields if f.name == "document_number")
    assert number
    wrong = _misread(number)
    task_id, document_id = _seed(
        live_server, reading, mrz={"document_number": wrong}, printed={"document_number": number}
    )
    _open_claimed(reviewer, live_server, task_id)
    row = reviewer.locator("tr[data-field=document_number]")
    expect(row).to_have_class(re.compile(r"\bmismatch\b"))
    expect(row.locator("td.differs")).to_contain_text(number)
    expect(reviewer.locator("tr.mismatch")).to_have_count(1)
    expect(row).to_have_class(re.compile(r"\bcurrent\b"))  # the page starts on the disagreement
    # an empty field shows no source and no confidence
    empty = [f.name for f in reading.fields if not f.value]
    if empty:
        expect(reviewer.locator(f"#h-{empty[0]}")).not_to_contain_text("1.00")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    reviewer.screenshot(path=str(SCREENSHOTS / "review-task.png"))
    reviewer.keyboard.press("t")
    expect(reviewer.locator("#f-document_number")).to_have_value(number)
    expect(reviewer.locator("#h-document_number")).to_contain_text("matches")
    reviewer.keyboard.press("s")
    reviewer.wait_for_url(re.compile(rf"\?after={task_id}$"))
    with session_scope(live_server.web.services.session_factory) as session:
        latest = repo.latest_extraction(session, document_id)
        assert latest is not None and latest.version == 2
        assert {f.name: f.value for f in latest.fields}["document_number"] == number


def test_an_impossible_date_is_refused_beside_the_field(
    live_server: LiveServer, reviewer: Page, reading: ReadOutcome
) -> None:
    _clear_queue(live_server)
    task_id, document_id = _seed(live_server, reading)
    _open_claimed(reviewer, live_server, task_id)
    born = reviewer.locator("#f-birth_date")
    born.fill("17 MAY 1978")
    error = reviewer.locator("#e-birth_date")
    expect(error).to_contain_text("YYYY-MM-DD")
    expect(born).to_have_attribute("aria-invalid", "true")
    born.press("Enter")  # refused in the browser: the page stays
    expect(born).to_be_focused()
    assert reviewer.url.endswith(f"/review/{task_id}")
    # and on the server, for a browser without the script: the page again, the error in place
    reviewer.evaluate("() => document.getElementById('fix-form').submit()")
    reviewer.wait_for_load_state("load")
    expect(reviewer.locator("#e-birth_date")).to_contain_text("YYYY-MM-DD")
    expect(reviewer.locator("#f-birth_date")).to_have_value("17 MAY 1978")
    expect(reviewer.locator("tr[data-field=birth_date]")).to_have_class(re.compile(r"\binvalid\b"))
    with session_scope(live_server.web.services.session_factory) as session:
        latest = repo.latest_extraction(session, document_id)
        assert latest is not None and latest.version == 1


def test_a_printed_field_is_corrected_on_the_task(
    live_server: LiveServer, reviewer: Page, reading: ReadOutcome
) -> None:
    _clear_queue(live_server)
    task_id, document_id = _seed(
        live_server, reading, printed={"place_of_birth": "JAKRTA", "issue_date": "2019-03-02"}
    )
    _open_claimed(reviewer, live_server, task_id)
    place = reviewer.locator("input[name='field_viz.place_of_birth']")
    issued = reviewer.locator("input[name='field_viz.issue_date']")
    expect(place).to_have_value("JAKRTA")
    issued.fill("2 MAR 2019")  # a printed date is checked as typed, like the MRZ's
    expect(reviewer.locator("tr[data-field='viz.issue_date'] .field-error")).to_contain_text(
        "YYYY-MM-DD"
    )
    issued.fill("2019-03-02")
    expect(reviewer.locator("tr[data-field='viz.issue_date'] .field-error")).to_have_text("")
    place.fill("Jakarta")
    place.press("Enter")
    reviewer.wait_for_url(re.compile(rf"\?after={task_id}$"))
    with session_scope(live_server.web.services.session_factory) as session:
        latest = repo.latest_extraction(session, document_id)
        assert latest is not None and latest.version == 2
        by_name = {f.name: f for f in latest.fields}
        assert (by_name["viz.place_of_birth"].value, by_name["viz.place_of_birth"].source) == (
            "Jakarta",
            "reviewer",
        )
        assert by_name["viz.issue_date"].source == "viz"  # unchanged, carried as read


def test_accept_moves_to_the_next_task_and_undo_brings_it_back(
    live_server: LiveServer, reviewer: Page, reading: ReadOutcome
) -> None:
    _clear_queue(live_server)
    first, _ = _seed(
        live_server,
        reading,
        reason="check_failed:document_number,minor",
        entities=(
            ("PERSON", "PUTRI LESTARI", "Surat keterangan: PUTRI LESTARI, lahir 2001."),
            ("GPE", "Tanjungpinang"),
        ),
        text="Surat keterangan.\nPUTRI LESTARI tinggal di Tanjungpinang sejak 2019. Lain hal.",
    )
    second, _ = _seed(live_server, reading)
    reviewer.goto(f"{live_server.url}/review")
    expect(reviewer.locator("tbody .badge.warning")).to_contain_text("minor")
    start = reviewer.locator("#start-review")
    expect(start).to_be_focused()  # the first action needs no Tab at all
    reviewer.keyboard.press("Enter")
    reviewer.wait_for_url(f"{live_server.url}/review/{first}")
    # a minor stands out above everything; a warning is not listed among the doubts
    expect(reviewer.locator(".minor-alert")).to_be_visible()
    expect(reviewer.locator(".badge.doubt")).not_to_contain_text("minor")
    # names and places in the text: collapsed, each with its sentence: the one stored with
    # the entity, or (older records) the one found in the page's OCR text
    entities = reviewer.locator("details.entities")
    expect(entities).not_to_have_attribute("open", "")
    expect(entities.locator("q").first).to_have_text("Surat keterangan: PUTRI LESTARI, lahir 2001.")
    expect(entities.locator("q").nth(1)).to_have_text(
        "PUTRI LESTARI tinggal di Tanjungpinang sejak 2019."
    )
    reviewer.keyboard.press("a")
    reviewer.wait_for_url(f"{live_server.url}/review/{second}?after={first}")
    expect(reviewer.locator(".undo-banner")).to_contain_text(f"Accepted task {first}")
    assert _task(live_server, second).claimed_by == "reviewer"
    assert _task(live_server, first).state is ReviewState.accepted
    reviewer.keyboard.press("u")
    reviewer.wait_for_url(f"{live_server.url}/review/{first}")
    undone, left = _task(live_server, first), _task(live_server, second)
    assert (undone.state, undone.claimed_by) == (ReviewState.claimed, "reviewer")
    assert left.state is ReviewState.open  # the task moved on to goes back to the queue


def test_a_released_claim_is_taken_by_another_reviewer(
    live_server: LiveServer, reviewer: Page, browser: Browser, reading: ReadOutcome
) -> None:
    _clear_queue(live_server)
    task_id, _ = _seed(live_server, reading)
    _open_claimed(reviewer, live_server, task_id)
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(other, live_server.url, "supervisor")
    other.goto(f"{live_server.url}/review/{task_id}")
    expect(other.locator("#claim-button")).to_have_count(0)  # held by the reviewer
    reviewer.locator("body").focus()
    reviewer.keyboard.press("l")
    reviewer.wait_for_url(f"{live_server.url}/review")
    assert _task(live_server, task_id).state is ReviewState.open
    other.goto(f"{live_server.url}/review/{task_id}")
    other.locator("#claim-button").click()
    other.wait_for_url(f"{live_server.url}/review/{task_id}")
    expect(other.locator("#accept-form")).to_be_visible()
    assert _task(live_server, task_id).claimed_by == "supervisor"
    other.context.close()


def test_a_corrected_name_relinks_the_person(
    live_server: LiveServer, reviewer: Page, reading: ReadOutcome
) -> None:
    _clear_queue(live_server)
    surname = next(f.value for f in reading.fields if f.name == "surname")
    assert surname
    factory = live_server.web.services.session_factory
    number = "C" + uuid.uuid4().hex[:8].upper()  # no other document of this number: its own person
    task_id, document_id = _seed(
        live_server, reading, mrz={"surname": surname + "X", "document_number": number}
    )
    with session_scope(factory) as session:
        document = session.get(Document, document_id)
        assert document is not None and document.person_id is not None
        misread = document.person_id
        person = session.get(Person, misread)
        assert person is not None and person.surname == surname + "X"
    _open_claimed(reviewer, live_server, task_id)
    field = reviewer.locator("#f-surname")
    field.fill(surname)
    field.press("Enter")
    reviewer.wait_for_url(re.compile(rf"\?after={task_id}$"))
    with session_scope(factory) as session:
        document = session.get(Document, document_id)
        assert document is not None and document.person_id not in (None, misread)
        assert session.get(Person, misread) is None  # made from the misread name only
        person = session.get(Person, document.person_id)
        assert person is not None and person.surname == surname


def test_the_task_page_in_indonesian(
    live_server: LiveServer, browser: Browser, reading: ReadOutcome
) -> None:
    _clear_queue(live_server)
    number = next(f.value for f in reading.fields if f.name == "document_number")
    assert number
    task_id, _ = _seed(
        live_server,
        reading,
        mrz={"document_number": _misread(number)},
        printed={"document_number": number},
        reason="check_failed:document_number,expired",
    )
    context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="id-ID")
    page = context.new_page()
    log_in(page, live_server.url, "reviewer")
    page.goto(f"{live_server.url}/review")
    expect(page.locator("#start-review")).to_contain_text("Periksa")
    expect(page.locator("select[name=reason]")).to_contain_text("habis berlaku")
    _open_claimed(page, live_server, task_id)
    expect(page.locator("#accept-button")).to_contain_text("Terima")
    expect(page.locator(".badge.warning")).to_contain_text("habis berlaku")
    page.screenshot(path=str(SCREENSHOTS / "review-task-id.png"))
    context.close()


def _two_page_tiff() -> bytes:
    """The sample passport as page 1 and a second scan as page 2 of one TIFF."""
    from PIL import Image

    first = Image.open(SAMPLE).convert("RGB")
    second = Image.open(REPO / "samples" / "images" / "neg_letter.jpg").convert("RGB")
    out = io.BytesIO()
    first.save(out, format="TIFF", save_all=True, append_images=[second], compression="tiff_lzw")
    return out.getvalue() + uuid.uuid4().bytes  # unique content, trailing bytes ignored


def test_every_page_is_shown_and_a_field_opens_its_page(
    live_server: LiveServer, reviewer: Page, reading: ReadOutcome
) -> None:
    _clear_queue(live_server)
    task_id, _ = _seed(
        live_server,
        reading,
        printed={"issuing_authority": "KANIM TANJUNG PINANG"},
        original=(_two_page_tiff(), "passport-and-letter.tif"),
        second_page=("issuing_authority",),
    )
    _open_claimed(reviewer, live_server, task_id)
    tabs, scan = reviewer.locator(".page-tab"), reviewer.locator("#scan")
    expect(tabs).to_have_count(2)
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    reviewer.locator("body").focus()
    reviewer.keyboard.press("]")
    expect(scan).to_have_attribute("src", re.compile(r"/pages/2\.jpg$"))
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    reviewer.keyboard.press("[")
    expect(scan).to_have_attribute("src", re.compile(r"/pages/1\.jpg$"))
    # a field read on page 2 opens page 2, its box drawn there, when it is edited
    reviewer.locator("tr.other-row input.field").click()
    expect(scan).to_have_attribute("src", re.compile(r"/pages/2\.jpg$"))
    expect(reviewer.locator("#field-box")).to_be_visible()
