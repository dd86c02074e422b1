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

from docproc.casework.labels import label_variants
from docproc.casework.people import link_person
from docproc.config import Settings, get_settings
from docproc.db import repo
from docproc.db.models import Document, DocumentStatus
from docproc.db.session import session_scope
from docproc.errors import SYSTEM_REASONS, DocprocError
from docproc.processing.claims import Heartbeat, owner_gone, retry_database
from docproc.processing.outcome import ReadOutcome, read_outcome
from docproc.storage import ObjectStore, derived_key

log = logging.getLogger(__name__)

TIME_LIMIT = "time_limit"
#: Reads that end at the task's soft time limit: the first is retried, the second fails.
TIME_LIMIT_TRIES = 2


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
    for name, image in outcome.images:  # derived images (the holder's portrait)
        key = derived_key(document_id, name)
        store.put(key, image, "image/jpeg")
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


def _holds_claim(document: Document | None, worker_name: str) -> bool:
    return (
        document is not None
        and document.status is DocumentStatus.processing
        and document.claimed_by == worker_name
    )


def release_claim(
    document_id: uuid.UUID,
    *,
    session_factory: sessionmaker[Session],
    worker_name: str,
    reason: str,
) -> bool:
    """Give a claimed document back (``processing -> queued``) so that a retry can claim it.

    A system fault (:data:`~docproc.errors.SYSTEM_REASONS`) gives the attempt back too. Does
    nothing (False) when the claim is no longer this worker's.
    """
    with session_scope(session_factory) as session:
        document = _lock_document(session, document_id)
        if document is None or not _holds_claim(document, worker_name):
            return False
        repo.give_back(
            session,
            document,
            reason,
            actor=worker_name,
            count_attempt=reason not in SYSTEM_REASONS,
        )
        return True


def fail_or_release(
    document_id: uuid.UUID,
    *,
    session_factory: sessionmaker[Session],
    worker_name: str,
    reason: str,
    tries: int,
) -> DocumentStatus | None:
    """After a transient read fault (``time_limit``): give the document back for another try
    (``queued``: the caller should retry), or, when ``tries`` attempts ended with ``reason``,
    mark it ``failed`` with it. None when the claim is no longer this worker's.
    """
    with session_scope(session_factory) as session:
        document = _lock_document(session, document_id)
        if document is None or not _holds_claim(document, worker_name):
            return None
        earlier = sum(
            1
            for event in repo.events_for(session, "document", document_id)
            if event.kind == "status_changed"
            and event.new == DocumentStatus.queued.value
            and (event.detail or {}).get("reason") == reason
        )
        if earlier + 1 >= tries:
            repo.set_status(session, document, DocumentStatus.failed, reason, actor=worker_name)
            return DocumentStatus.failed
        repo.give_back(session, document, reason, actor=worker_name)
        return DocumentStatus.queued


def _finish(
    session_factory: sessionmaker[Session],
    document_id: uuid.UUID,
    outcome: ReadOutcome,
    worker_name: str,
) -> tuple[bool, int | None]:
    """Record ``outcome`` and release the claim in one transaction, if this worker still holds
    the claim (else another one took over); retried while the database is unreachable."""

    def record() -> tuple[bool, int | None]:
        with session_scope(session_factory) as session:
            document = _lock_document(session, document_id)
            if document is None or not _holds_claim(document, worker_name):
                return False, None
            return True, record_outcome(session, document, outcome, actor=worker_name)

    return retry_database(record)


def claim(
    session_factory: sessionmaker[Session],
    document_id: uuid.UUID,
    worker_name: str,
    settings: Settings,
) -> bool:
    """Claim one document for ``worker_name`` with a lease (see ``repo.claim_for_processing``);
    a claim whose owner is dead on this host is taken back at once."""
    with session_scope(session_factory) as session:
        return repo.claim_for_processing(
            session,
            document_id,
            worker_name,
            stale_after=timedelta(seconds=settings.claim_stale_after),
            max_attempts=settings.max_attempts,
            lease=timedelta(seconds=settings.claim_lease),
            owner_gone=owner_gone,
        )


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
    claimed = claim(session_factory, document_id, worker_name, settings)
    with session_scope(session_factory) as session:
        document = repo.get_document(session, document_id)
        if document is None:
            return ProcessOutcome(document_id, None, "document_not_found", skipped=True)
        source_key, filename = document.source_key, document.original_filename
        status, reason = document.status, document.status_reason
        variants = label_variants(session) if claimed else ()  # labels reviewers taught
    if not claimed:
        log.info("document %s not claimed (status %s)", document_id, status.value)
        return ProcessOutcome(document_id, status, reason, skipped=True)

    heartbeat = Heartbeat(session_factory, worker_name, settings.claim_lease, lambda: [document_id])
    with heartbeat:
        try:
            data = store.get(source_key)
            outcome = read_outcome(
                data, filename or source_key.rsplit("/", 1)[-1], settings, variants
            )
            if outcome.status is DocumentStatus.failed and outcome.retryable:
                raise _RetryableRead(outcome.reason or "retryable_error")
            store_artefacts(store, document_id, outcome)
        except _RetryableRead as exc:
            if exc.code != TIME_LIMIT:
                _release_quietly(document_id, session_factory, worker_name, exc.code)
                raise exc.as_error() from None
            ended = fail_or_release(
                document_id,
                session_factory=session_factory,
                worker_name=worker_name,
                reason=TIME_LIMIT,
                tries=TIME_LIMIT_TRIES,
            )
            if ended is DocumentStatus.queued:
                raise exc.as_error() from None
            seconds = time.perf_counter() - start
            return ProcessOutcome(
                document_id, ended, TIME_LIMIT, skipped=ended is None, seconds=seconds
            )
        except DocprocError as exc:
            if exc.retryable:
                _release_quietly(document_id, session_factory, worker_name, exc.reason)
                raise
            outcome = ReadOutcome.failure(exc)
    try:
        recorded, version = _finish(session_factory, document_id, outcome, worker_name)
    except DocprocError as exc:
        # Still unreachable after the retries: give the claim back if the database answers now,
        # and let the queue retry; if it does not, the claim ends with its lease.
        _release_quietly(document_id, session_factory, worker_name, exc.reason)
        raise
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
        from docproc.errors import EngineFailed, EngineTimeout, TimeLimitReached

        cls: type[DocprocError] = EngineFailed
        if self.code == EngineTimeout.reason:
            cls = EngineTimeout
        elif self.code == TimeLimitReached.reason:
            cls = TimeLimitReached
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
