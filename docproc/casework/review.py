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
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.casework.people import PersonLink, link_person
from docproc.casework.sites import site_filter
from docproc.casework.validation import validate_field
from docproc.config import get_settings
from docproc.db import repo
from docproc.db.models import (
    MRZ_FIELDS,
    CasePerson,
    Document,
    DocumentStatus,
    Event,
    Extraction,
    FieldSource,
    Person,
    PersonMatch,
    ReviewHistory,
    ReviewState,
    ReviewTask,
    Role,
    User,
    UserSite,
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
    "reassign",
    "reject",
    "release",
    "relink_person",
    "reviewers",
    "sync_queue",
    "take_next",
    "undo",
    "undoable",
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
_DECIDED = (ReviewState.accepted, ReviewState.fixed, ReviewState.rejected)
#: Fields whose correction may make the document another person's: the person is re-linked.
IDENTITY_FIELDS = frozenset(
    {"surname", "given_names", "birth_date", "document_number", "issuing_country", "nationality"}
)


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


class CannotUndo(DocprocError):
    reason = "cannot_undo"
    fix = (
        "Only your own last decision can be undone, within the claim timeout and before anything "
        "else changed the record; open the task from the queue instead."
    )
    http_status = 409
    exit_code = ExitCode.bad_arguments


class BadReassign(DocprocError):
    reason = "bad_reassign"
    fix = "Reassign an open or claimed task to an active reviewer who may see its document."
    http_status = 422
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
    page: int | None = None
    box: tuple[int, int, int, int] | None = None
    sentence: str | None = None  # an entity's sentence, as stored


def _view(field: Any) -> FieldView:
    box = field.box
    return FieldView(
        field.name,
        field.value,
        field.confidence,
        field.source.value,
        field.page,
        cast(tuple[int, int, int, int], tuple(box)) if box and len(box) == 4 else None,
        field.sentence,
    )


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
    expired: bool = False  # a claim that timed out: open to others again
    waiting_since: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "document_id": self.document_id,
            "reasons": self.reasons.split(",") if self.reasons else [],
            "sampled": self.sampled,
            "priority": self.priority,
            "state": self.state,
            "claimed_by": self.claimed_by,
            "claim_expired": self.expired,
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
    fields = tuple(_view(f) for f in extraction.fields) if extraction else ()
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


def machine_fields(session: Session, document_id: uuid.UUID) -> tuple[FieldView, ...]:
    """The newest machine reading's fields (before any reviewer's correction): what the MRZ
    itself read. Part of a read :func:`document_record` already audited."""
    query = (
        select(Extraction)
        .where(Extraction.document_id == document_id, Extraction.source != "reviewer")
        .order_by(Extraction.version.desc())
        .limit(1)
    )
    extraction = session.scalars(query).one_or_none()
    return tuple(_view(f) for f in extraction.fields) if extraction else ()


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
    timeout: float | None = None,
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
    cutoff = claim_cutoff(timeout)
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
                expired=_expired(task, cutoff),
                waiting_since=task.created_at,
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


def claim_cutoff(timeout: float | None = None) -> datetime:
    """Claims made before this moment have timed out (``DOCPROC_REVIEW_CLAIM_TIMEOUT``)."""
    seconds = get_settings().review_claim_timeout if timeout is None else timeout
    return utcnow() - timedelta(seconds=seconds)


def _expired(task: ReviewTask, cutoff: datetime) -> bool:
    return (
        task.state is ReviewState.claimed
        and task.claimed_at is not None
        and task.claimed_at < cutoff
    )


def claim(
    session: Session, task_id: int, actor: Principal, *, timeout: float | None = None
) -> ReviewTask:
    """Take a task (or renew one's own claim); of two reviewers claiming at once exactly one wins
    (compare-and-set). A claim older than ``timeout`` seconds may be taken by anyone."""
    before = get_task(session, task_id, actor)  # need-to-know first
    previous, was = before.claimed_by, before.state
    now = utcnow()
    result = session.execute(
        update(ReviewTask)
        .where(
            ReviewTask.id == task_id,
            or_(
                ReviewTask.state == ReviewState.open,
                (ReviewTask.state == ReviewState.claimed)
                & (
                    (ReviewTask.claimed_by == actor.username)
                    | (ReviewTask.claimed_at < claim_cutoff(timeout))
                ),
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
    if was is ReviewState.claimed and previous == actor.username:
        return task  # a renewal: no event (the page renews while the reviewer works)
    detail: dict[str, Any] = {"document_id": str(task.document_id)}
    if was is ReviewState.claimed:
        detail["expired_claim_of"] = previous
    repo.record_event(
        session,
        entity_type="review_task",
        entity_id=task_id,
        kind="claimed",
        actor=actor.username,
        old=was.value,
        new=ReviewState.claimed.value,
        detail=detail,
    )
    return task


def release(session: Session, task_id: int, actor: Principal) -> ReviewTask:
    """Give a claimed task back to the queue (open for anyone)."""
    task = _held_task(session, task_id, actor)
    task.state, task.claimed_by, task.claimed_at = ReviewState.open, None, None
    repo.record_event(
        session,
        entity_type="review_task",
        entity_id=task_id,
        kind="released",
        actor=actor.username,
        old=ReviewState.claimed.value,
        new=ReviewState.open.value,
        detail={"document_id": str(task.document_id)},
    )
    return task


def reviewers(session: Session) -> list[str]:
    """Active users who may review, by name (whom a supervisor may reassign a task to)."""
    query = select(User.username, User.role).where(User.active.is_(True)).order_by(User.username)
    return [name for name, role in session.execute(query) if role.at_least(Role.reviewer)]


def _may_see(session: Session, user: User, site_id: uuid.UUID | None) -> bool:
    if user.role.at_least(Role.supervisor):
        return True
    sites = set(session.scalars(select(UserSite.site_id).where(UserSite.user_id == user.id)))
    return site_id in sites if site_id is not None else not sites


def reassign(session: Session, task_id: int, to: str, actor: Principal) -> ReviewTask:
    """A supervisor hands an open or claimed task to another reviewer (audited)."""
    if not actor.may(Role.supervisor):
        raise BadReassign("only a supervisor may reassign a review task")
    task = get_task(session, task_id, actor)
    if task.state not in _ACTIVE:
        raise TaskClosed(f"review task {task_id} is {task.state.value}")
    user = session.scalars(select(User).where(User.username == to)).one_or_none()
    document = _document(session, task.document_id)
    if (
        user is None
        or not user.active
        or not user.role.at_least(Role.reviewer)
        or not _may_see(session, user, document.site_id)
    ):
        raise BadReassign(f"{to[:64]!r} is not an active reviewer of this document's site")
    previous = task.claimed_by
    task.state, task.claimed_by, task.claimed_at = ReviewState.claimed, user.username, utcnow()
    repo.record_event(
        session,
        entity_type="review_task",
        entity_id=task_id,
        kind="reassigned",
        actor=actor.username,
        old=previous,
        new=user.username,
        detail={"document_id": str(task.document_id)},
    )
    return task


def take_next(
    session: Session, actor: Principal, *, timeout: float | None = None
) -> ReviewTask | None:
    """Claim the next task of the queue for ``actor`` (their own claims first, then open or
    timed-out ones, by priority then age); None when there is nothing left."""
    cutoff = claim_cutoff(timeout)
    query = (
        select(ReviewTask)
        .join(Document, Document.id == ReviewTask.document_id)
        .where(
            or_(
                ReviewTask.state == ReviewState.open,
                (ReviewTask.state == ReviewState.claimed)
                & ((ReviewTask.claimed_by == actor.username) | (ReviewTask.claimed_at < cutoff)),
            )
        )
        .order_by(
            case((ReviewTask.claimed_by == actor.username, 0), else_=1),  # NULL-safe on both
            ReviewTask.priority,
            ReviewTask.created_at,
            ReviewTask.id,
        )
        .limit(20)
    )
    scope = site_filter(actor, Document.site_id)
    if scope is not None:
        query = query.where(scope)
    for task_id in [t.id for t in session.scalars(query)]:
        try:
            with session.begin_nested():
                return claim(session, task_id, actor, timeout=timeout)
        except (TaskTaken, TaskClosed):
            continue  # another reviewer was quicker
    return None


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
    **detail: Any,
) -> None:
    """Close the task; its event keeps what an undo needs (statuses and versions, no values)."""
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
        detail={"document_id": str(task.document_id), "reason": reason, **detail},
    )


def _status_of(document: Document) -> dict[str, Any]:
    return {"status_before": document.status.value, "status_reason_before": document.status_reason}


def _settle(session: Session, document: Document, actor: Principal) -> None:
    if document.status is DocumentStatus.needs_review:
        repo.set_status(session, document, DocumentStatus.done, "reviewed", actor=actor.username)


def accept(session: Session, task_id: int, actor: Principal) -> ReviewTask:
    task = _held_task(session, task_id, actor)
    document = _document(session, task.document_id)
    before = _status_of(document)
    _settle(session, document, actor)
    _close(session, task, ReviewState.accepted, actor, **before)
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
    before = _status_of(document)
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
            f.sentence,
        )
        for f in (latest.fields if latest else ())
        if f.name not in MRZ_FIELDS
    ]
    extraction = repo.save_extraction(
        session, document, fields, created_by=actor.username, source="reviewer"
    )
    person_before = str(document.person_id) if document.person_id else None
    if {name for name, _, _ in changed} & IDENTITY_FIELDS:
        relink_person(session, document, fields, actor=actor.username)
    else:
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
    _close(
        session,
        task,
        ReviewState.fixed,
        actor,
        version=extraction.version,
        person_before=person_before,
        **before,
    )
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
    before = _status_of(document)
    if document.status is DocumentStatus.done:  # a sampled document: done -> needs_review first
        repo.set_status(
            session, document, DocumentStatus.needs_review, "sample", actor=actor.username
        )
    repo.set_status(
        session, document, DocumentStatus.failed, f"rejected:{reason}", actor=actor.username
    )
    _close(session, task, ReviewState.rejected, actor, reason, **before)
    return task


