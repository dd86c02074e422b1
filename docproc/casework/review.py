"""The service layer of the desk and review app: records, the review queue, the audit trail.

Routes call these functions and never build queries. Each function takes a session and never
commits (the caller owns the transaction). Every read of a record and every change writes an
event with the acting user: that is the audit log supervisors browse.

Review tasks are opened for every document in ``needs_review`` (with its reason codes) and for a
random sample of documents read without doubt (``done``). The sample is decided by a hash of the
document id, so it is reproducible and the same document is never drawn twice.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.casework.people import link_person
from docproc.casework.sites import site_filter
from docproc.casework.validation import validate_field
from docproc.db import repo
from docproc.db.models import (
    MRZ_FIELDS,
    Document,
    DocumentStatus,
    Event,
    FieldSource,
    ReviewHistory,
    ReviewState,
    ReviewTask,
    utcnow,
)
from docproc.db.repo import FieldValue
from docproc.errors import DocprocError, ExitCode

__all__ = [
    "REJECT_REASONS",
    "AuditPage",
    "DocumentRecord",
    "QueueItem",
    "accept",
    "audit_events",
    "claim",
    "corrections",
    "document_record",
    "fix",
    "is_sampled",
    "open_task_for",
    "queue",
    "queue_depth",
    "queue_reasons",
    "reject",
    "sync_queue",
]

#: Reason codes a reviewer may reject a document with.
REJECT_REASONS = (
    "illegible",
    "not_a_travel_document",
    "wrong_person",
    "suspected_fraud",
    "duplicate",
    "other",
)
NEEDS_REVIEW_PRIORITY = 1
SAMPLE_PRIORITY = 5
_SAMPLE_WINDOW = timedelta(days=2)
_ACTIVE = (ReviewState.open, ReviewState.claimed)


class NotFound(DocprocError):
    reason = "record_not_found"
    fix = "Check the id; the record may not exist."
    http_status = 404
    exit_code = ExitCode.bad_arguments


class TaskTaken(DocprocError):
    reason = "task_taken"
    fix = "Another reviewer has this task; pick another one from the queue."
    http_status = 409
    exit_code = ExitCode.bad_arguments


class TaskClosed(DocprocError):
    reason = "task_closed"
    fix = "This task is already resolved; reload the queue."
    http_status = 409
    exit_code = ExitCode.bad_arguments


class BadReview(DocprocError):
    reason = "bad_review"
    fix = (
        f"Fix only the fields {', '.join(MRZ_FIELDS)}, and change at least one (else accept); "
        f"reject with one of {', '.join(REJECT_REASONS)}."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments


@dataclass(frozen=True)
class FieldView:
    name: str
    value: str | None
    confidence: float | None
    source: str
    page: int | None = None  # the page it was read on, counting from 0 (as stored)


@dataclass(frozen=True)
class DocumentRecord:
    """What the desk and the review pages show of one document."""

    id: str
    status: str
    status_reason: str | None
    doc_type: str | None
    pages: int | None
    filename: str | None
    created_at: str
    version: int | None
    fields: tuple[FieldView, ...]
    checks: dict[str, bool]
    has_mrz: bool
    mrz_page: int | None

    @property
    def needs_review(self) -> bool:
        return self.status == DocumentStatus.needs_review.value

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "status_reason": self.status_reason,
            "needs_review": self.needs_review,
            "doc_type": self.doc_type,
            "pages": self.pages,
            "filename": self.filename,
            "created_at": self.created_at,
            "version": self.version,
            "fields": {f.name: f.value for f in self.fields},
            "confidence": {f.name: f.confidence for f in self.fields},
            "sources": {f.name: f.source for f in self.fields},
            # the page each field was read on, counting from 1 (as /pages/{page}.jpg does)
            "field_pages": {f.name: f.page + 1 for f in self.fields if f.page is not None},
            "checks": self.checks,
            "has_mrz": self.has_mrz,
        }


@dataclass(frozen=True)
class QueueItem:
    task_id: int
    document_id: str
    reasons: str
    sampled: bool
    priority: int
    state: str
    claimed_by: str | None
    created_at: str
    doc_type: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "document_id": self.document_id,
            "reasons": self.reasons.split(",") if self.reasons else [],
            "sampled": self.sampled,
            "priority": self.priority,
            "state": self.state,
            "claimed_by": self.claimed_by,
            "created_at": self.created_at,
            "doc_type": self.doc_type,
        }


# ---------------------------------------------------------------------------------- documents


def _document(session: Session, document_id: uuid.UUID, actor: Principal | None = None) -> Document:
    """The document, if it exists and is within ``actor``'s sites (need-to-know)."""
    document = repo.get_document(session, document_id)
    if document is None or (actor is not None and not actor.sees_site(document.site_id)):
        raise NotFound(f"no document {document_id}")
    return document


