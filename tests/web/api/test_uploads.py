"""Bad uploads get a clear 4xx with a reason code and the service keeps answering."""

from __future__ import annotations

import struct
import zlib

from fastapi.testclient import TestClient

from tests.web.conftest import WebApp, upload_sample, wait_until_finished


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` but that has no pixel data at all."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IEND", b"")


def _upload(client: TestClient, web: WebApp, name: str, data: bytes, media: str) -> object:
    return client.post(
        "/api/v1/documents", headers=web.auth("desk"), files={"file": (name, data, media)}
    )


def test_bad_uploads_are_refused_with_a_reason_code(web: WebApp, client: TestClient) -> None:
    cases = [
        ("notes.txt", b"this is not a scan\n", "text/plain", 415, "unsupported_format"),
        ("empty.jpg", b"", "image/jpeg", 422, "empty_file"),
        ("bomb.png", _png_header_only(20_000, 10_000), "image/png", 413, "image_too_large"),
    ]
    for name, data, media, status, reason in cases:
        response = _upload(client, web, name, data, media)
        assert response.status_code == status, (name, response.text)  # type: ignore[attr-defined]
        body = response.json()  # type: ignore[attr-defined]
        assert body["reason"] == reason
        assert body["fix"]
        assert client.get("/healthz").status_code == 200
    metrics = client.get("/metrics").text
    assert 'docproc_documents{status="queued"} 0.0' in metrics  # nothing was stored


def test_an_upload_is_read_and_its_record_and_images_are_audited(
    web: WebApp, client: TestClient
) -> None:
    desk = web.auth("desk")
    document_id = upload_sample(client, desk, "01_td3_clean_idn.jpg")
    record = wait_until_finished(client, document_id, desk)
    assert record["status"] in {"done", "needs_review"}  # the reader decides; both are a record
    assert record["fields"]["surname"] == "LESTARI"
    assert record["checks"] and record["has_mrz"]
    crop = client.get(f"/api/v1/documents/{document_id}/mrz.png", headers=desk)
    assert crop.status_code == 200 and crop.content.startswith(b"\x89PNG")
    page = client.get(f"/api/v1/documents/{document_id}/pages/1.jpg", headers=desk)
    assert page.status_code == 200 and page.content.startswith(b"\xff\xd8")
    original = client.get(f"/api/v1/documents/{document_id}/original", headers=desk)
    assert original.content.startswith(b"\xff\xd8")
    assert client.get(f"/api/v1/documents/{document_id}/original").status_code == 401

    events = client.get(
        "/api/v1/audit/events",
        params={"entity_id": document_id, "actor": "desk"},
        headers=web.auth("supervisor"),
    ).json()["events"]
    kinds = {e["kind"] for e in events}
    assert {"uploaded", "viewed", "mrz_image_viewed", "original_downloaded"} <= kinds
    # A second upload of the same bytes is the same document.
    assert upload_sample(client, desk, "01_td3_clean_idn.jpg") == document_id
