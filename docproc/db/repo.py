"""Repository functions: the queries on documents, extractions, batches and events that the
pipeline, the web app and the commands share. Case-work services (review, people, cases,
merges, export) build their own queries on the tables only they use.

Every function takes a :class:`~sqlalchemy.orm.Session` and never commits: the caller owns the
transaction (``with session_scope(factory) as session: ...``). Every change of a document's status
writes an :class:`~docproc.db.models.Event` in the same transaction, so the audit trail and the
state can never disagree. Events are only ever inserted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from docproc.db.models import (
    Batch,
    Case,
    CasePerson,
    CaseRole,
    Document,
    DocumentStatus,
    Event,
    Extraction,
    ExtractionField,
    FieldSource,
    Person,
    utcnow,
)
from docproc.errors import DocprocError

__all__ = [
    "ALLOWED_TRANSITIONS",
    "FieldValue",
    "InvalidStatusTransition",
    "add_person_to_case",
    "batch_counts",
    "claim_ended",
    "claim_for_processing",
    "create_batch",
    "create_case",
    "create_person",
    "documents_by_status",
    "events_for",
    "extractions_for",
    "finish_batch",
    "get_batch",
    "get_document",
    "get_document_by_sha256",
    "get_or_create_document",
    "give_back",
    "latest_extraction",
    "link_document_to_person",
    "record_event",
    "renew_claims",
    "requeue_failed",
    "save_extraction",
    "set_document_info",
    "set_status",
    "status_counts",
    "stuck_documents",
]

S = DocumentStatus

#: Which status may follow which. ``processing`` is normally entered through
#: :func:`claim_for_processing`; ``processing -> queued`` gives a document back for a retry.
ALLOWED_TRANSITIONS: dict[DocumentStatus, frozenset[DocumentStatus]] = {
    S.queued: frozenset({S.processing, S.failed}),
    S.processing: frozenset({S.done, S.needs_review, S.failed, S.queued}),
    S.needs_review: frozenset({S.needs_review, S.done, S.failed, S.queued}),
    S.done: frozenset({S.needs_review, S.queued}),
    S.failed: frozenset({S.failed, S.queued, S.needs_review}),
}


class InvalidStatusTransition(DocprocError):
    reason = "invalid_status_transition"
    fix = "This is a bug in the caller: see ALLOWED_TRANSITIONS in docproc/db/repo.py."
    http_status = 409


@dataclass(frozen=True, slots=True)
class FieldValue:
    """One field of an extraction, as the pipeline or a reviewer hands it over."""

    name: str
    value: str | None
    confidence: float | None
    source: FieldSource
    page: int | None = None
    box: tuple[int, int, int, int] | None = None  # x, y, width, height in page pixels
    sentence: str | None = None  # an entity's sentence in the text it was found in

    def __post_init__(self) -> None:
        if self.confidence is not None and not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence of {self.name!r} must be in [0, 1]: {self.confidence}")


# ---------------------------------------------------------------------------------------- events


def record_event(
    session: Session,
    *,
    entity_type: str,
    entity_id: object,
    kind: str,
    actor: str,
    old: str | None = None,
    new: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the audit trail. There is deliberately no update or delete."""
    event = Event(
        entity_type=entity_type,
        entity_id=str(entity_id),
        kind=kind,
        old=old,
        new=new,
        actor=actor,
        at=utcnow(),
        detail=detail,
    )
    session.add(event)
    return event


def events_for(session: Session, entity_type: str, entity_id: object) -> list[Event]:
    """The events of one entity, oldest first."""
    query = (
        select(Event)
        .where(Event.entity_type == entity_type, Event.entity_id == str(entity_id))
        .order_by(Event.id)
    )
    session.flush()
    return list(session.scalars(query))


# ------------------------------------------------------------------------------------- documents


def get_document(session: Session, document_id: uuid.UUID) -> Document | None:
    return session.get(Document, document_id)


def get_document_by_sha256(session: Session, sha256: str) -> Document | None:
    return session.scalars(select(Document).where(Document.sha256 == sha256)).one_or_none()