# ----------------------------------------------------------------------- re-linking and undo


def _remove_if_orphan(
    session: Session, person_id: uuid.UUID, document: Document, actor: str
) -> bool:
    """Remove the person a misread made, when nothing else is left on it: no other document, no
    case, no person merged into it, no legal hold. Its match proposals go with it (they compared
    a name or a date that was never there). Return whether it was removed."""
    person = session.get(Person, person_id)
    if person is None or person.legal_hold or person.merged_into_id is not None:
        return False
    others = (
        select(func.count())
        .select_from(Document)
        .where(Document.person_id == person_id, Document.id != document.id)
    )
    cases = select(func.count()).select_from(CasePerson).where(CasePerson.person_id == person_id)
    merged = select(func.count()).select_from(Person).where(Person.merged_into_id == person_id)
    if any(session.scalar(q) for q in (others, cases, merged)):
        return False
    session.execute(
        delete(PersonMatch).where(
            or_(PersonMatch.person_a_id == person_id, PersonMatch.person_b_id == person_id)
        )
    )
    session.delete(person)
    session.flush()
    repo.record_event(
        session,
        entity_type="person",
        entity_id=person_id,
        kind="removed",
        actor=actor,
        detail={"reason": "misread_corrected", "document_id": str(document.id)},
    )
    return True


