"""Retention: how long each kind of data is kept, and the purge that applies it.

Rules per data category, in days since the document was uploaded (``None``: kept until erased):

* ``originals`` (``DOCPROC_RETAIN_ORIGINALS_DAYS``): the uploaded scan goes; the record stays.
* ``derived`` (``DOCPROC_RETAIN_DERIVED_DAYS``): page images, MRZ crops, OCR text go.
* ``records`` (``DOCPROC_RETAIN_RECORDS_DAYS``): the whole document is erased (values, review
  history, task), and a person left with no document and older than the rule is erased too.

Nothing under a legal hold (the document's or its person's) is touched. The purge is idempotent:
a second run finds nothing more to remove. Each removal is recorded like an erasure (a
``purged`` event for originals and artefacts; an ``erased`` tombstone with reason
``retention`` for records), and the run returns counts. The audit trail itself is not purged:
its events hold references, not personal values, and its hash chain must stay whole.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework.erasure import erase_document, erase_person
from docproc.config import Settings
from docproc.db import repo
from docproc.db.models import Document, DocumentStatus, Person, utcnow
from docproc.db.session import session_scope
from docproc.storage import DERIVED_PREFIX, ObjectStore

__all__ = ["PurgeReport", "RetentionRules", "purge", "rules_from_settings"]

_ACTOR = "retention"
_BATCH = 200


@dataclass(frozen=True)
class RetentionRules:
    originals_days: int | None = None
    derived_days: int | None = None
    records_days: int | None = None

    @property
    def empty(self) -> bool:
        return (
            self.originals_days is None
            and self.derived_days is None
            and (self.records_days is None)
        )


@dataclass
class PurgeReport:
    original_files: int = 0
    derived_files: int = 0
    documents: int = 0
    persons: int = 0
    held: int = 0
    skipped: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "original_files": self.original_files,
            "derived_files": self.derived_files,
            "documents": self.documents,
            "persons": self.persons,
            "held": self.held,
        }


def rules_from_settings(settings: Settings) -> RetentionRules:
    return RetentionRules(
        originals_days=settings.retain_originals_days,
        derived_days=settings.retain_derived_days,
        records_days=settings.retain_records_days,
    )


def _cutoff(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


def _not_held() -> Any:
    held_person = exists().where(Person.id == Document.person_id, Person.legal_hold)
    return (~Document.legal_hold) & ~held_person


def _old_documents(session: Session, cutoff: datetime) -> list[uuid.UUID]:
    query = (
        select(Document.id)
        .where(Document.created_at < cutoff, Document.status != DocumentStatus.processing)
        .where(_not_held())
        .order_by(Document.created_at)
    )
    return list(session.scalars(query))


def _held_count(session: Session, cutoff: datetime) -> int:
    query = select(Document.id).where(Document.created_at < cutoff, ~_not_held())
    return len(list(session.scalars(query)))


def _purge_files(
    factory: sessionmaker[Session], store: ObjectStore, cutoff: datetime, kind: str
) -> int:
    removed = 0
    with session_scope(factory) as session:
        documents = [
            (d.id, d.source_key)
            for d in session.scalars(
                select(Document).where(Document.id.in_(_old_documents(session, cutoff)))
            )
        ]
    for document_id, source_key in documents:
        keys = (
            [source_key]
            if kind == "originals"
            else list(store.list(f"{DERIVED_PREFIX}{document_id}/"))
        )
        keys = [k for k in keys if store.exists(k)]
        if not keys:
            continue
        for key in keys:
            store.erase(key)
        removed += len(keys)
        with session_scope(factory) as session:
            repo.record_event(
                session,
                entity_type="document",
                entity_id=document_id,
                kind="purged",
                actor=_ACTOR,
                detail={"category": kind, "files": len(keys)},
            )
    return removed


def purge(
    factory: sessionmaker[Session],
    store: ObjectStore,
    rules: RetentionRules,
    *,
    now: datetime | None = None,
) -> PurgeReport:
    """Apply ``rules`` to everything not under a legal hold; return what was removed."""
    now = now or utcnow()
    report = PurgeReport()
    if rules.empty:
        return report
    longest = min(
        d for d in (rules.originals_days, rules.derived_days, rules.records_days) if d is not None
    )
    with session_scope(factory) as session:
        report.held = _held_count(session, now - timedelta(days=longest))
    records_cutoff = _cutoff(now, rules.records_days)
    if records_cutoff is not None:
        with session_scope(factory) as session:
            doomed = _old_documents(session, records_cutoff)
        for document_id in doomed:
            with session_scope(factory) as session:
                erased = erase_document(
                    session, store, document_id, actor=_ACTOR, reason="retention"
                )
            report.documents += erased.counts.get("documents", 0)
            report.original_files += erased.counts.get("original_files", 0)
            report.derived_files += erased.counts.get("derived_files", 0)
        with session_scope(factory) as session:
            orphans = list(
                session.scalars(
                    select(Person.id).where(
                        Person.created_at < records_cutoff,
                        ~Person.legal_hold,
                        Person.merged_into_id.is_(None),  # merged ones go with their survivor
                        ~exists().where(Document.person_id == Person.id),
                    )
                )
            )
        for person_id in orphans:
            with session_scope(factory) as session:
                if session.get(Person, person_id) is None:
                    continue  # went with a survivor erased just before
                erased = erase_person(session, store, person_id, actor=_ACTOR, reason="retention")
            report.persons += erased.counts.get("persons", 0)
    for kind, days in (("originals", rules.originals_days), ("derived", rules.derived_days)):
        cutoff = _cutoff(now, days)
        if cutoff is None:
            continue
        removed = _purge_files(factory, store, cutoff, kind)
        if kind == "originals":
            report.original_files += removed
        else:
            report.derived_files += removed
    return report