def document_status(
    session: Session, document_id: uuid.UUID, actor: Principal | None = None
) -> Document:
    """The document row only (status, no personal data): not an audited read."""
    return _document(session, document_id, actor)


def document_record(
    session: Session,
    document_id: uuid.UUID,
    actor: Principal,
    *,
    checks: Mapping[str, bool] | None = None,
    mrz_page: int | None = None,
    audit_kind: str = "viewed",
) -> DocumentRecord:
    """The document with its newest extraction; records that ``actor`` read it."""
    document = _document(session, document_id, actor)
    extraction = repo.latest_extraction(session, document_id)
    fields = (
        tuple(
            FieldView(f.name, f.value, f.confidence, f.source.value, f.page)
            for f in extraction.fields
        )
        if extraction
        else ()
    )
    if audit_kind:
        repo.record_event(
            session,
            entity_type="document",
            entity_id=document_id,
            kind=audit_kind,
            actor=actor.username,
            detail={"version": extraction.version if extraction else None, "via": actor.via},
        )
    return DocumentRecord(
        id=str(document.id),
        status=document.status.value,
        status_reason=document.status_reason,
        doc_type=document.doc_type,
        pages=document.pages,
        filename=document.original_filename,
        created_at=document.created_at.isoformat(timespec="seconds"),
        version=extraction.version if extraction else None,
        fields=fields,
        checks=dict(checks or {}),
        has_mrz=bool(fields) and any(f.source == FieldSource.mrz.value for f in fields),
        mrz_page=mrz_page,
    )


def record_access(
    session: Session, document_id: uuid.UUID, actor: Principal, kind: str
) -> Document:
    """Record a read of a document's original or an image made from it; return the row."""
    document = _document(session, document_id, actor)
    repo.record_event(
        session,
        entity_type="document",
        entity_id=document_id,
        kind=kind,
        actor=actor.username,
        detail={"via": actor.via},
    )
    return document


def documents_by_status_counts(session: Session) -> dict[str, int]:
    counts = dict.fromkeys((s.value for s in DocumentStatus), 0)
    for status, count in session.execute(
        select(Document.status, func.count()).group_by(Document.status)
    ):
        counts[status.value] = count
    return counts


# --------------------------------------------------------------------------------- the queue


