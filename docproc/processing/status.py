"""What the pipeline is doing, for operators: counts, stuck claims, failures by class, and the
command that fixes each (``docproc status``, ``GET /api/pipeline/status``, ``docproc doctor``);
and taking failed documents back (``docproc requeue``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from docproc.config import Settings, get_settings
from docproc.db import repo
from docproc.db.models import DocumentStatus, utcnow
from docproc.db.session import session_scope
from docproc.errors import SYSTEM_REASONS, FailureClass, failure_class
from docproc.processing.claims import owner_gone
from docproc.processing.submit import Dispatch

__all__ = ["StatusReport", "StuckClaim", "requeue", "status_report"]


@dataclass(frozen=True)
class StuckClaim:
    """A ``processing`` document whose claim has ended (its owner is gone) but not been taken
    back yet, or that has been processing for longer than the task time limit."""

    document_id: uuid.UUID
    owner: str | None
    age_seconds: float
    why: str  # worker_lost | lease_expired | over_time_limit


@dataclass(frozen=True)
class FailedGroup:
    reason: str
    failure_class: FailureClass
    count: int
    fix: str  # the command that takes them back (or what to do)


@dataclass(frozen=True)
class StatusReport:
    counts: dict[str, int]
    reasons: list[tuple[str, str | None, int]]
    stuck: list[StuckClaim] = field(default_factory=list)
    failed: list[FailedGroup] = field(default_factory=list)

    @property
    def transient_failed(self) -> int:
        return sum(g.count for g in self.failed if g.failure_class is FailureClass.transient)

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "reasons": [
                {"status": status, "reason": reason, "count": count}
                for status, reason, count in self.reasons
            ],
            "stuck": [
                {
                    "document_id": str(s.document_id),
                    "owner": s.owner,
                    "age_seconds": round(s.age_seconds, 1),
                    "why": s.why,
                    "fix": "docproc sweep",
                }
                for s in self.stuck
            ],
            "failed": [
                {
                    "reason": g.reason,
                    "class": g.failure_class.value,
                    "count": g.count,
                    "fix": g.fix,
                }
                for g in self.failed
            ],
        }


def _fix_for(reason: str, cls: FailureClass) -> str:
    if cls is FailureClass.permanent:
        return (
            "the file is at fault: replace it, or "
            f"docproc requeue --reason {reason} --include-permanent"
        )
    if reason in SYSTEM_REASONS:
        return f"fix the service (docproc doctor), then docproc requeue --reason {reason}"
    return f"docproc requeue --reason {reason}"


def status_report(
    session_factory: sessionmaker[Session], settings: Settings | None = None
) -> StatusReport:
    """Counts by status and reason, stuck claims (age, owner), failures by class with fixes."""
    settings = settings or get_settings()
    now = utcnow()
    with session_scope(session_factory) as session:
        rows = repo.status_counts(session)
        processing = repo.documents_by_status(session, DocumentStatus.processing, limit=1000)
        stuck: list[StuckClaim] = []
        for document in processing:
            claimed_at = document.claimed_at or document.updated_at
            age = (now - claimed_at).total_seconds()
            why = repo.claim_ended(
                document.claimed_by,
                document.claimed_at,
                document.lease_until,
                now=now,
                stale_after=timedelta(seconds=settings.claim_stale_after),
            )
            if why is None and document.claimed_by and owner_gone(document.claimed_by):
                why = "worker_lost"
            if why is None and age > settings.task_time_limit:
                why = "over_time_limit"
            if why is not None:
                stuck.append(StuckClaim(document.id, document.claimed_by, age, why))
    counts = {status.value: 0 for status in DocumentStatus}
    failed: dict[str, int] = {}
    for status, reason, count in rows:
        counts[status.value] += count
        if status is DocumentStatus.failed:
            failed[reason or "unknown"] = failed.get(reason or "unknown", 0) + count
    groups = [
        FailedGroup(reason, failure_class(reason), count, _fix_for(reason, failure_class(reason)))
        for reason, count in sorted(failed.items(), key=lambda item: -item[1])
    ]
    reasons = [(status.value, reason, count) for status, reason, count in rows]
    return StatusReport(counts, reasons, stuck, groups)


def requeue(
    session_factory: sessionmaker[Session],
    dispatch: Dispatch | None,
    *,
    reasons: Iterable[str] | None = None,
    batch_id: uuid.UUID | None = None,
    older_than: timedelta | None = None,
    document_ids: Iterable[uuid.UUID] | None = None,
    include_permanent: bool = False,
    actor: str = "requeue",
) -> list[uuid.UUID]:
    """Put failed documents back to ``queued`` (transient failures only, unless
    ``include_permanent``) and, with ``dispatch``, send them to the workers."""
    failed_before: datetime | None = utcnow() - older_than if older_than is not None else None

    def accept(reason: str | None) -> bool:
        return include_permanent or failure_class(reason) is FailureClass.transient

    with session_scope(session_factory) as session:
        ids = repo.requeue_failed(
            session,
            actor=actor,
            accept=accept,
            reasons=reasons,
            batch_id=batch_id,
            failed_before=failed_before,
            document_ids=document_ids,
        )
    if dispatch is not None:
        for document_id in ids:
            dispatch(document_id)
    return ids
