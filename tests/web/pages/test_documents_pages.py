"""The documents list and a document's page render, filter by batch and status, page, and keep
to the caller's sites (TestClient, no browser)."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from docproc.db import repo
from docproc.db.models import Document, DocumentStatus, FieldSource
from docproc.db.session import session_scope
from tests.casework.conftest import record_read
from tests.web.conftest import WebApp, login

HTML = {"Accept": "text/html"}


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-document="([0-9a-f-]+)"', page)


def test_the_documents_list_filters_by_batch_and_status_and_pages(
    web: WebApp, client: TestClient
) -> None:
    factory = web.services.session_factory
    with session_scope(factory) as session:
        batch = repo.create_batch(session, name="Tanjung Pinang 3", source="inbox", actor="desk")
        batch_id = batch.id
    in_batch = [record_read(factory, batch_id=batch_id) for _ in range(2)]
    failed = record_read(factory, status=DocumentStatus.failed)
    login(client, "desk")

    everything = client.get("/documents?batch=", headers=HTML)  # "Any" in the form
    assert everything.status_code == 200
    assert set(_rows(everything.text)) == {str(d) for d in [*in_batch, failed]}
    assert "Tanjung Pinang 3" in everything.text  # offered in the batch filter
    by_batch = client.get(f"/documents?batch={batch_id}", headers=HTML)
    assert set(_rows(by_batch.text)) == {str(d) for d in in_batch}
    by_status = client.get("/documents?status=failed", headers=HTML)
    assert _rows(by_status.text) == [str(failed)]
    first = client.get("/documents?page_size=2", headers=HTML)
    second = client.get("/documents?page_size=2&page=2", headers=HTML)
    assert len(_rows(first.text)) == 2 and len(_rows(second.text)) == 1
    assert "Page 1 of 2" in first.text and 'rel="next"' in first.text
    assert client.get("/documents?page_size=101", headers=HTML).status_code == 422

    page = client.get(f"/documents/{in_batch[0]}", headers=HTML)
    assert page.status_code == 200
    assert 'data-field="surname"' in page.text and "Tanjung Pinang 3" in page.text
    assert "/pages/1.jpg" in page.text
    assert client.get(f"/documents/{uuid.uuid4()}", headers=HTML).status_code == 404


def test_a_desk_officer_of_another_site_sees_neither_the_list_nor_the_page(
    web: WebApp, client: TestClient
) -> None:
    document_id = record_read(web.services.session_factory)
    with session_scope(web.services.session_factory) as session:
        document = session.get(Document, document_id)
        assert document is not None
        document.site_id = uuid.uuid4()  # a site the desk user does not belong to
    login(client, "desk")
    assert str(document_id) not in client.get("/documents", headers=HTML).text
    assert client.get(f"/documents/{document_id}", headers=HTML).status_code == 404


def test_a_documents_entities_show_the_sentence_stored_with_them(
    web: WebApp, client: TestClient
) -> None:
    factory = web.services.session_factory
    document_id = record_read(factory)
    sentence = "Kepala Rudenim Kupang, Heksa Asik Soepriadi, mengatakan pengungsi dipindahkan."
    with session_scope(factory) as session:
        document = repo.get_document(session, document_id)
        assert document is not None
        repo.save_extraction(
            session,
            document,
            [
                repo.FieldValue(
                    "entity.PERSON.0",
                    "Heksa Asik Soepriadi",
                    None,
                    FieldSource.ner,
                    0,
                    None,
                    sentence,
                )
            ],
            created_by="test-worker",
            source="docproc test",
        )
    login(client, "desk")
    page = client.get(f"/documents/{document_id}", headers=HTML)
    assert page.status_code == 200
    entities = page.text[page.text.index('<details class="card entities">') :]
    assert "Heksa Asik Soepriadi" in entities and f"<q>{sentence}</q>" in entities
