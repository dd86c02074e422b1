"""Need-to-know on SQLite and PostgreSQL: a desk officer of site A gets 404 on site B's
document, person and case, and neither lists nor queues show them; supervisors see every site."""

from __future__ import annotations

import uuid

import cv2
from fastapi.testclient import TestClient
from sqlalchemy import select

from docproc.casework.auth import create_api_token, create_user
from docproc.casework.sites import add_member, adopt_unsited, create_site
from docproc.db.models import Document, Event, Role, Site
from docproc.db.session import session_scope
from tests.web.conftest import PASSWORD, SAMPLES, WebApp, upload_sample, wait_until_finished


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


def test_records_made_without_a_site_are_adopted_by_one_and_then_seen_by_its_desk(
    backend_web: WebApp, backend_client: TestClient
) -> None:
    """``docproc site adopt``'s service: a document read with no site (an older record, a batch
    run) is hidden from a site's desk until the site adopts the records without one; the event
    holds counts only, and a second run adopts nothing."""
    web, client = backend_web, backend_client
    users = _site_users(web)
    document_id = upload_sample(client, web.auth("desk"), "03_td2_clean.jpg")  # a user of no site
    wait_until_finished(client, document_id, web.auth("desk"))
    with session_scope(web.services.session_factory) as session:
        document = session.get(Document, uuid.UUID(document_id))
        assert document is not None and document.site_id is None
        person_id = document.person_id
        code = session.scalars(select(Site.code).where(Site.code.startswith("site-a-"))).one()
    assert person_id is not None
    urls = (f"/api/v1/documents/{document_id}", f"/api/v1/persons/{person_id}")
    for url in urls:
        assert client.get(url, headers=users["desk-a"]).status_code == 404, url

    with session_scope(web.services.session_factory) as session:
        counts = adopt_unsited(session, code, actor="test")
    assert counts["documents"] >= 1 and counts["persons"] >= 1
    for url in urls:
        assert client.get(url, headers=users["desk-a"]).status_code == 200, url
        assert client.get(url, headers=users["desk-b"]).status_code == 404, url
    with session_scope(web.services.session_factory) as session:
        assert adopt_unsited(session, code, actor="test") == {
            "documents": 0,
            "persons": 0,
            "cases": 0,
        }
        events = session.scalars(select(Event).where(Event.kind == "records_adopted")).all()
    assert [e.detail for e in events] == [counts, {"documents": 0, "persons": 0, "cases": 0}]


def test_one_passport_scanned_at_two_desks_is_one_person_both_desks_see(
    backend_web: WebApp, backend_client: TestClient
) -> None:
    """The second desk's scan links to the person the first desk's made: the person is seen by
    both desks (in lists and by id), each with only its own documents of them."""
    web, client = backend_web, backend_client
    users = _site_users(web)
    at_a = upload_sample(client, users["desk-a"], "03_td2_clean.jpg")
    wait_until_finished(client, at_a, users["desk-a"])
    image = cv2.imread(str(SAMPLES / "03_td2_clean.jpg"))
    assert image is not None
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 97])
    assert ok
    response = client.post(
        "/api/v1/documents",
        headers=users["desk-b"],
        files={"file": ("scan-b.jpg", encoded.tobytes(), "image/jpeg")},
    )
    assert response.status_code == 202, response.text
    at_b = response.json()["id"]
    assert at_b != at_a
    wait_until_finished(client, at_b, users["desk-b"])
    with session_scope(web.services.session_factory) as session:
        first = session.get(Document, uuid.UUID(at_a))
        second = session.get(Document, uuid.UUID(at_b))
        assert first is not None and second is not None
        assert first.person_id is not None and second.person_id == first.person_id
        assert first.site_id != second.site_id
        person_id = str(first.person_id)
    for desk, own, other in (("desk-a", at_a, at_b), ("desk-b", at_b, at_a)):
        record = client.get(f"/api/v1/persons/{person_id}", headers=users[desk])
        assert record.status_code == 200, desk
        assert [d["id"] for d in record.json()["documents"]] == [own]
        listed = client.get("/api/v1/persons?limit=1000", headers=users[desk]).json()["persons"]
        assert person_id in {p["id"] for p in listed}
        assert client.get(f"/api/v1/documents/{other}", headers=users[desk]).status_code == 404
    assert client.get(f"/api/v1/persons/{person_id}", headers=web.auth("desk")).status_code == 404
