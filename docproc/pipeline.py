"""The thin orchestrator for one stored document: claim -> fetch -> read -> store -> record.

Stages are small functions with typed results:

* :func:`summarise` turns a :class:`~docproc.read.ReadResult` into a :class:`ReadOutcome`, a plain,
  picklable record (the unit of work a batch worker process hands back to its orchestrator);
* :func:`store_artefacts` writes what was derived (``derived/<doc-id>/mrz.json``);
* :func:`record_outcome` saves one extraction version and the final status, under the claim.

:func:`process_document` chains them for a document already in the store and the database (the
Celery task and ``docproc process`` call it). Retryable faults (storage or database down, OCR
timeouts) give the claim back and propagate so that the queue retries; everything else ends as a
status with a reason code. Nothing here logs personal data: ids, statuses and reason codes only.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from docproc.config import Settings, get_settings
from docproc.db import repo
from docproc.db.models import Document, DocumentStatus, FieldSource
from docproc.db.repo import FieldValue
from docproc.db.session import session_scope
from docproc.errors import DocprocError, as_docproc_error
from docproc.people import link_person
from docproc.read import ReadResult, ReadStatus, read_bytes
from docproc.storage import ObjectStore, derived_key, put_original, sha256_hex

__all__ = [
    "MRZ_FIELDS",
    "TERMINAL_STATUSES",
    "ProcessOutcome",
    "ReadOutcome",
    "Services",
    "open_services",
    "process_document",
    "read_outcome",
    "record_outcome",
    "release_claim",
    "store_artefacts",
    "submit_bytes",
    "summarise",
]

log = logging.getLogger(__name__)

#: Statuses after which a document is not processed again unless someone asks for it.
TERMINAL_STATUSES = frozenset(
    {DocumentStatus.done, DocumentStatus.needs_review, DocumentStatus.failed}
)

#: MRZ fields stored as extraction fields, in this order.
MRZ_FIELDS = (
    "document_code",
    "issuing_country",
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "birth_date",
    "sex",
    "expiry_date",
    "optional_data",
    "optional_data_2",
)
_REASON_LENGTH = 64  # documents.status_reason is VARCHAR(64)


@dataclass(frozen=True)
class ReadOutcome:
    """What reading one file produced, in plain types (safe to pickle between processes)."""

    status: DocumentStatus
    reason: str | None
    retryable: bool = False
    doc_type: str | None = None
    pages: int = 0
    fields: tuple[FieldValue, ...] = ()
    mrz_json: dict[str, Any] | None = None
    seconds: float = 0.0
    engine: str = ""

    @classmethod
    def failure(cls, error: DocprocError, seconds: float = 0.0) -> ReadOutcome:
        return cls(DocumentStatus.failed, error.reason, retryable=error.retryable, seconds=seconds)


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


# ------------------------------------------------------------------------------------- stages


def _bounding_box(quad: Any) -> tuple[int, int, int, int] | None:
    try:
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
    except (TypeError, ValueError, IndexError):
        return None
    if not xs:
        return None
    x, y = int(min(xs)), int(min(ys))
    return x, y, int(max(xs)) - x, int(max(ys)) - y


def _clamp(value: float | None) -> float | None:
    return None if value is None else min(1.0, max(0.0, float(value)))


def _join_reasons(reasons: tuple[str, ...] | list[str], default: str) -> str:
    return (",".join(reasons) or default)[:_REASON_LENGTH]


def summarise(result: ReadResult) -> ReadOutcome:
    """Route a read result: ``done``, ``needs_review`` (with reasons) or ``failed``."""
    if result.status is ReadStatus.error:
        error = result.error or DocprocError("reading failed without an error")
        return ReadOutcome.failure(error, result.seconds)
    if result.status is ReadStatus.no_mrz or result.mrz is None:
        return ReadOutcome(
            DocumentStatus.needs_review, "no_mrz", pages=result.pages, seconds=result.seconds
        )
    mrz = result.mrz
    data = mrz.to_json()
    box = _bounding_box(mrz.quad)
    page = mrz.page  # 0-based, as in MRZRead and PageImage
    fields = tuple(
        FieldValue(
            name=name,
            value=None if data.get(name) in (None, "") else str(data[name]),
            confidence=_clamp(mrz.field_confidence.get(name, mrz.confidence)),
            source=FieldSource.mrz,
            page=page,
            box=box,
        )
        for name in MRZ_FIELDS
    )
    if mrz.needs_review:
        status = DocumentStatus.needs_review
        reason: str | None = _join_reasons(tuple(mrz.review_reasons), "mrz_review")
    else:
        status, reason = DocumentStatus.done, None
    return ReadOutcome(
        status,
        reason,
        doc_type=mrz.parsed.type.value,
        pages=result.pages,
        fields=fields,
        mrz_json=data,
        seconds=result.seconds,
        engine=mrz.engine,
    )


def read_outcome(data: bytes, name: str, settings: Settings | None = None) -> ReadOutcome:
    """Read one file's bytes into a :class:`ReadOutcome` (never raises for a bad file)."""
    try:
        return summarise(read_bytes(data, name, settings))
    except Exception as exc:  # a bug in a stage must not stop a batch
        return ReadOutcome.failure(as_docproc_error(exc))