def get_or_create_document(
    session: Session,
    *,
    sha256: str,
    source_key: str,
    filename: str | None = None,
    media_type: str = "application/octet-stream",
    batch_id: uuid.UUID | None = None,
    actor: str = "system",
) -> tuple[Document, bool]:
    """The document for a file's content, created ``queued`` if it is new.

    Safe when several workers register the same file at once: the UNIQUE ``sha256`` decides, and
    the loser of the race gets the winner's row (``created`` is False). The insert runs in a
    savepoint so that losing the race leaves the caller's transaction usable.
    """
    existing = get_document_by_sha256(session, sha256)
    if existing is not None:
        return existing, False
    document = Document(
        sha256=sha256,
        source_key=source_key,
        original_filename=filename,
        media_type=media_type,
        batch_id=batch_id,
        status=DocumentStatus.queued,
    )
    try:
        with session.begin_nested():
            session.add(document)
    except IntegrityError:
        winner = get_document_by_sha256(session, sha256)
        if winner is None:  # a different constraint failed (e.g. an unknown batch_id)
            raise
        return winner, False
    record_event(
        session,
        entity_type="document",
        entity_id=document.id,
        kind="created",
        actor=actor,
        new=DocumentStatus.queued.value,
        detail={"batch_id": str(batch_id) if batch_id else None},
    )
    return document, True


def set_status(
    session: Session,
    document: Document,
    status: DocumentStatus,
    reason: str | None = None,
    *,
    actor: str,
) -> None:
    """Move a document to ``status`` (with a reason code) and record the change as an event.

    Leaving ``processing`` releases the worker's claim. Raises :class:`InvalidStatusTransition`
    for moves outside :data:`ALLOWED_TRANSITIONS`.
    """
    old = document.status
    if status not in ALLOWED_TRANSITIONS[old]:
        raise InvalidStatusTransition(f"document {document.id}: {old.value} -> {status.value}")
    now = utcnow()
    document.status = status
    document.status_reason = reason
    document.updated_at = now
    if status == DocumentStatus.processing:
        document.claimed_by, document.claimed_at = actor, now
    else:
        document.claimed_by, document.claimed_at = None, None
    document.lease_until = None
    record_event(
        session,
        entity_type="document",
        entity_id=document.id,
        kind="status_changed",
        actor=actor,
        old=old.value,
        new=status.value,
        detail={"reason": reason} if reason else None,
    )


