"""One stored document's lifecycle: claim -> fetch -> read -> store -> record, under the claim.

* :func:`store_artefacts` writes what was derived (``derived/<doc-id>/mrz.json``, and with the
  full extraction ``extract.json`` and ``page-<n>.ocr.json``);
* :func:`record_outcome` saves one extraction version and the final status, under the claim.

:func:`process_document` chains them for a document already in the store and the database (the
Celery task and ``docproc process`` call it). Retryable faults (storage or database down, OCR
timeouts) give the claim back and propagate so that the queue retries; everything else ends as a
status with a reason code. Nothing here logs personal data: ids, statuses and reason codes only.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from docproc.casework.people import link_person
from docproc.config import Settings, get_settings
from docproc.db import repo
from docproc.db.models import Document, DocumentStatus
from docproc.db.session import session_scope
from docproc.errors import DocprocError
from docproc.processing.outcome import ReadOutcome, read_outcome
from docproc.storage import ObjectStore, derived_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessOutcome:
    """The result of :func:`process_document` for one document.

    ``skipped`` is True when this call did not process the document: another worker holds it,
    it is already finished (a second delivery), or it is not in the database.
    """

    document_id: uuid.UUID
    status: DocumentStatus | None
    reason: str | None = None
    skipped: bool = False
    extraction_version: int | None = None
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


def store_artefacts(store: ObjectStore, document_id: uuid.UUID, outcome: ReadOutcome) -> list[str]:
    """Write the derived artefacts of ``outcome`` under ``derived/<doc-id>/``; return their keys.

    The keys are fixed by the document id (``derived_key``), which links them to the document.
    """
    bodies = list(outcome.artefacts)
    if outcome.mrz_json is not None:
        bodies.insert(0, ("mrz.json", outcome.mrz_json))
    keys: list[str] = []
    for name, body in bodies:
        key = derived_key(document_id, name)
        data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
        store.put(key, data, "application/json")
        keys.append(key)
    return keys


def record_outcome(
    session: Session, document: Document, outcome: ReadOutcome, *, actor: str
) -> int | None:
    """Save the extraction (if fields were read) and the final status; return the version."""
    version: int | None = None
    if outcome.fields:
        source = f"mrz:{outcome.engine}" if outcome.engine else "mrz"
        if outcome.kind:  # the full extraction: "extract:identity+mrz:<engine>", "extract:form"
            source = f"extract:{outcome.kind}" + (f"+{source}" if outcome.mrz_json else "")
        extraction = repo.save_extraction(
            session, document, outcome.fields, created_by=actor, source=source[:200]
        )
        version = extraction.version
        link_person(session, document, outcome.fields, actor=actor)
    repo.set_document_info(
        session, document, doc_type=outcome.doc_type, pages=outcome.pages or None
    )
    repo.set_status(session, document, outcome.status, outcome.reason, actor=actor)
    return version


# ------------------------------------------------------------------------------ orchestration


def _lock_document(session: Session, document_id: uuid.UUID) -> Document | None:
    return session.get(Document, document_id, with_for_update=True, populate_existing=True)


def release_claim(
    document_id: uuid.UUID,
    *,
    session_factory: sessionmaker[Session],
    worker_name: str,
    reason: str,
) -> bool:
    """Give a claimed document back (``processing -> queued``) so that a retry can claim it.

    Does nothing (False) when the claim is no longer this worker's.
    """
    with session_scope(session_factory) as session:
        document = _lock_document(session, document_id)
        if (
            document is None
            or document.status is not DocumentStatus.processing
            or document.claimed_by != worker_name
        ):
            return False
        repo.set_status(session, document, DocumentStatus.queued, reason, actor=worker_name)
        return True


def _finish(
    session_factory: sessionmaker[Session],
    document_id: uuid.UUID,
    outcome: ReadOutcome,
    worker_name: str,
) -> tuple[bool, int | None]:
    """Record ``outcome`` if this worker still holds the claim (else another one took over)."""
    with session_scope(session_factory) as session:
        document = _lock_document(session, document_id)
        if (
            document is None
            or document.status is not DocumentStatus.processing
            or document.claimed_by != worker_name
        ):
            return False, None
        return True, record_outcome(session, document, outcome, actor=worker_name)


def process_document(
    doc_id: uuid.UUID | str,
    *,
    store: ObjectStore,
    session_factory: sessionmaker[Session],
    worker_name: str,
    settings: Settings | None = None,
) -> ProcessOutcome:
    """Process one stored document exactly once; see the module docstring.

    Raises only retryable :class:`DocprocError` s (after giving the claim back when it can).
    """
    start = time.perf_counter()
    settings = settings or get_settings()
    document_id = doc_id if isinstance(doc_id, uuid.UUID) else uuid.UUID(str(doc_id))
    with session_scope(session_factory) as session:
        claimed = repo.claim_for_processing(
            session,
            document_id,
            worker_name,
            stale_after=timedelta(seconds=settings.claim_stale_after),
            max_attempts=settings.max_attempts,
        )
        document = repo.get_document(session, document_id)
        if document is None:
            return ProcessOutcome(document_id, None, "document_not_found", skipped=True)
        source_key, filename = document.source_key, document.original_filename
        status, reason = document.status, document.status_reason
    if not claimed:
        log.info("document %s not claimed (status %s)", document_id, status.value)
        return ProcessOutcome(document_id, status, reason, skipped=True)

    try:
        data = store.get(source_key)
        outcome = read_outcome(data, filename or source_key.rsplit("/", 1)[-1], settings)
        if outcome.status is DocumentStatus.failed and outcome.retryable:
            raise _RetryableRead(outcome.reason or "retryable_error")
        store_artefacts(store, document_id, outcome)
    except _RetryableRead as exc:
        release_claim(
            document_id, session_factory=session_factory, worker_name=worker_name, reason=exc.code
        )
        raise exc.as_error() from None
    except DocprocError as exc:
        if exc.retryable:
            _release_quietly(document_id, session_factory, worker_name, exc.reason)
            raise
        outcome = ReadOutcome.failure(exc)
    recorded, version = _finish(session_factory, document_id, outcome, worker_name)
    seconds = time.perf_counter() - start
    if not recorded:
        log.warning("document %s: claim lost to another worker; result discarded", document_id)
        return ProcessOutcome(document_id, None, "claim_lost", skipped=True, seconds=seconds)
    log.info(
        "document %s -> %s (%s) in %.1f s",
        document_id,
        outcome.status.value,
        outcome.reason or "-",
        seconds,
    )
    return ProcessOutcome(
        document_id, outcome.status, outcome.reason, extraction_version=version, seconds=seconds
    )


class _RetryableRead(Exception):
    """A read failed in a way that may pass (OCR engine timeout or crash)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def as_error(self) -> DocprocError:
        from docproc.errors import EngineFailed, EngineTimeout

        cls = EngineTimeout if self.code == EngineTimeout.reason else EngineFailed
        return cls(f"reading failed ({self.code}); will retry")


def _release_quietly(
    document_id: uuid.UUID,
    session_factory: sessionmaker[Session],
    worker_name: str,
    reason: str,
) -> None:
    """Give the claim back if the database answers; if not, the sweeper will reclaim it."""
    try:
        release_claim(
            document_id, session_factory=session_factory, worker_name=worker_name, reason=reason
        )
    except DocprocError as exc:
        log.warning("document %s: could not release claim (%s)", document_id, exc.reason)
