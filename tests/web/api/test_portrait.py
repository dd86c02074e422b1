"""GET /api/v1/documents/{id}/portrait.jpg: the holder's photo stored when the document was read."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.paths import REPO
from tests.web.conftest import WebApp, upload_sample, wait_until_finished

SPECIMEN = REPO.parent / "shared/specimens/images/pe_100_pass-fin.png"


def test_the_portrait_of_a_read_passport_is_served_and_audited(
    web: WebApp, client: TestClient
) -> None:
    if not SPECIMEN.exists():
        pytest.skip("shared/specimens not available")
    desk = web.auth("desk")
    response = client.post(
        "/api/v1/documents",
        headers=desk,
        files={"file": ("fin.png", SPECIMEN.read_bytes(), "image/png")},
    )
    assert response.status_code == 202, response.text
    document_id = response.json()["id"]
    wait_until_finished(client, document_id, desk)
    photo = client.get(f"/api/v1/documents/{document_id}/portrait.jpg", headers=desk)
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg" and photo.content.startswith(b"\xff\xd8")
    assert client.get(f"/api/v1/documents/{document_id}/portrait.jpg").status_code == 401
    events = client.get(
        "/api/v1/audit/events",
        params={"entity_id": document_id, "actor": "desk"},
        headers=web.auth("supervisor"),
    ).json()["events"]
    assert "portrait_viewed" in {e["kind"] for e in events}


def test_a_document_without_a_face_has_no_portrait(web: WebApp, client: TestClient) -> None:
    desk = web.auth("desk")
    document_id = upload_sample(client, desk, "01_td3_clean_idn.jpg")  # synthetic: no face
    wait_until_finished(client, document_id, desk)
    response = client.get(f"/api/v1/documents/{document_id}/portrait.jpg", headers=desk)
    assert response.status_code == 404
    assert response.json()["reason"] == "no_portrait"