def claim_for_processing(
    session: Session,
    document_id: uuid.UUID,
    worker: str,
    *,
    stale_after: timedelta = timedelta(minutes=15),
    max_attempts: int | None = None,
    lease: timedelta | None = None,
    owner_gone: Callable[[str], bool] | None = None,
) -> bool:
    """Atomically take a document for processing; False if another worker has it.

    A document can be claimed when it is ``queued``, or ``processing`` under a claim that has
    ended: its lease ran out (``lease_until``; or, for a claim without a lease, it is older than
    ``stale_after``), or ``owner_gone(claimed_by)`` says its owner is dead. A claim ``worker``
    itself holds is not taken again (threads of one web process share a name): it ends with its
    lease like any other. The compare-and-set is
    an UPDATE guarded by the status, owner and attempt counter read just before, so of two workers
    exactly one wins. With ``max_attempts``, a document that has used them up is marked
    ``failed`` with its last real reason (``worker_lost``, ``ocr_timeout``, ...) instead, and not
    claimed. Commit right after claiming: the row stays locked on PostgreSQL until then.
    """
    session.flush()
    row = session.execute(
        select(
            Document.status,
            Document.attempts,
            Document.claimed_at,
            Document.claimed_by,
            Document.lease_until,
            Document.status_reason,
        ).where(Document.id == document_id)
    ).one_or_none()
    if row is None:
        return False
    old_status, attempts, claimed_at, claimed_by, lease_until, last_reason = row
    now = utcnow()
    taken_back = None
    if old_status == DocumentStatus.processing:
        taken_back = claim_ended(
            claimed_by, claimed_at, lease_until, now=now, stale_after=stale_after
        )
        if taken_back is None and owner_gone is not None and claimed_by and owner_gone(claimed_by):
            taken_back = "worker_lost"
        if taken_back is None:
            return False
    elif old_status != DocumentStatus.queued:
        return False
    reason = taken_back or last_reason
    guard = (
        Document.id == document_id,
        Document.status == old_status,
        Document.attempts == attempts,
        Document.claimed_by.is_not_distinct_from(claimed_by),
    )
    if max_attempts is not None and attempts >= max_attempts:
        final_reason = reason if reason and reason not in _NOT_FAILURES else "too_many_attempts"
        if _compare_and_set(
            session,
            guard,
            status=DocumentStatus.failed,
            status_reason=final_reason,
            claimed_by=None,
            claimed_at=None,
            lease_until=None,
            updated_at=now,
        ):
            record_event(
                session,
                entity_type="document",
                entity_id=document_id,
                kind="status_changed",
                actor=worker,
                old=old_status.value,
                new=DocumentStatus.failed.value,
                detail={"reason": final_reason, "attempts": attempts},
            )
        return False
    if not _compare_and_set(
        session,
        guard,
        status=DocumentStatus.processing,
        status_reason=reason,
        claimed_by=worker,
        claimed_at=now,
        lease_until=now + lease if lease is not None else None,
        attempts=attempts + 1,
        updated_at=now,
    ):
        return False
    detail: dict[str, Any] = {"attempt": attempts + 1}
    if taken_back:
        detail["reclaimed_from"] = claimed_by
        detail["reason"] = taken_back
    record_event(
        session,
        entity_type="document",
        entity_id=document_id,
        kind="status_changed",
        actor=worker,
        old=old_status.value,
        new=DocumentStatus.processing.value,
        detail=detail,
    )
    return True


#: Reasons a queued document may carry that say nothing about why it failed.
_NOT_FAILURES = frozenset({"retry", "requeued", "interrupted", "sweep"})


def claim_ended(
    claimed_by: str | None,
    claimed_at: datetime | None,
    lease_until: datetime | None,
    *,
    now: datetime,
    stale_after: timedelta,
) -> str | None:
    """Why a ``processing`` claim may be taken back (``lease_expired``), or None while it holds
    (the owner's liveness is checked by the caller: ``owner_gone``)."""
    if lease_until is not None:
        return "lease_expired" if lease_until < now else None
    if claimed_at is None or claimed_at < now - stale_after:
        return "lease_expired"
    return None


