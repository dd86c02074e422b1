"""Batches through real Celery worker processes, with workers and storage failing mid-batch."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from docproc.db.models import DocumentStatus
from docproc.processing.ingest import upload
from tests.processing.conftest import (
    Services,
    assert_processed_once,
    sample_bytes,
    statuses,
    wait_until_finished,
)

pytestmark = pytest.mark.slow


def _upload_all(services: Services, count: int) -> list[uuid.UUID]:
    dispatch = services.dispatcher()
    ids = []
    for name, data in sample_bytes()[:count]:
        document, created = upload(
            data,
            name,
            store=services.store,
            session_factory=services.session_factory,
            dispatch=dispatch,
        )
        assert created
        ids.append(document.id)
    return ids


def _wait_for_status(
    services: Services, ids: list[uuid.UUID], wanted: str, timeout: float = 180.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if wanted in statuses(services.session_factory, ids).values():
            return
        time.sleep(0.2)
    pytest.fail(f"no document reached {wanted!r}: {[w.log() for w in services.workers]}")


def test_batch_through_real_workers_processes_every_document_once(services: Services) -> None:
    services.start_worker()
    services.start_worker()
    ids = _upload_all(services, 5)
    final = wait_until_finished(services, ids)
    assert set(final.values()) <= {"done", "needs_review"}
    assert_processed_once(services.session_factory, ids)
    # A second delivery of finished documents does nothing.
    dispatch = services.dispatcher()
    for document_id in ids:
        dispatch(document_id)
    time.sleep(5)
    assert statuses(services.session_factory, ids) == final
    assert_processed_once(services.session_factory, ids)


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(services: Services) -> None:
    first = services.start_worker()
    ids = _upload_all(services, 5)
    _wait_for_status(services, ids, DocumentStatus.processing.value)
    first.kill()
    assert DocumentStatus.processing.value in statuses(services.session_factory, ids).values()
    services.start_worker()
    wait_until_finished(services, ids, sweep_every=5.0)
    assert_processed_once(services.session_factory, ids)


def test_storage_down_mid_batch_every_document_processed_once(
    services: Services, seaweed_s3: object
) -> None:
    services.start_worker()
    ids = _upload_all(services, 5)
    _wait_for_status(services, ids, DocumentStatus.processing.value)
    with seaweed_s3.stopped():  # type: ignore[attr-defined]
        time.sleep(10)
    wait_until_finished(services, ids, sweep_every=5.0)
    final = statuses(services.session_factory, ids)
    assert set(final.values()) <= {"done", "needs_review"}, final
    assert_processed_once(services.session_factory, ids)


def test_batch_dispatched_to_celery_waits_for_the_workers(
    services: Services, tmp_path: Path
) -> None:
    from docproc.processing.batch import run_batch

    folder = tmp_path / "scans"
    folder.mkdir()
    for name, data in sample_bytes()[:2]:
        (folder / name).write_bytes(data)
    (folder / "notes.txt").write_text("not a scan\n")
    services.start_worker()
    summary = run_batch(
        str(folder),
        store=services.store,
        store_url=services.store_url,
        session_factory=services.session_factory,
        dispatch="celery",
        celery_dispatch=services.dispatcher(),
        wait_timeout=300,
        settings=services.settings,
    )
    counts = summary.counts
    assert counts["failed"] == 1
    assert counts["done"] + counts["needs_review"] == 2, counts
    ids = [r.document_id for r in summary.results if r.document_id is not None]
    assert_processed_once(services.session_factory, ids)
