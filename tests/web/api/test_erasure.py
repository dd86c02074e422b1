"""The admin's erasure and legal-hold actions over the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from docproc.db.models import Document
from docproc.db.session import session_scope
from tests.casework.conftest import new_birth_date, new_number
from tests.casework.test_erasure import _scan, _store_bytes, _surname, _traces
from tests.web.conftest import WebApp


def test_only_an_admin_erases_and_a_hold_stops_it(
    backend_web: WebApp, backend_client: TestClient
) -> None:
    web, client = backend_web, backend_client
    store, factory = web.services.store, web.services.session_factory
    surname, number = _surname(), new_number()
    document_id = _scan(store, factory, surname, number, new_birth_date())
    with session_scope(factory) as session:
        person_id = session.get(Document, document_id).person_id  # type: ignore[union-attr]
    erase = f"/api/v1/persons/{person_id}/erase"
    body = {"reason": "data_subject_request", "reference": "REQ-9"}

    for role in ("desk", "reviewer", "supervisor"):
        assert client.post(erase, json=body, headers=web.auth(role)).status_code == 403
    hold = client.put(
        f"/api/v1/documents/{document_id}/legal-hold",
        json={"hold": True},
        headers=web.auth("admin"),
    )
    assert hold.status_code == 200, hold.text
    refused = client.post(erase, json=body, headers=web.auth("admin"))
    assert refused.status_code == 409 and refused.json()["reason"] == "legal_hold"
    bad = client.post(erase, json={"reason": "because"}, headers=web.auth("admin"))
    assert bad.status_code == 422 and bad.json()["reason"] == "bad_erasure"
    assert _traces(_store_bytes(store), surname, number) == {surname, number}

    client.put(
        f"/api/v1/documents/{document_id}/legal-hold",
        json={"hold": False},
        headers=web.auth("admin"),
    )
    done = client.post(erase, json=body, headers=web.auth("admin"))
    assert done.status_code == 200, done.text
    assert done.json()["erased"]["persons"] == 1
    assert _traces(_store_bytes(store), surname, number) == set()
    gone = client.get(f"/api/v1/documents/{document_id}", headers=web.auth("admin"))
    assert gone.status_code == 404 and gone.json()["reason"] == "record_not_found"
    tombstone = client.get(
        "/api/v1/audit/events",
        params={"kind": "erased", "entity_id": str(person_id)},
        headers=web.auth("supervisor"),
    ).json()["events"]
    assert [(e["actor"], e["detail"]["reference"]) for e in tombstone] == [("admin", "REQ-9")]
    assert surname not in str(tombstone) and number not in str(tombstone)