def renew_claims(
    session: Session, document_ids: Iterable[uuid.UUID], worker: str, lease: timedelta
) -> int:
    """Extend the lease of the claims ``worker`` holds on ``document_ids``; return how many."""
    ids = list(document_ids)
    if not ids:
        return 0
    result = session.execute(
        update(Document)
        .where(
            Document.id.in_(ids),
            Document.status == DocumentStatus.processing,
            Document.claimed_by == worker,
        )
        .values(lease_until=utcnow() + lease)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount


def give_back(
    session: Session,
    document: Document,
    reason: str,
    *,
    actor: str,
    count_attempt: bool = True,
) -> None:
    """``processing -> queued`` with the fault as reason; the attempt is refunded when the fault
    was the system's (``count_attempt=False``), so an outage never uses up a document."""
    set_status(session, document, DocumentStatus.queued, reason, actor=actor)
    if not count_attempt:
        document.attempts = max(0, document.attempts - 1)


def requeue_failed(
    session: Session,
    *,
    actor: str,
    accept: Callable[[str | None], bool],
    reasons: Iterable[str] | None = None,
    batch_id: uuid.UUID | None = None,
    failed_before: datetime | None = None,
    document_ids: Iterable[uuid.UUID] | None = None,
    limit: int = 10_000,
) -> list[uuid.UUID]:
    """Put ``failed`` documents back to ``queued`` (attempts reset); return their ids.

    Filters combine: reason codes, batch, failed before a time, ids; ``accept(reason)`` decides
    the rest (e.g. transient failures only).
    """
    query = select(Document).where(Document.status == DocumentStatus.failed)
    if reasons is not None:
        query = query.where(Document.status_reason.in_(list(reasons)))
    if batch_id is not None:
        query = query.where(Document.batch_id == batch_id)
    if failed_before is not None:
        query = query.where(Document.updated_at < failed_before)
    if document_ids is not None:
        query = query.where(Document.id.in_(list(document_ids)))
    query = query.order_by(Document.updated_at, Document.id).limit(limit)
    requeued: list[uuid.UUID] = []
    for document in session.scalars(query):
        if not accept(document.status_reason):
            continue
        previous = document.status_reason
        set_status(session, document, DocumentStatus.queued, previous, actor=actor)
        document.attempts = 0
        requeued.append(document.id)
    return requeued


def status_counts(session: Session) -> list[tuple[DocumentStatus, str | None, int]]:
    """How many documents are in each (status, reason), most first."""
    query = (
        select(Document.status, Document.status_reason, func.count())
        .group_by(Document.status, Document.status_reason)
        .order_by(func.count().desc())
    )
    return [(status, reason, count) for status, reason, count in session.execute(query)]


def _compare_and_set(session: Session, guard: Sequence[Any], **values: Any) -> bool:
    result = session.execute(update(Document).where(*guard).values(**values))
    return cast(CursorResult[Any], result).rowcount == 1


def set_document_info(
    session: Session,
    document: Document,
    *,
    doc_type: str | None = None,
    pages: int | None = None,
) -> None:
    """Record what intake and MRZ reading learnt about the file (only the values given)."""
    if doc_type is not None:
        document.doc_type = doc_type
    if pages is not None:
        document.pages = pages
    document.updated_at = utcnow()


def stuck_documents(
    session: Session,
    older_than: timedelta,
    *,
    limit: int = 1000,
    owner_gone: Callable[[str], bool] | None = None,
) -> list[Document]:
    """Documents ``processing`` under a claim that has ended (see :func:`claim_ended`; and, with
    ``owner_gone``, claims whose owner is dead): their worker is gone."""
    now = utcnow()
    query = (
        select(Document)
        .where(Document.status == DocumentStatus.processing)
        .order_by(Document.claimed_at, Document.id)
        .limit(limit)
    )
    return [
        d
        for d in session.scalars(query)
        if claim_ended(d.claimed_by, d.claimed_at, d.lease_until, now=now, stale_after=older_than)
        or (owner_gone is not None and d.claimed_by is not None and owner_gone(d.claimed_by))
    ]


def documents_by_status(
    session: Session,
    status: DocumentStatus,
    *,
    batch_id: uuid.UUID | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Document]:
    """Documents in ``status`` (optionally of one batch), oldest first."""
    query = select(Document).where(Document.status == status)
    if batch_id is not None:
        query = query.where(Document.batch_id == batch_id)
    query = query.order_by(Document.created_at, Document.id).limit(limit).offset(offset)
    return list(session.scalars(query))


# ----------------------------------------------------------------------------------- extractions


def save_extraction(
    session: Session,
    document: Document,
    fields: Iterable[FieldValue],
    *,
    created_by: str,
    source: str,
) -> Extraction:
    """Store a new version of the document's extraction (versions count up from 1).

    The document row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises
    writers anyway), so two savers cannot pick the same version number.
    """
    session.flush()
    session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
    current = session.scalar(
        select(func.max(Extraction.version)).where(Extraction.document_id == document.id)
    )
    extraction = Extraction(
        document_id=document.id,
        version=(current or 0) + 1,
        created_by=created_by,
        created_at=utcnow(),
        source=source,
        fields=[
            ExtractionField(
                name=f.name,
                value=f.value,
                confidence=f.confidence,
                source=f.source,
                page=f.page,
                box=list(f.box) if f.box is not None else None,
                sentence=f.sentence,
            )
            for f in fields
        ],
    )
    session.add(extraction)
    session.flush()
    record_event(
        session,
        entity_type="document",
        entity_id=document.id,
        kind="extraction_saved",
        actor=created_by,
        new=str(extraction.version),
        detail={"extraction_id": str(extraction.id), "source": source},
    )
    return extraction


def latest_extraction(session: Session, document_id: uuid.UUID) -> Extraction | None:
    query = (
        select(Extraction)
        .where(Extraction.document_id == document_id)
        .order_by(Extraction.version.desc())
        .limit(1)
        .options(selectinload(Extraction.fields))
    )
    return session.scalars(query).one_or_none()


def extractions_for(session: Session, document_id: uuid.UUID) -> list[Extraction]:
    """All versions, oldest first."""
    query = (
        select(Extraction)
        .where(Extraction.document_id == document_id)
        .order_by(Extraction.version)
        .options(selectinload(Extraction.fields))
    )
    return list(session.scalars(query))


# --------------------------------------------------------------------------------------- batches


def create_batch(session: Session, *, name: str, source: str, actor: str, total: int = 0) -> Batch:
    batch = Batch(name=name, source=source, total=total, created_by=actor, created_at=utcnow())
    session.add(batch)
    session.flush()
    record_event(
        session,
        entity_type="batch",
        entity_id=batch.id,
        kind="created",
        actor=actor,
        detail={"total": total},
    )
    return batch


def get_batch(session: Session, batch_id: uuid.UUID) -> Batch | None:
    return session.get(Batch, batch_id)


def finish_batch(session: Session, batch: Batch, *, actor: str) -> None:
    batch.finished_at = utcnow()
    record_event(
        session,
        entity_type="batch",
        entity_id=batch.id,
        kind="finished",
        actor=actor,
        detail={k.value: v for k, v in batch_counts(session, batch.id).items()},
    )


def batch_counts(session: Session, batch_id: uuid.UUID) -> dict[DocumentStatus, int]:
    """How many of the batch's documents are in each status (every status present, maybe 0)."""
    session.flush()
    counts = dict.fromkeys(DocumentStatus, 0)
    query = (
        select(Document.status, func.count())
        .where(Document.batch_id == batch_id)
        .group_by(Document.status)
    )
    for status, count in session.execute(query):
        counts[status] = count
    return counts


# ------------------------------------------------------------------------------- persons, cases


def create_person(
    session: Session,
    *,
    surname: str,
    given_names: str = "",
    date_of_birth: date | None = None,
    sex: str | None = None,
    nationality: str | None = None,
    name_key: str = "",
    site_id: uuid.UUID | None = None,
    actor: str,
) -> Person:
    person = Person(
        surname=surname,
        given_names=given_names,
        date_of_birth=date_of_birth,
        sex=sex,
        nationality=nationality,
        name_key=name_key,
        site_id=site_id,
    )
    session.add(person)
    session.flush()
    record_event(session, entity_type="person", entity_id=person.id, kind="created", actor=actor)
    return person


def link_document_to_person(
    session: Session, document: Document, person: Person, *, actor: str
) -> None:
    old = str(document.person_id) if document.person_id else None
    document.person_id = person.id
    document.updated_at = utcnow()
    record_event(
        session,
        entity_type="document",
        entity_id=document.id,
        kind="person_linked",
        actor=actor,
        old=old,
        new=str(person.id),
    )


def create_case(session: Session, *, reference: str, actor: str) -> Case:
    case = Case(reference=reference)
    session.add(case)
    session.flush()
    record_event(session, entity_type="case", entity_id=case.id, kind="created", actor=actor)
    return case


def add_person_to_case(
    session: Session,
    case: Case,
    person: Person,
    *,
    role: CaseRole | str = CaseRole.other,
    actor: str,
) -> CasePerson:
    role = CaseRole(role)
    link = CasePerson(case_id=case.id, person_id=person.id, role=role, added_at=utcnow())
    session.add(link)
    record_event(
        session,
        entity_type="case",
        entity_id=case.id,
        kind="person_added",
        actor=actor,
        new=str(person.id),
        detail={"role": role.value},
    )
    return link