def store_artefacts(store: ObjectStore, document_id: uuid.UUID, outcome: ReadOutcome) -> list[str]:
    """Write the derived artefacts of ``outcome``; return their keys."""
    if outcome.mrz_json is None:
        return []
    key = derived_key(document_id, "mrz.json")
    body = json.dumps(outcome.mrz_json, ensure_ascii=False, sort_keys=True).encode()
    store.put(key, body, "application/json")
    return [key]


def record_outcome(
    session: Session, document: Document, outcome: ReadOutcome, *, actor: str
) -> int | None:
    """Save the extraction (if fields were read) and the final status; return the version."""
    version: int | None = None
    if outcome.fields:
        source = f"mrz:{outcome.engine}" if outcome.engine else "mrz"
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


# ------------------------------------------------------------------------------------- intake


@dataclass(frozen=True)
class Services:
    """The store and database of a settings object, opened once by a command or a process."""

    store: ObjectStore
    store_url: str
    session_factory: sessionmaker[Session]
    database_url: str


def open_services(settings: Settings | None = None, *, migrate: bool = False) -> Services:
    """Open the configured store and database (migrating it to head first if asked)."""
    from docproc.db.session import make_engine, make_session_factory
    from docproc.db.session import migrate as migrate_database
    from docproc.storage import open_store

    settings = settings or get_settings()
    store_url = settings.resolved_storage_url()
    database_url = settings.resolved_database_url()
    if migrate:
        migrate_database(database_url)
    access = settings.s3_access_key.get_secret_value() if settings.s3_access_key else None
    secret = settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
    store = open_store(store_url, access_key=access, secret_key=secret)
    factory = make_session_factory(make_engine(database_url))
    return Services(store, store_url, factory, database_url)


def media_type_for(filename: str | None) -> str:
    guessed = mimetypes.guess_type(filename or "")[0]
    return guessed or "application/octet-stream"


def submit_bytes(
    data: bytes,
    filename: str | None,
    *,
    store: ObjectStore,
    session_factory: sessionmaker[Session],
    batch_id: uuid.UUID | None = None,
    actor: str = "intake",
) -> tuple[Document, bool]:
    """Store an original by its sha256 and create its document ``queued``.

    The same content twice makes one document: the second call returns it with ``created`` False.
    """
    stored, _ = put_original(store, data, media_type_for(filename))
    with session_scope(session_factory) as session:
        return repo.get_or_create_document(
            session,
            sha256=sha256_hex(data),
            source_key=stored.key,
            filename=(filename or "")[-255:] or None,
            media_type=media_type_for(filename),
            batch_id=batch_id,
            actor=actor,
        )