def is_sampled(document_id: uuid.UUID, rate: float) -> bool:
    """Whether an auto-accepted document falls in the review sample (stable per document)."""
    if rate <= 0:
        return False
    digest = hashlib.sha256(b"docproc-review-sample:" + document_id.bytes).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def open_task_for(session: Session, document: Document, sample_rate: float) -> ReviewTask | None:
    """Open the review task a document calls for (if any and not yet open)."""
    if document.status is DocumentStatus.needs_review:
        reasons, sampled, priority = document.status_reason or "", False, NEEDS_REVIEW_PRIORITY
    elif document.status is DocumentStatus.done and is_sampled(document.id, sample_rate):
        reasons, sampled, priority = "sample", True, SAMPLE_PRIORITY
    else:
        return None
    existing = session.scalars(
        select(ReviewTask).where(ReviewTask.document_id == document.id)
    ).one_or_none()
    if existing is not None:
        return None
    task = ReviewTask(
        document_id=document.id,
        reasons=reasons[:200],
        sampled=sampled,
        priority=priority,
        state=ReviewState.open,
        created_at=utcnow(),
    )
    with session.begin_nested():
        session.add(task)
    repo.record_event(
        session,
        entity_type="review_task",
        entity_id=task.id,
        kind="opened",
        actor="system",
        new=ReviewState.open.value,
        detail={"document_id": str(document.id), "reasons": task.reasons, "sampled": sampled},
    )
    return task


def sync_queue(session: Session, sample_rate: float, *, limit: int = 500) -> int:
    """Open tasks for documents that need one (e.g. processed by a Celery worker); return how many.

    Considers every ``needs_review`` document and the ``done`` ones of the last two days.
    """
    recent = utcnow() - _SAMPLE_WINDOW
    query = (
        select(Document)
        .outerjoin(ReviewTask, ReviewTask.document_id == Document.id)
        .where(ReviewTask.id.is_(None))
        .where(
            or_(
                Document.status == DocumentStatus.needs_review,
                (Document.status == DocumentStatus.done) & (Document.updated_at >= recent),
            )
        )
        .order_by(Document.updated_at)
        .limit(limit)
    )
    opened = 0
    for document in session.scalars(query):
        if open_task_for(session, document, sample_rate) is not None:
            opened += 1
    return opened


def queue(
    session: Session,
    *,
    reason: str | None = None,
    limit: int = 200,
    actor: Principal | None = None,
) -> list[QueueItem]:
    """Open and claimed tasks (of ``actor``'s sites), by priority then age; ``reason`` filters
    on one reason code."""
    query = (
        select(ReviewTask, Document.doc_type)
        .join(Document, Document.id == ReviewTask.document_id)
        .where(ReviewTask.state.in_(_ACTIVE))
        .order_by(ReviewTask.priority, ReviewTask.created_at, ReviewTask.id)
        .limit(limit)
    )
    scope = site_filter(actor, Document.site_id) if actor is not None else None
    if scope is not None:
        query = query.where(scope)
    items = []
    for task, doc_type in session.execute(query):
        if reason and reason not in task.reasons.split(","):
            continue
        items.append(
            QueueItem(
                task_id=task.id,
                document_id=str(task.document_id),
                reasons=task.reasons,
                sampled=task.sampled,
                priority=task.priority,
                state=task.state.value,
                claimed_by=task.claimed_by,
                created_at=task.created_at.isoformat(timespec="seconds"),
                doc_type=doc_type,
            )
        )
    return items


def queue_reasons(session: Session) -> list[str]:
    found: set[str] = set()
    for reasons in session.scalars(
        select(ReviewTask.reasons).where(ReviewTask.state.in_(_ACTIVE)).distinct()
    ):
        found.update(r for r in reasons.split(",") if r)
    return sorted(found)


def queue_depth(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(ReviewTask).where(ReviewTask.state.in_(_ACTIVE))
        )
        or 0
    )


def get_task(session: Session, task_id: int, actor: Principal | None = None) -> ReviewTask:
    """The task, if it exists and its document is within ``actor``'s sites."""
    task = session.get(ReviewTask, task_id, populate_existing=True)
    if task is None:
        raise NotFound(f"no review task {task_id}")
    if actor is not None and actor.sites is not None:
        site = session.scalar(select(Document.site_id).where(Document.id == task.document_id))
        if not actor.sees_site(site):
            raise NotFound(f"no review task {task_id}")
    return task


