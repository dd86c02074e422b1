"""The audit trail as supervisors browse it: events filtered and paged, and the export of it
audited in turn. Events hold references and kinds, never personal values (see
:mod:`docproc.db.audit` for the seals that make the trail tamper-evident)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.db import repo
from docproc.db.models import Event

__all__ = ["AuditPage", "audit_events", "record_audit_export"]


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
