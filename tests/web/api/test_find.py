"""Finding documents and persons through the API, a re-upload's ``duplicate_of``, the case
number and the unmerge route; on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from docproc.db import repo
from docproc.db.models import Document
from docproc.db.session import session_scope
from tests.casework.conftest import new_birth_date, new_number, record_read
from tests.web.conftest import SAMPLES, WebApp


@pytest.fixture
def api(backend_client: TestClient) -> TestClient:
    return backend_client


def _person_of(web: WebApp, document_id: uuid.UUID) -> str:
    with session_scope(web.services.session_factory) as session:
        document = session.get(Document, document_id)
        assert document is not None
        return str(document.person_id)


def test_a_re_upload_answers_with_the_earlier_upload(api: TestClient, backend_web: WebApp) -> None:
    data = (SAMPLES / "02_td1_clean_idn.jpg").read_bytes()
    first = api.post(
        "/api/v1/documents",
        headers=backend_web.auth("desk"),
        files={"file": ("card.jpg", data, "image/jpeg")},
    ).json()
    assert first["created"] is True and first["duplicate_of"] is None
    again = api.post(
        "/api/v1/documents",
        headers=backend_web.auth("reviewer"),
        files={"file": ("same-card.jpg", data, "image/jpeg")},
    )
    assert again.status_code == 202
    body = again.json()
    assert body["created"] is False and body["id"] == first["id"]
    earlier = body["duplicate_of"]
    assert earlier["id"] == first["id"] and earlier["uploaded_by"] == "desk"
    assert earlier["page"] == f"/documents/{first['id']}" and earlier["uploaded_at"]
    mine = api.get("/api/v1/documents?mine=true", headers=backend_web.auth("desk")).json()
    assert [d["id"] for d in mine["documents"]] == [first["id"]]
    assert (
        api.get("/api/v1/documents?mine=true", headers=backend_web.auth("reviewer")).json()["total"]
        == 0
    )


def test_documents_and_persons_are_found_by_every_kind_of_term(
    api: TestClient, backend_web: WebApp
) -> None:
    born, number = new_birth_date(), new_number()
    document = record_read(
        backend_web.services.session_factory,
        birth_date=born,
        document_number=number,
        surname="SAMADI",
    )
    person = _person_of(backend_web, document)
    headers = backend_web.auth("supervisor")
    case = api.post("/api/v1/cases", headers=headers, json={"external_number": "987-26c11111"})
    assert case.status_code == 201 and case.json()["external_number"] == "987-26C11111"
    case_id = case.json()["id"]
    api.post(f"/api/v1/cases/{case_id}/persons", headers=headers, json={"person_id": person})

    def documents(**params: str) -> list[str]:
        response = api.get("/api/v1/documents", headers=headers, params=params)
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()["documents"]]

    def persons(**params: str) -> list[str]:
        response = api.get("/api/v1/persons", headers=headers, params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["persons"]]

    for params in (
        {"q": number.lower()},
        {"document_number": number},
        {"q": born},
        {"birth_date": born},
        {"q": "987-26C11111"},
        {"case_number": "987-26c11111"},
        {"name": "samadi", "birth_date": born},
    ):
        assert documents(**params) == [str(document)], params
        assert persons(**params) == [person], params
    assert documents(q="NOTHING1234") == [] and persons(q="NOTHING1234") == []
    bad = api.get("/api/v1/persons", headers=headers, params={"birth_date": "soon"})
    assert bad.status_code == 422 and bad.json()["reason"] == "bad_search"
    too_big = api.get("/api/v1/documents", headers=headers, params={"page_size": 101})
    assert too_big.status_code == 422
    # the case number can be changed, and is audited without the number
    changed = api.put(
        f"/api/v1/cases/{case_id}/external-number",
        headers=headers,
        json={"external_number": "987-26C22222"},
    )
    assert changed.status_code == 200 and changed.json()["external_number"] == "987-26C22222"
    assert persons(case_number="987-26C22222") == [person]
    with session_scope(backend_web.services.session_factory) as session:
        events = repo.events_for(session, "case", case_id)
    assert "external_number_set" in [e.kind for e in events]
    assert "22222" not in str([e.detail for e in events])


def test_the_unmerge_route_restores_both_persons(api: TestClient, backend_web: WebApp) -> None:
    born = new_birth_date()
    factory = backend_web.services.session_factory
    doc_a = record_read(factory, birth_date=born, given_names="MOHAMMAD ALI")
    doc_b = record_read(factory, birth_date=born, given_names="MUHAMMAD ALI")
    a, b = _person_of(backend_web, doc_a), _person_of(backend_web, doc_b)
    headers = backend_web.auth("reviewer")
    pending: list[dict[str, Any]] = api.get("/api/v1/person-matches", headers=headers).json()[
        "matches"
    ]
    (match,) = [m for m in pending if {m["person_a"], m["person_b"]} == {a, b}]
    url = f"/api/v1/person-matches/{match['id']}"
    not_yet = api.post(f"{url}/unmerge", headers=headers, json={})
    assert not_yet.status_code == 409 and not_yet.json()["reason"] == "cannot_unmerge"
    assert api.post(f"{url}/merge", headers=headers, json={"keep": a}).status_code == 200
    assert _person_of(backend_web, doc_b) == a
    desk = api.post(f"{url}/unmerge", headers=backend_web.auth("desk"), json={})
    assert desk.status_code == 403
    undone = api.post(f"{url}/unmerge", headers=headers, json={"note": "different fathers"})
    assert undone.status_code == 200 and undone.json()["status"] == "pending"
    assert _person_of(backend_web, doc_b) == b
    record = api.get(f"/api/v1/persons/{b}", headers=headers).json()
    assert record["merged_into"] is None and [d["id"] for d in record["documents"]] == [str(doc_b)]
