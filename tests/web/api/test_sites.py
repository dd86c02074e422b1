"""Need-to-know on SQLite and PostgreSQL: a desk officer of site A gets 404 on site B's
document, person and case, and neither lists nor queues show them; supervisors see every site."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from docproc.casework.auth import create_api_token, create_user
from docproc.casework.sites import add_member, create_site
from docproc.db.models import Document, Role
from docproc.db.session import session_scope
from tests.web.conftest import PASSWORD, WebApp, upload_sample, wait_until_finished


def _site_users(web: WebApp) -> dict[str, dict[str, str]]:
    suffix = uuid.uuid4().hex[:6]
    headers = {}
    with session_scope(web.services.session_factory) as session:
        for site in ("a", "b"):
            create_site(session, f"site-{site}-{suffix}", f"Desk {site.upper()}", actor="test")
        for site, role in (("a", "desk"), ("b", "desk"), ("a", "reviewer"), ("b", "reviewer")):
            name = f"{role}-{site}-{suffix}"
            create_user(session, name, PASSWORD, Role(role), actor="test")
            add_member(session, f"site-{site}-{suffix}", name, actor="test")
            token = create_api_token(session, name, "test", actor="test")
            headers[f"{role}-{site}"] = {"Authorization": f"Bearer {token}"}
    return headers


def test_a_desk_of_site_a_cannot_see_site_b(
    backend_web: WebApp, backend_client: TestClient
) -> None:
    web, client = backend_web, backend_client
    users = _site_users(web)
    document_id = upload_sample(client, users["desk-b"], "03_td2_clean.jpg")
    record = wait_until_finished(client, document_id, users["desk-b"])
    assert record["finished"]
    with session_scope(web.services.session_factory) as session:
        document = session.get(Document, uuid.UUID(document_id))
        assert document is not None and document.site_id is not None
        person_id = document.person_id
    assert person_id is not None
    case = client.post("/api/v1/cases", json={}, headers=users["desk-b"]).json()
    added = client.post(
        f"/api/v1/cases/{case['id']}/persons",
        json={"person_id": str(person_id), "role": "head"},
        headers=users["desk-b"],
    )
    assert added.status_code == 200, added.text

    own, other = users["desk-b"], users["desk-a"]
    for url in (
        f"/api/v1/documents/{document_id}",
        f"/api/v1/documents/{document_id}/original",
        f"/api/v1/documents/{document_id}/pages/1.jpg",
        f"/api/v1/persons/{person_id}",
        f"/api/v1/cases/{case['id']}",
    ):
        assert client.get(url, headers=own).status_code == 200, url
        refused = client.get(url, headers=other)
        assert refused.status_code == 404, url
        assert refused.json()["reason"] == "record_not_found"
        assert client.get(url, headers=web.auth("supervisor")).status_code == 200, url

    def listed(headers: dict[str, str]) -> tuple[set[str], set[str]]:
        persons = client.get("/api/v1/persons?limit=1000", headers=headers).json()["persons"]
        cases = client.get("/api/v1/cases?limit=1000", headers=headers).json()["cases"]
        return {p["id"] for p in persons}, {c["id"] for c in cases}

    assert listed(own) == ({str(person_id)}, {case["id"]})
    assert listed(other) == (set(), set())
    persons, cases = listed(web.auth("supervisor"))
    assert str(person_id) in persons and case["id"] in cases

    queue_b = client.get("/api/v1/review/tasks", headers=users["reviewer-b"]).json()["tasks"]
    queue_a = client.get("/api/v1/review/tasks", headers=users["reviewer-a"]).json()["tasks"]
    assert [t for t in queue_b if t["document_id"] == document_id]  # sample rate 1.0
    assert [t for t in queue_a if t["document_id"] == document_id] == []
    (task,) = [t for t in queue_b if t["document_id"] == document_id]
    claim = client.post(
        f"/api/v1/review/tasks/{task['task_id']}/claim", headers=users["reviewer-a"]
    )
    assert claim.status_code == 404
    # a user of no site sees only records of no site (a deployment without sites is unchanged)
    assert (
        client.get(f"/api/v1/documents/{document_id}", headers=web.auth("desk")).status_code == 404
    )