def claim(session: Session, task_id: int, actor: Principal) -> ReviewTask:
    """Take a task; of two reviewers claiming at once exactly one wins (compare-and-set)."""
    get_task(session, task_id, actor)  # need-to-know first
    now = utcnow()
    result = session.execute(
        update(ReviewTask)
        .where(
            ReviewTask.id == task_id,
            or_(
                ReviewTask.state == ReviewState.open,
                (ReviewTask.state == ReviewState.claimed)
                & (ReviewTask.claimed_by == actor.username),
            ),
        )
        .values(state=ReviewState.claimed, claimed_by=actor.username, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    task = get_task(session, task_id)
    if cast(CursorResult[Any], result).rowcount != 1:
        if task.state in _ACTIVE:
            raise TaskTaken(f"review task {task_id} is claimed by another reviewer")
        raise TaskClosed(f"review task {task_id} is {task.state.value}")
    repo.record_event(
        session,
        entity_type="review_task",
        entity_id=task_id,
        kind="claimed",
        actor=actor.username,
        old=ReviewState.open.value,
        new=ReviewState.claimed.value,
        detail={"document_id": str(task.document_id)},
    )
    return task


def _held_task(session: Session, task_id: int, actor: Principal) -> ReviewTask:
    task = get_task(session, task_id, actor)
    if task.state is not ReviewState.claimed:
        if task.state is ReviewState.open:
            raise TaskTaken(f"claim review task {task_id} first")
        raise TaskClosed(f"review task {task_id} is {task.state.value}")
    if task.claimed_by != actor.username:
        raise TaskTaken(f"review task {task_id} is claimed by another reviewer")
    return task


def _close(
    session: Session,
    task: ReviewTask,
    state: ReviewState,
    actor: Principal,
    reason: str | None = None,
) -> None:
    task.state = state
    task.resolution_reason = reason
    task.resolved_at = utcnow()
    repo.record_event(
        session,
        entity_type="review_task",
        entity_id=task.id,
        kind=state.value,
        actor=actor.username,
        old=ReviewState.claimed.value,
        new=state.value,
        detail={"document_id": str(task.document_id), "reason": reason},
    )


def _settle(session: Session, document: Document, actor: Principal) -> None:
    if document.status is DocumentStatus.needs_review:
        repo.set_status(session, document, DocumentStatus.done, "reviewed", actor=actor.username)


def accept(session: Session, task_id: int, actor: Principal) -> ReviewTask:
    task = _held_task(session, task_id, actor)
    _settle(session, _document(session, task.document_id), actor)
    _close(session, task, ReviewState.accepted, actor)
    return task


def fix(
    session: Session, task_id: int, edits: Mapping[str, str | None], actor: Principal
) -> tuple[ReviewTask, int]:
    """Save the reviewer's corrections as a new extraction version; return it and its number.

    Each changed field is a :class:`ReviewHistory` row with the old and new value (erasable)
    and a ``field_corrected`` event naming only the field (the audit trail holds no values).
    """
    unknown = set(edits) - set(MRZ_FIELDS)
    if unknown:
        raise BadReview(f"unknown fields: {', '.join(sorted(unknown))}")
    task = _held_task(session, task_id, actor)
    document = _document(session, task.document_id)
    latest = repo.latest_extraction(session, document.id)
    current = {f.name: f for f in latest.fields} if latest else {}
    changed: list[tuple[str, str | None, str | None]] = []
    fields: list[FieldValue] = []
    for name in MRZ_FIELDS:
        old = current.get(name)
        old_value = old.value if old else None
        new_value = normalise(edits[name]) if name in edits else old_value
        if name in edits:
            validate_field(name, new_value)
        box = tuple(old.box) if old and old.box and len(old.box) == 4 else None
        if new_value != old_value:
            changed.append((name, old_value, new_value))
            fields.append(
                FieldValue(
                    name,
                    new_value,
                    1.0,
                    FieldSource.reviewer,
                    old.page if old else None,
                    cast(tuple[int, int, int, int] | None, box),
                )
            )
        elif old is not None:
            fields.append(
                FieldValue(
                    name,
                    old.value,
                    old.confidence,
                    old.source,
                    old.page,
                    cast(tuple[int, int, int, int] | None, box),
                )
            )
    if not changed:
        raise BadReview("nothing was changed; use Accept instead")
    # visual-zone, form and entity fields are carried into the new version as they were
    fields += [
        FieldValue(
            f.name,
            f.value,
            f.confidence,
            f.source,
            f.page,
            cast(tuple[int, int, int, int] | None, tuple(f.box) if f.box else None),
        )
        for f in (latest.fields if latest else ())
        if f.name not in MRZ_FIELDS
    ]
    extraction = repo.save_extraction(
        session, document, fields, created_by=actor.username, source="reviewer"
    )
    link_person(session, document, fields, actor=actor.username)
    now = utcnow()
    for name, old_value, new_value in changed:
        # The values are personal data: they go to the erasable review history; the
        # append-only audit trail only says which field changed in which version.
        session.add(
            ReviewHistory(
                document_id=document.id,
                task_id=task.id,
                version=extraction.version,
                field=name,
                old_value=old_value,
                new_value=new_value,
                actor=actor.username,
                at=now,
            )
        )
        repo.record_event(
            session,
            entity_type="document",
            entity_id=document.id,
            kind="field_corrected",
            actor=actor.username,
            detail={"field": name, "version": extraction.version, "task_id": task.id},
        )
    _settle(session, document, actor)
    _close(session, task, ReviewState.fixed, actor)
    return task, extraction.version


def corrections(session: Session, document_id: uuid.UUID) -> list[ReviewHistory]:
    """What reviewers changed in a document, oldest first (personal data: erased with it)."""
    query = (
        select(ReviewHistory)
        .where(ReviewHistory.document_id == document_id)
        .order_by(ReviewHistory.id)
    )
    return list(session.scalars(query))


def normalise(value: str | None) -> str | None:
    """A field value as stored: trimmed, upper case (as in the MRZ), None when empty."""
    return (value or "").strip().upper() or None


def reject(session: Session, task_id: int, reason: str, actor: Principal) -> ReviewTask:
    if reason not in REJECT_REASONS:
        raise BadReview(f"unknown reject reason {reason[:40]!r}")
    task = _held_task(session, task_id, actor)
    document = _document(session, task.document_id)
    if document.status is DocumentStatus.done:  # a sampled document: done -> needs_review first
        repo.set_status(
            session, document, DocumentStatus.needs_review, "sample", actor=actor.username
        )
    repo.set_status(
        session, document, DocumentStatus.failed, f"rejected:{reason}", actor=actor.username
    )
    _close(session, task, ReviewState.rejected, actor, reason)
    return task


# ---------------------------------------------------------------------------------- the audit


@dataclass(frozen=True)
class AuditPage:
    events: list[Event]
    total: int


def audit_events(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    kinds: Sequence[str] = (),
    limit: int = 100,
    offset: int = 0,
) -> AuditPage:
    """Events, newest first, filtered on what is given."""
    conditions = []
    if entity_type:
        conditions.append(Event.entity_type == entity_type)
    if entity_id:
        conditions.append(Event.entity_id == entity_id)
    if actor:
        conditions.append(Event.actor == actor)
    if kinds:
        conditions.append(Event.kind.in_(list(kinds)))
    total = session.scalar(select(func.count()).select_from(Event).where(*conditions)) or 0
    query = select(Event).where(*conditions).order_by(Event.id.desc()).limit(limit).offset(offset)
    return AuditPage(list(session.scalars(query)), int(total))


def record_audit_export(session: Session, actor: Principal, count: int) -> None:
    repo.record_event(
        session,
        entity_type="audit",
        entity_id="events",
        kind="exported",
        actor=actor.username,
        detail={"rows": count},
    )
