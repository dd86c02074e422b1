"""The review flow on SQLite and PostgreSQL: queue, atomic claim, fix as a new version, audit."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from docproc.casework import decisions
from docproc.db import repo
from docproc.db.session import session_scope
from tests.web.conftest import WebApp, upload_sample, wait_until_finished


def test_review_fix_makes_a_new_version_and_audits_old_and_new(
    backend_web: WebApp, backend_client: TestClient
) -> None:
    web, client = backend_web, backend_client
    document_id = upload_sample(client, web.auth("desk"), "01_td3_clean_idn.jpg")
    before = wait_until_finished(client, document_id, web.auth("desk"))["fields"]

    queue = client.get("/api/v1/review/tasks", headers=web.auth("reviewer")).json()
    (task,) = [t for t in queue["tasks"] if t["document_id"] == document_id]
    # needs_review opens a task; so does done, since the sample rate is 1.0 in the tests.
    assert task["sampled"] is (before and task["reasons"] == ["sample"])
    task_id = task["task_id"]

    claimed = client.post(f"/api/v1/review/tasks/{task_id}/claim", headers=web.auth("reviewer"))
    assert claimed.status_code == 200
    other = client.post(f"/api/v1/review/tasks/{task_id}/claim", headers=web.auth("supervisor"))
    assert other.status_code == 409 and other.json()["reason"] == "task_taken"
    steal = client.post(
        f"/api/v1/review/tasks/{task_id}/fix",
        headers=web.auth("supervisor"),
        json={"fields": {"given_names": "X"}},
    )
    assert steal.status_code == 409

    fixed = client.post(
        f"/api/v1/review/tasks/{task_id}/fix",
        headers=web.auth("reviewer"),
        json={"fields": {"given_names": "putri ayu"}},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json() == {"task_id": task_id, "state": "fixed", "version": 2}
    again = client.post(f"/api/v1/review/tasks/{task_id}/accept", headers=web.auth("reviewer"))
    assert again.status_code == 409 and again.json()["reason"] == "task_closed"

    with session_scope(web.services.session_factory) as session:
        latest = repo.latest_extraction(session, uuid.UUID(document_id))
        assert latest is not None and latest.version == 2 and latest.source == "reviewer"
        fields = {f.name: f for f in latest.fields}
        assert fields["given_names"].value == "PUTRI AYU"
        assert fields["given_names"].source.value == "reviewer"
        assert fields["surname"].value == "LESTARI" and fields["surname"].source.value == "mrz"

    events = client.get(
        "/api/v1/audit/events",
        params={"kind": "field_corrected"},
        headers=web.auth("supervisor"),
    ).json()["events"]
    (event,) = events
    # The audit trail holds references, not values; the values are in the review history.
    assert (event["actor"], event["old"], event["new"]) == ("reviewer", None, None)
    assert event["detail"]["field"] == "given_names"
    with session_scope(web.services.session_factory) as session:
        (change,) = decisions.corrections(session, uuid.UUID(document_id))
        assert (change.field, change.old_value, change.new_value, change.actor) == (
            "given_names",
            before["given_names"],
            "PUTRI AYU",
            "reviewer",
        )

    csv_text = client.get(
        "/api/v1/audit/events", params={"format": "csv"}, headers=web.auth("supervisor")
    ).text
    assert csv_text.startswith("id,at,actor,entity_type,entity_id,kind,old,new,detail")
    assert "field_corrected" in csv_text


def test_reject_needs_a_known_reason_and_fails_the_document(
    backend_web: WebApp, backend_client: TestClient
) -> None:
    web, client = backend_web, backend_client
    document_id = upload_sample(client, web.auth("desk"), "03_td2_clean.jpg")
    wait_until_finished(client, document_id, web.auth("desk"))
    (task,) = client.get("/api/v1/review/tasks", headers=web.auth("reviewer")).json()["tasks"]
    url = f"/api/v1/review/tasks/{task['task_id']}"
    client.post(f"{url}/claim", headers=web.auth("reviewer"))
    bad = client.post(f"{url}/reject", headers=web.auth("reviewer"), json={"reason": "meh"})
    assert bad.status_code == 422 and bad.json()["reason"] == "bad_review"
    ok = client.post(f"{url}/reject", headers=web.auth("reviewer"), json={"reason": "illegible"})
    assert ok.status_code == 200
    record = client.get(f"/api/v1/documents/{document_id}", headers=web.auth("desk")).json()
    assert (record["status"], record["status_reason"]) == ("failed", "rejected:illegible")
    assert client.get("/api/v1/review/tasks", headers=web.auth("reviewer")).json()["tasks"] == []
