"""``GET /api/v1/pipeline/status``: supervisors see counts, stuck claims and failure classes."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient

from docproc.db import repo
from docproc.db.models import DocumentStatus
from docproc.db.session import session_scope
from tests.web.conftest import WebApp


def test_supervisors_see_stuck_claims_and_failures_by_class(
    web: WebApp, client: TestClient
) -> None:
    with session_scope(web.services.session_factory) as session:
        failed, _ = repo.get_or_create_document(
            session, sha256=uuid.uuid4().hex * 2, source_key="originals/a", actor="test"
        )
        repo.set_status(session, failed, DocumentStatus.failed, "storage_unavailable", actor="t")
        stuck, _ = repo.get_or_create_document(
            session, sha256=uuid.uuid4().hex * 2, source_key="originals/b", actor="test"
        )
        stuck_id = stuck.id
    with session_scope(web.services.session_factory) as session:
        assert repo.claim_for_processing(
            session, stuck_id, "worker:far:7", lease=timedelta(seconds=-5)
        )
    assert client.get("/api/v1/pipeline/status", headers=web.auth("reviewer")).status_code == 403
    response = client.get("/api/v1/pipeline/status", headers=web.auth("supervisor"))
    assert response.status_code == 200
    body = response.json()
    assert body["counts"]["failed"] == 1 and body["counts"]["processing"] == 1
    assert [s["document_id"] for s in body["stuck"]] == [str(stuck_id)]
    [group] = body["failed"]
    assert (group["reason"], group["class"], group["count"]) == (
        "storage_unavailable",
        "transient",
        1,
    )
    assert "docproc requeue --reason storage_unavailable" in group["fix"]
