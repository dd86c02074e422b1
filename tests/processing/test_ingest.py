"""Uploads, bucket events and reconciliation against real SeaweedFS and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from docproc.db.models import Document
from docproc.processing.ingest import (
    handle_object_event,
    parse_minio_event,
    parse_object_event,
    parse_seaweed_event,
    reconcile,
    upload,
)
from docproc.processing.process import process_document
from docproc.storage import original_key, sha256_hex
from docproc.web.api.hooks import make_hooks_router
from docproc.web.app import install_error_handlers
from tests.processing.conftest import Services, assert_processed_once, sample_bytes


def _minio_event(bucket: str, key: str) -> dict[str, Any]:
    return {
        "EventName": "s3:ObjectCreated:Put",
        "Key": f"{bucket}/{key}",
        "Records": [
            {
                "eventVersion": "2.0",
                "eventSource": "minio:s3",
                "eventName": "s3:ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": quote(key), "size": 10, "eTag": "x"},
                },
            }
        ],
    }


def _seaweed_event(bucket: str, key: str) -> dict[str, Any]:
    name = key.rsplit("/", 1)[-1]
    return {
        "key": f"/buckets/{bucket}/{key}",
        "event_type": "create",
        "message": {"new_entry": {"name": name, "attributes": {"file_size": 10}}},
    }


def _document_count(services: Services) -> int:
    with services.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Document)) or 0)


def test_parse_events_of_both_servers() -> None:
    refs = parse_minio_event(_minio_event("scans", "incoming/a b+c.jpg"))
    assert [(r.bucket, r.key) for r in refs] == [("scans", "incoming/a b+c.jpg")]
    refs = parse_seaweed_event(_seaweed_event("scans", "incoming/x.jpg"))
    assert [(r.bucket, r.key) for r in refs] == [("scans", "incoming/x.jpg")]
    deleted = {"key": "/buckets/scans/x.jpg", "event_type": "delete", "message": {}}
    assert parse_object_event(deleted) == []
    assert parse_object_event({"something": "else"}) == []
    assert parse_object_event([1, 2]) == []


def test_same_object_uploaded_twice_is_one_document(services: Services) -> None:
    sent: list[uuid.UUID] = []
    name, data = sample_bytes()[0]
    first, created = upload(
        data,
        name,
        store=services.store,
        session_factory=services.session_factory,
        dispatch=sent.append,
    )
    again, created_again = upload(
        data,
        "renamed.jpg",
        store=services.store,
        session_factory=services.session_factory,
        dispatch=sent.append,
    )
    assert created and not created_again
    assert first.id == again.id
    assert sent == [first.id]
    assert _document_count(services) == 1
    # The bucket event for the original it wrote is a no-op.
    bucket = services.store_url.split("//", 1)[1].split("?", 1)[0]
    report = handle_object_event(
        parse_object_event(_minio_event(bucket, original_key(sha256_hex(data)))),
        store=services.store,
        session_factory=services.session_factory,
        dispatch=sent.append,
    )
    assert report.existing == 1 and report.queued == 0
    assert sent == [first.id]
    # Processing it twice records it once.
    outcome = process_document(
        first.id,
        store=services.store,
        session_factory=services.session_factory,
        worker_name="t1",
        settings=services.settings,
    )
    second = process_document(
        first.id,
        store=services.store,
        session_factory=services.session_factory,
        worker_name="t2",
        settings=services.settings,
    )
    assert not outcome.skipped and second.skipped
    assert services.store.exists(f"derived/{first.id}/mrz.json")
    assert_processed_once(services.session_factory, [first.id])


def test_event_for_missing_object_is_harmless(services: Services) -> None:
    bucket = services.store_url.split("//", 1)[1].split("?", 1)[0]
    app = FastAPI()
    install_error_handlers(app)
    sent: list[uuid.UUID] = []
    app.include_router(
        make_hooks_router(
            lambda: services.store,
            lambda: services.session_factory,
            lambda: sent.append,
            open_without_token=True,
        )
    )
    client = TestClient(app)
    missing_original = original_key("0" * 64)
    for payload in (
        _minio_event(bucket, "incoming/not there.jpg"),
        _seaweed_event(bucket, missing_original),
        _minio_event("some-other-bucket", "incoming/x.jpg"),
    ):
        response = client.post("/hooks/s3", json=payload)
        assert response.status_code == 200, response.text
    assert client.post("/hooks/s3", content=b"not json").status_code == 400
    assert sent == []
    assert _document_count(services) == 0
    body = client.post("/hooks/s3", json=_minio_event(bucket, "incoming/nope.jpg")).json()
    assert body["missing"] == 1


def test_event_for_new_object_and_reconcile(services: Services) -> None:
    bucket = services.store_url.split("//", 1)[1].split("?", 1)[0]
    samples = sample_bytes()[:3]
    for name, data in samples:
        services.store.put(f"incoming/{name}", data, "image/jpeg")
    sent: list[uuid.UUID] = []
    report = handle_object_event(
        parse_object_event(_seaweed_event(bucket, f"incoming/{samples[0][0]}")),
        store=services.store,
        session_factory=services.session_factory,
        dispatch=sent.append,
    )
    assert report.queued == 1 and len(sent) == 1
    report = reconcile(
        services.store, "incoming/", session_factory=services.session_factory, dispatch=sent.append
    )
    assert (report.queued, report.existing) == (2, 1)
    assert len(set(sent)) == 3
    report = reconcile(
        services.store, "", session_factory=services.session_factory, dispatch=sent.append
    )
    assert report.queued == 0  # originals and incoming copies all known
    assert _document_count(services) == 3


def test_batch_from_an_s3_prefix_fails_bad_objects_and_resumes(
    services: Services, seaweed_s3: Any
) -> None:
    from pydantic import SecretStr

    from docproc.processing.batch import run_batch

    bucket = services.store_url.split("//", 1)[1].split("?", 1)[0]
    services.store.put("incoming/notes.txt", b"not a scan\n", "text/plain")
    services.store.put("incoming/empty.png", b"", "image/png")
    settings = services.settings.model_copy(
        update={
            "s3_access_key": SecretStr(seaweed_s3.access_key),
            "s3_secret_key": SecretStr(seaweed_s3.secret_key),
        }
    )
    source = f"s3://{bucket}/incoming/?endpoint={seaweed_s3.endpoint}&secure=0"
    kwargs: dict[str, Any] = {
        "store": services.store,
        "store_url": services.store_url,
        "session_factory": services.session_factory,
        "settings": settings,
    }
    summary = run_batch(source, **kwargs)
    assert summary.total == 2
    assert dict(summary.reasons) == {"failed:unsupported_format": 1, "failed:empty_file": 1}
    again = run_batch(source, **kwargs)
    assert dict(again.counts) == {"skipped": 2}
    assert dict(again.reasons) == {"skipped:failed": 2}  # finished before, not stuck
