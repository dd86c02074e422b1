"""The audit trail's hash chain: seal events in id order, verify that none was changed,
removed, inserted or reordered.

Each event gets a seal (``event_seals``): SHA-256 over the previous seal's hash and the event's
canonical form. Sealing runs after the events are committed (``docproc audit seal``, the beat
worker), not in the writers' transactions, so writers never queue on one lock. Only events older
than ``settle`` are sealed: on PostgreSQL ids are handed out before commit, and an event
committed late with a lower id must not look like a forged insertion.

What it proves and what not (docs/security.md): anyone who edits, deletes or inserts an event
below the sealed head without also recomputing every later seal is caught. Someone who can write
the database can recompute the chain; keep the head hash ``seal`` prints somewhere they cannot
write (a log shipped off the machine, a ticket) and give it to ``verify --head``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docproc.db.models import Event, EventSeal, utcnow

__all__ = ["GENESIS", "AuditReport", "SealReport", "event_digest", "seal_events", "verify_events"]

GENESIS = "0" * 64
_MAX_PROBLEMS = 100


def event_digest(previous: str, event: Event) -> str:
    """The seal of ``event`` after a seal ``previous``: stable on SQLite and PostgreSQL."""
    canonical = json.dumps(
        [
            event.id,
            event.entity_type,
            event.entity_id,
            event.kind,
            event.old,
            event.new,
            event.actor,
            event.at.isoformat(),
            event.detail,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class SealReport:
    sealed: int
    head_event_id: int | None
    head: str

    def to_json(self) -> dict[str, Any]:
        return {"sealed": self.sealed, "head_event_id": self.head_event_id, "head": self.head}


def _head(session: Session) -> tuple[int | None, str]:
    row = session.execute(
        select(EventSeal.event_id, EventSeal.hash).order_by(EventSeal.event_id.desc()).limit(1)
    ).one_or_none()
    return (None, GENESIS) if row is None else (int(row[0]), str(row[1]))


def seal_events(
    session: Session, *, settle: timedelta = timedelta(seconds=60), limit: int = 50_000
) -> SealReport:
    """Seal events older than ``settle`` that follow the sealed head, in id order."""
    head_id, head = _head(session)
    query = select(Event).where(Event.at <= utcnow() - settle).order_by(Event.id).limit(limit)
    if head_id is not None:
        query = query.where(Event.id > head_id)
    sealed = 0
    now = utcnow()
    for event in session.scalars(query):
        head = event_digest(head, event)
        head_id = event.id
        session.add(EventSeal(event_id=event.id, hash=head, sealed_at=now))
        sealed += 1
    session.flush()
    return SealReport(sealed, head_id, head)


@dataclass
class AuditReport:
    """What ``verify`` found: ``ok`` when every sealed event is intact and in place."""

    events: int = 0
    sealed: int = 0
    unsealed_tail: int = 0
    head_event_id: int | None = None
    head: str = GENESIS
    problems: list[dict[str, Any]] = field(default_factory=list)
    head_matches: bool | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.head_matches is not False

    def problem(self, event_id: int, kind: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append({"event_id": event_id, "problem": kind})

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "sealed": self.sealed,
            "unsealed_tail": self.unsealed_tail,
            "head_event_id": self.head_event_id,
            "head": self.head,
            "head_matches": self.head_matches,
            "problems": self.problems,
        }


def verify_events(session: Session, *, head: str | None = None) -> AuditReport:
    """Check every event against its seal and every seal against the one before it.

    ``changed``: an event (or its seal) differs from what was sealed; ``removed``: a sealed event
    is gone; ``inserted``: an event without a seal below the sealed head. Events after the head
    are only counted (``unsealed_tail``). With ``head``, the newest seal must equal it.
    """
    seals = [
        (int(i), str(h))
        for i, h in session.execute(
            select(EventSeal.event_id, EventSeal.hash).order_by(EventSeal.event_id)
        )
    ]
    report = AuditReport(sealed=len(seals))
    previous: dict[int, str] = {}
    stored: dict[int, str] = {}
    last = GENESIS
    for event_id, digest in seals:
        previous[event_id], stored[event_id] = last, digest
        last = digest
    report.head_event_id = seals[-1][0] if seals else None
    report.head = last
    if head is not None:
        report.head_matches = head == last
    seen: set[int] = set()
    total = session.scalar(select(func.count()).select_from(Event)) or 0
    report.events = int(total)
    for event in session.scalars(
        select(Event).order_by(Event.id).execution_options(yield_per=2000)
    ):
        seen.add(event.id)
        if event.id not in stored:
            if report.head_event_id is not None and event.id < report.head_event_id:
                report.problem(event.id, "inserted")
            else:
                report.unsealed_tail += 1
            continue
        if event_digest(previous[event.id], event) != stored[event.id]:
            report.problem(event.id, "changed")
    for event_id, _ in seals:
        if event_id not in seen:
            report.problem(event_id, "removed")
    report.problems.sort(key=lambda p: int(p["event_id"]))
    return report
