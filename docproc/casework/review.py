"""The service layer of the desk and review app: records and the review queue with its claims.

A reviewer's decisions on a task (accept, fix, reject, undo) are in
:mod:`docproc.casework.decisions`; the audit trail's pages in :mod:`docproc.casework.audit_log`.

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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, case, func, or_, select, update
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.casework.sites import site_filter
from docproc.config import get_settings
from docproc.db import repo
from docproc.db.models import (
    Document,
    DocumentStatus,
    Extraction,
    FieldSource,
    ReviewState,
    ReviewTask,
    Role,
    User,
    UserSite,
    utcnow,
)
from docproc.errors import DocprocError, ExitCode

__all__ = [
    "DECIDED_STATES",
    "BadReassign",
    "DocumentRecord",
    "NotFound",
    "QueueItem",
    "TaskClosed",
    "TaskTaken",
    "claim",
    "claim_cutoff",
    "document_of",
    "document_record",
    "get_task",
    "held_task",
    "is_sampled",
    "open_task_for",
    "queue",
    "queue_depth",
    "queue_reasons",
    "reassign",
    "release",
    "reviewers",
    "sync_queue",
    "take_next",
]

NEEDS_REVIEW_PRIORITY = 1
SAMPLE_PRIORITY = 5
_SAMPLE_WINDOW = timedelta(days=2)
_ACTIVE = (ReviewState.open, ReviewState.claimed)
DECIDED_STATES = (ReviewState.accepted, ReviewState.fixed, ReviewState.rejected)


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


class BadReassign(DocprocError):
    reason = "bad_reassign"
    fix = "Reassign an open or claimed task to an active reviewer who may see its document."
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


def document_of(
    session: Session, document_id: uuid.UUID, actor: Principal | None = None
) -> Document:
    """The document, if it exists and is within ``actor``'s sites (need-to-know)."""
    document = repo.get_document(session, document_id)
    if document is None or (actor is not None and not actor.sees_site(document.site_id)):
        raise NotFound(f"no document {document_id}")
    return document


def document_status(
    session: Session, document_id: uuid.UUID, actor: Principal | None = None
) -> Document:
    """The document row only (status, no personal data): not an audited read."""
    return document_of(session, document_id, actor)


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
    document = document_of(session, document_id, actor)
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
    document = document_of(session, document_id, actor)
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
    task = held_task(session, task_id, actor)
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
    document = document_of(session, task.document_id)
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


def held_task(session: Session, task_id: int, actor: Principal) -> ReviewTask:
    """The task ``actor`` holds the claim on, or :class:`TaskTaken` / :class:`TaskClosed`."""
    task = get_task(session, task_id, actor)
    if task.state is not ReviewState.claimed:
        if task.state is ReviewState.open:
            raise TaskTaken(f"claim review task {task_id} first")
        raise TaskClosed(f"review task {task_id} is {task.state.value}")
    if task.claimed_by != actor.username:
        raise TaskTaken(f"review task {task_id} is claimed by another reviewer")
    return task