def relink_person(
    session: Session, document: Document, fields: Sequence[FieldValue], *, actor: str
) -> PersonLink:
    """After a correction of a name, date of birth or document number: the document leaves the
    person made from the misread value and matching runs again on what the reviewer confirmed.

    The person left behind is removed when it has nothing else (it only ever existed because of
    the misreading); a person with other documents or cases is kept, and the matcher proposes it
    as a duplicate of the document's new person when their names and dates of birth are alike.
    """
    old = document.person_id
    if old is not None:
        document.person_id = None
        session.flush()
        repo.record_event(
            session,
            entity_type="document",
            entity_id=document.id,
            kind="person_unlinked",
            actor=actor,
            old=str(old),
            detail={"reason": "identity_corrected"},
        )
        _remove_if_orphan(session, old, document, actor)
    return link_person(session, document, fields, actor=actor)


def _decision(session: Session, task: ReviewTask) -> Event | None:
    query = (
        select(Event)
        .where(
            Event.entity_type == "review_task",
            Event.entity_id == str(task.id),
            Event.kind.in_([s.value for s in _DECIDED]),
        )
        .order_by(Event.id.desc())
        .limit(1)
    )
    return session.scalars(query).one_or_none()


def undoable(
    session: Session, task_id: int, actor: Principal, *, timeout: float | None = None
) -> Event | None:
    """The decision event of ``task_id`` when ``actor`` may still undo it: their own, within the
    claim timeout, and nothing changed the record since. None otherwise."""
    try:
        task = get_task(session, task_id, actor)
    except NotFound:
        return None
    if task.state not in _DECIDED or task.resolved_at is None:
        return None
    event = _decision(session, task)
    if event is None or event.actor != actor.username or task.resolved_at < claim_cutoff(timeout):
        return None
    detail = event.detail or {}
    if "status_before" not in detail:
        return None  # decided before undo was possible
    version = detail.get("version")
    latest = repo.latest_extraction(session, task.document_id)
    if version is not None and (latest is None or latest.version != version):
        return None
    return event


