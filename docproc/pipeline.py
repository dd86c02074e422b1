"""The thin orchestrator for one stored document: claim -> fetch -> read -> store -> record.

Stages are small functions with typed results:

* :func:`read_outcome` reads one file as ``DOCPROC_EXTRACT`` says: ``full`` runs the extraction
  (MRZ, visual-zone or form fields, cross-checks, entities; :func:`summarise_extraction`), ``mrz``
  only reads the MRZ (:func:`summarise`). Both give a :class:`ReadOutcome`, a plain, picklable
  record (the unit of work a batch worker process hands back to its orchestrator);
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
import mimetypes
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # the extraction imports spaCy: loaded when a full extraction runs
    from docproc.extract.page import PageText
    from docproc.extract.record import ExtractRecord
    from docproc.mrz.model import MRZRead

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
    "summarise_extraction",
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
_REASON_LENGTH = 200  # documents.status_reason and review_tasks.reasons are VARCHAR(200)


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
    #: Further derived artefacts as (name under the document's derived prefix, JSON body).
    artefacts: tuple[tuple[str, dict[str, Any]], ...] = ()
    kind: str = ""  # of the full extraction: identity | form | unknown ("" for MRZ only)

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
    """Reason codes joined by commas; whole codes only, as many as fit the column."""
    kept: list[str] = []
    length = -1
    for reason in dict.fromkeys(r for r in reasons if r):
        if length + 1 + len(reason) > _REASON_LENGTH:
            break
        kept.append(reason)
        length += 1 + len(reason)
    return ",".join(kept) or default[:_REASON_LENGTH]


def _mrz_fields(mrz: MRZRead) -> tuple[FieldValue, ...]:
    """One extraction field per MRZ field: source ``mrz``, the box of the MRZ on its page."""
    data = mrz.to_json()
    box = _bounding_box(mrz.quad)
    return tuple(
        FieldValue(
            name=name,
            value=None if data.get(name) in (None, "") else str(data[name]),
            confidence=_clamp(mrz.field_confidence.get(name, mrz.confidence)),
            source=FieldSource.mrz,
            page=mrz.page,  # 0-based, as in MRZRead and PageImage
            box=box,
        )
        for name in MRZ_FIELDS
    )


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
        fields=_mrz_fields(mrz),
        mrz_json=mrz.to_json(),
        seconds=result.seconds,
        engine=mrz.engine,
    )


def summarise_extraction(record: ExtractRecord, page: PageText | None) -> ReadOutcome:
    """Route a full extraction: its MRZ, page and entity fields, its review reasons (the MRZ's
    own and the cross-checks'), and the record and page OCR as artefacts."""
    from docproc.extracted import entity_fields, page_fields, page_ocr_json

    if record.status != "ok":
        error = record.error or DocprocError("extraction failed without an error")
        return ReadOutcome.failure(error, record.seconds)
    mrz = record.mrz
    fields = (
        (_mrz_fields(mrz) if mrz is not None else ())
        + page_fields(record.fields)
        + entity_fields(record.entities, page)
    )
    if record.review_reasons or (mrz is not None and mrz.needs_review):
        status = DocumentStatus.needs_review
        reason: str | None = _join_reasons(record.review_reasons, "mrz_review")
    else:
        status, reason = DocumentStatus.done, None
    artefacts: list[tuple[str, dict[str, Any]]] = [("extract.json", record.to_json())]
    if page is not None:
        artefacts.append((f"page-{page.page}.ocr.json", page_ocr_json(page)))
    return ReadOutcome(
        status,
        reason,
        doc_type=mrz.parsed.type.value if mrz is not None else None,
        pages=record.pages,
        fields=fields,
        mrz_json=mrz.to_json() if mrz is not None else None,
        seconds=record.seconds,
        engine=mrz.engine if mrz is not None else "",
        artefacts=tuple(artefacts),
        kind=record.kind,
    )


def extract_bytes(data: bytes, name: str, settings: Settings) -> ReadOutcome:
    """The full extraction of one file's bytes: intake -> ``extract_pages`` (which reads the
    MRZ once, on the decoded pages) -> entities of the OCR'd page text -> :class:`ReadOutcome`."""
    from docproc.extract.record import record_from_pages
    from docproc.intake import load_pages

    start = time.perf_counter()
    try:
        pages = load_pages(data, filename=name, settings=settings)
        record, page = record_from_pages(name, pages, start, lang=settings.ocr_languages)
    except Exception as exc:  # every failure becomes an outcome with a reason code
        return ReadOutcome.failure(as_docproc_error(exc), time.perf_counter() - start)
    return summarise_extraction(record, page)


def read_outcome(data: bytes, name: str, settings: Settings | None = None) -> ReadOutcome:
    """Read one file's bytes into a :class:`ReadOutcome` (never raises for a bad file).

    ``settings.extract`` chooses the full extraction (default) or the MRZ only.
    """
    settings = settings or get_settings()
    try:
        if settings.extract == "mrz":
            return summarise(read_bytes(data, name, settings))
        return extract_bytes(data, name, settings)
    except Exception as exc:  # a bug in a stage must not stop a batch
        return ReadOutcome.failure(as_docproc_error(exc))


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
