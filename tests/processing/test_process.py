"""process_document against real SeaweedFS and PostgreSQL: statuses, retries, the claim guard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from docproc.db import repo
from docproc.db.models import Document, DocumentStatus, FieldSource, utcnow
from docproc.db.repo import FieldValue
from docproc.db.session import session_scope
from docproc.processing.outcome import ReadOutcome
from docproc.processing.process import _finish, process_document
from docproc.processing.submit import submit_bytes
from docproc.storage import StorageUnavailable
from tests.processing.conftest import Services, assert_processed_once, sample_bytes


def _status(services: Services, document_id: Any) -> tuple[str, str | None]:
    with services.session_factory() as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document.status.value, document.status_reason


def test_a_bad_original_fails_with_its_reason(services: Services) -> None:
    document, _ = submit_bytes(
        b"just text, not a scan\n",
        "notes.txt",
        store=services.store,
        session_factory=services.session_factory,
    )
    outcome = process_document(
        document.id,
        store=services.store,
        session_factory=services.session_factory,
        worker_name="w",
        settings=services.settings,
    )
    assert (outcome.status, outcome.reason) == (DocumentStatus.failed, "unsupported_format")
    assert _status(services, document.id) == ("failed", "unsupported_format")
    assert_processed_once(services.session_factory, [document.id])


@pytest.mark.slow
def test_storage_down_gives_the_claim_back_and_a_retry_finishes(
    services: Services, seaweed_s3: Any
) -> None:
    name, data = sample_bytes()[0]
    document, _ = submit_bytes(
        data, name, store=services.store, session_factory=services.session_factory
    )
    with seaweed_s3.stopped(), pytest.raises(StorageUnavailable):
        process_document(
            document.id,
            store=services.store,
            session_factory=services.session_factory,
            worker_name="w",
            settings=services.settings,
        )
    assert _status(services, document.id) == ("queued", "storage_unavailable")
    outcome = process_document(
        document.id,
        store=services.store,
        session_factory=services.session_factory,
        worker_name="w",
        settings=services.settings,
    )
    assert outcome.status in {DocumentStatus.done, DocumentStatus.needs_review}
    assert_processed_once(services.session_factory, [document.id])


def test_a_late_result_is_discarded_once_another_worker_took_over(services: Services) -> None:
    name, data = sample_bytes()[1]
    document, _ = submit_bytes(
        data, name, store=services.store, session_factory=services.session_factory
    )
    with session_scope(services.session_factory) as session:
        assert repo.claim_for_processing(session, document.id, "slow")
    with session_scope(services.session_factory) as session:  # the slow worker looks dead
        session.execute(
            update(Document)
            .where(Document.id == document.id)
            .values(claimed_at=utcnow() - timedelta(hours=1))
        )
    with session_scope(services.session_factory) as session:
        assert repo.claim_for_processing(
            session, document.id, "fast", stale_after=timedelta(minutes=1)
        )
    field = FieldValue("document_code", "P", 1.0, FieldSource.mrz)
    outcome = ReadOutcome(DocumentStatus.done, None, fields=(field,))
    assert _finish(services.session_factory, document.id, outcome, "slow") == (False, None)
    assert _finish(services.session_factory, document.id, outcome, "fast")[0]
    assert _status(services, document.id) == ("done", None)
    assert_processed_once(services.session_factory, [document.id])
