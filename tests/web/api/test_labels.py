"""Learning from review through the web: the API and the review page's form assign a form's
unknown label to a schema field; the partial ``_label_mapping.html`` shows each raw pair with a
field list in the reviewer's language."""

from __future__ import annotations

import hashlib
import uuid
from types import SimpleNamespace

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import labels
from docproc.casework.auth import Principal
from docproc.casework.review import document_record
from docproc.db import repo
from docproc.db.models import DocumentStatus, FieldSource, Role
from docproc.db.repo import FieldValue
from docproc.db.session import session_scope
from docproc.processing.outcome import ReadOutcome
from docproc.processing.process import record_outcome
from docproc.web import labels as web_labels
from docproc.web.i18n import localizer
from tests.web.conftest import WebApp, login

RAW_LABEL = "Kontak WhatsApp"


def form_read_with_raw_label(factory: sessionmaker[Session]) -> uuid.UUID:
    """A form read with one label the lexicon did not know (kept as a raw pair)."""
    sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    with session_scope(factory) as session:
        document, _ = repo.get_or_create_document(
            session, sha256=sha, source_key=f"originals/{sha[:2]}/{sha}"
        )
        document_id = document.id
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, document_id, "w")
    fields = (
        FieldValue("form.name", "NUR KALIMA", 0.95, FieldSource.form, 1, (10, 10, 200, 30)),
        FieldValue(
            f"form.raw:{RAW_LABEL}", "0812 3456 7890", 0.9, FieldSource.form, 1, (10, 60, 200, 30)
        ),
    )
    outcome = ReadOutcome(
        DocumentStatus.needs_review, "unknown_labels", pages=2, fields=fields, kind="form"
    )
    with session_scope(factory) as session:
        stored = repo.get_document(session, document_id)
        assert stored is not None
        record_outcome(session, stored, outcome, actor="w")
    return document_id


def _task_id(client: TestClient, web: WebApp, document_id: uuid.UUID) -> int:
    tasks = client.get("/api/v1/review/tasks", headers=web.auth("reviewer")).json()["tasks"]
    (task,) = [t for t in tasks if t["document_id"] == str(document_id)]
    task_id: int = task["task_id"]
    return task_id


def test_a_reviewer_maps_a_label_through_the_api(web: WebApp, client: TestClient) -> None:
    task_id = _task_id(client, web, form_read_with_raw_label(web.services.session_factory))
    url = f"/api/v1/review/tasks/{task_id}/labels"
    body = {"label": RAW_LABEL, "field": "phone"}
    assert client.post(url, json=body, headers=web.auth("desk")).status_code == 403
    bad = client.post(url, json={**body, "field": "shoe_size"}, headers=web.auth("reviewer"))
    assert bad.status_code == 422 and bad.json()["reason"] == "bad_label_mapping"
    made = client.post(url, json=body, headers=web.auth("reviewer"))
    assert made.status_code == 200, made.text
    assert made.json()["field"] == "phone" and made.json()["set_by"] == "reviewer"
    # every field keeps the page it was read on (counting from 1), in the API's record
    task = client.get(f"/api/v1/review/tasks/{task_id}", headers=web.auth("reviewer")).json()
    assert task["document"]["field_pages"] == {"form.name": 2, f"form.raw:{RAW_LABEL}": 2}
    listed = client.get("/api/v1/labels", headers=web.auth("reviewer")).json()
    assert [(m["label"], m["field"]) for m in listed["labels"]] == [(RAW_LABEL, "phone")]
    assert "phone" in listed["fields"] and "address" in listed["fields"]
    with session_scope(web.services.session_factory) as session:
        assert labels.label_variants(session) == (("phone", RAW_LABEL),)
    forget = {"label": RAW_LABEL}
    assert (
        client.post("/api/v1/labels/forget", json=forget, headers=web.auth("reviewer")).status_code
        == 403
    )
    gone = client.post("/api/v1/labels/forget", json=forget, headers=web.auth("supervisor"))
    assert gone.json() == {"label": RAW_LABEL, "forgotten": True}


def test_the_review_page_form_remembers_a_label(web: WebApp, client: TestClient) -> None:
    task_id = _task_id(client, web, form_read_with_raw_label(web.services.session_factory))
    csrf = login(client, "reviewer")
    form = {"label": RAW_LABEL, "field": "phone"}
    refused = client.post(f"/review/{task_id}/labels", data=form, follow_redirects=False)
    assert refused.status_code == 403
    saved = client.post(
        f"/review/{task_id}/labels", data={**form, "csrf_token": csrf}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/review/{task_id}?label_saved=1#label-mapping"
    with session_scope(web.services.session_factory) as session:
        assert labels.label_variants(session) == (("phone", RAW_LABEL),)
        events = repo.events_for(session, "label_variant", 1)
        assert [(e.kind, e.actor, e.new) for e in events] == [("label_mapped", "reviewer", "phone")]
        assert events[0].detail is not None and events[0].detail["task_id"] == task_id


def test_the_partial_shows_each_raw_pair_with_fields_in_the_users_language(
    web: WebApp, client: TestClient
) -> None:
    document_id = form_read_with_raw_label(web.services.session_factory)
    task_id = _task_id(client, web, document_id)
    with session_scope(web.services.session_factory) as session:
        reviewer = Principal(user_id="r", username="reviewer", role=Role.reviewer, via="token")
        record = document_record(session, document_id, reviewer, audit_kind="")
    template = web.app.state.docproc.templates.env.get_template("_label_mapping.html")
    settings = web.app.state.docproc.settings
    pages = {}
    for language in ("en", "id"):
        local = localizer(language, "Asia/Jakarta")
        pages[language] = template.render(
            **local.context(),
            field_name=lambda name, _=local.gettext: web_labels.field_name(name, _),
            form_field_keys=lambda: web_labels.form_field_keys(settings.form_definitions_dir),
            record=record,
            task=SimpleNamespace(id=task_id),
            csrf="t0ken",
            request=None,
        )
    html = pages["id"]
    assert f'action="/review/{task_id}/labels"' in html
    assert f'name="label" value="{RAW_LABEL}"' in html and "0812 3456 7890" in html
    assert 'name="csrf_token" value="t0ken"' in html
    assert '<option value="phone">Nomor telepon</option>' in html
    assert "Label yang belum dikenal pembaca formulir" in html
    assert '<option value="phone">Phone number</option>' in pages["en"]
    assert "NUR KALIMA" not in html  # known fields are not offered for mapping