def undo(
    session: Session, task_id: int, actor: Principal, *, timeout: float | None = None
) -> ReviewTask:
    """Take back ``actor``'s last decision on a task: the task is claimed by them again, a fix's
    version is removed (and the person re-linked on the values before it), the document's status
    is what it was. Audited as ``undone``."""
    event = undoable(session, task_id, actor, timeout=timeout)
    if event is None:
        raise CannotUndo(f"the decision on review task {task_id} cannot be undone")
    task = get_task(session, task_id, actor)
    document = _document(session, task.document_id)
    detail = event.detail or {}
    version = detail.get("version")
    if version is not None:
        extraction = session.scalars(
            select(Extraction).where(
                Extraction.document_id == document.id, Extraction.version == version
            )
        ).one()
        session.execute(
            delete(ReviewHistory).where(
                ReviewHistory.document_id == document.id, ReviewHistory.version == version
            )
        )
        session.delete(extraction)
        session.flush()
        restored = repo.latest_extraction(session, document.id)
        if detail.get("person_before") != (str(document.person_id) if document.person_id else None):
            values = [
                FieldValue(f.name, f.value, f.confidence, f.source, f.page, None)
                for f in (restored.fields if restored else ())
            ]
            relink_person(session, document, values, actor=actor.username)
        repo.record_event(
            session,
            entity_type="document",
            entity_id=document.id,
            kind="correction_undone",
            actor=actor.username,
            old=str(version),
            new=str(restored.version) if restored else None,
            detail={"task_id": task.id},
        )
    status = DocumentStatus(detail["status_before"])
    if document.status is not status:
        if document.status is DocumentStatus.failed and status is DocumentStatus.done:
            repo.set_status(
                session, document, DocumentStatus.needs_review, "sample", actor=actor.username
            )
        repo.set_status(
            session, document, status, detail.get("status_reason_before"), actor=actor.username
        )
    decided = task.state
    task.state, task.claimed_by, task.claimed_at = ReviewState.claimed, actor.username, utcnow()
    task.resolution_reason, task.resolved_at = None, None
    repo.record_event(
        session,
        entity_type="review_task",
        entity_id=task.id,
        kind="undone",
        actor=actor.username,
        old=decided.value,
        new=ReviewState.claimed.value,
        detail={"document_id": str(task.document_id), "version": version},
    )
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
