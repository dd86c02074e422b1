"""Learning from review in a real browser: on the review task page a reviewer assigns a form's
unknown label to a schema field (the partial ``_label_mapping.html``, when the page includes it)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.web.api.test_labels import RAW_LABEL, form_read_with_raw_label
from tests.web.pages.conftest import LiveServer, log_in

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_a_reviewer_assigns_an_unknown_label_on_the_review_page(
    live_server: LiveServer, page: Page
) -> None:
    document_id = form_read_with_raw_label(live_server.web.services.session_factory)
    with httpx.Client(
        base_url=live_server.url, headers=live_server.web.auth("reviewer"), timeout=30
    ) as api:
        tasks = api.get("/api/v1/review/tasks").json()["tasks"]
        (task,) = [t for t in tasks if t["document_id"] == str(document_id)]
        task_id = task["task_id"]
        log_in(page, live_server.url, "reviewer")
        page.goto(f"{live_server.url}/review/{task_id}")
        if page.locator("#label-mapping").count() == 0:
            pytest.skip("the review task page does not include _label_mapping.html yet")
        row = page.locator("#raw-labels tr.raw-label", has_text=RAW_LABEL)
        expect(row).to_contain_text("0812 3456 7890")
        row.locator("select[name=field]").select_option("phone")
        row.locator("button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/review/{task_id}?label_saved=1#label-mapping")
        expect(page.locator("#label-mapping [role=status]")).to_be_visible()
        learned = api.get("/api/v1/labels").json()["labels"]
    assert [(m["label"], m["field"], m["set_by"]) for m in learned] == [
        (RAW_LABEL, "phone", "reviewer")
    ]
