"""Erasure: remove a person's or a document's data from the store and the case database.

What goes (docs/security.md): the scans (originals, also under an inbox key they came in by),
every derived artefact (page images, MRZ crops and readings, OCR text), every extraction and its
field values, the review task and the review history (old and new values of fixes), duplicate
proposals and case memberships, and the person rows (with persons merged into them). What stays:
the audit trail, which holds references and no personal values, plus one tombstone event saying
who erased what kinds of data and how many, when and why (a reason code and an optional
reference such as a request number; never a name).

A legal hold on the person or any of the documents refuses the erasure. A document being read
(``processing``) refuses it too, since the worker would write artefacts after it.

The store is emptied first, then the rows are deleted in the caller's transaction: if anything
fails half way the erasure can simply be run again. After the commit the face calls
:func:`docproc.db.session.scrub_after_erasure` so the database file keeps no deleted bytes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from docproc.casework.review import NotFound
from docproc.db import repo
from docproc.db.models import (
    CasePerson,
    Document,
    DocumentStatus,
    Extraction,
    ExtractionField,
    Person,
    PersonMatch,
    PersonNameWord,
    ReviewHistory,
    ReviewTask,
)
from docproc.errors import DocprocError, ExitCode
from docproc.storage import DERIVED_PREFIX, ObjectStore, original_key

__all__ = [
    "ERASURE_REASONS",
    "BadErasure",
    "ErasureBusy",
    "ErasureReport",
    "LegalHold",
    "erase_document",
    "erase_person",
    "set_legal_hold",
]

#: Why data is erased: a reason code, never free text (which could name the person).
ERASURE_REASONS = ("data_subject_request", "retention", "legal_order", "wrong_upload", "other")
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")


class LegalHold(DocprocError):
    reason = "legal_hold"
    fix = (
        "A legal hold is set on this person or document; an admin must clear it "
        "(`docproc hold clear ...`) before the data can be erased or purged."
    )
    http_status = 409
    exit_code = ExitCode.bad_arguments


class ErasureBusy(DocprocError):
    reason = "erasure_busy"
    fix = "A document of this person is being read right now; erase again when it has finished."
    http_status = 409
    exit_code = ExitCode.service_unavailable
    retryable = True


class BadErasure(DocprocError):
    reason = "bad_erasure"
    fix = (
        f"Give a reason code ({', '.join(ERASURE_REASONS)}) and, optionally, a reference of "
        "up to 64 letters, digits or . _ : / - (a request number, never a name)."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments


@dataclass
class ErasureReport:
    """What one erasure removed: counts per kind of data, no values."""

    subject: str  # "person" or "document"
    subject_id: str
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "id": self.subject_id, "erased": dict(self.counts)}


def _check_reason(reason: str, reference: str | None) -> None:
    if reason not in ERASURE_REASONS:
        raise BadErasure(f"unknown erasure reason {reason[:40]!r}")
    if reference is not None and not _REFERENCE.match(reference):
        raise BadErasure("the reference must be 1-64 letters, digits or . _ : / -")


def _persons_merged_into(session: Session, person_id: uuid.UUID) -> list[uuid.UUID]:
    """The person and everyone merged into them (at any depth): the same human being."""
    found = [person_id]
    frontier = [person_id]
    while frontier:
        merged = list(session.scalars(select(Person.id).where(Person.merged_into_id.in_(frontier))))
        merged = [m for m in merged if m not in found]
        found += merged
        frontier = merged
    return found


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _check_documents(documents: Iterable[Document]) -> None:
    for document in documents:
        if document.legal_hold:
            raise LegalHold(f"document {document.id} is under a legal hold")
        if document.status is DocumentStatus.processing:
            raise ErasureBusy(f"document {document.id} is being read")


def _erase_objects(store: ObjectStore, documents: Iterable[Document]) -> dict[str, int]:
    originals = derived = 0
    for document in documents:
        keys = {document.source_key, original_key(document.sha256)}
        for key in sorted(keys):
            if store.exists(key):
                originals += 1
            store.erase(key)
        for key in list(store.list(f"{DERIVED_PREFIX}{document.id}/")):
            store.erase(key)
            derived += 1
    return {"original_files": originals, "derived_files": derived}


def _erase_document_rows(session: Session, ids: list[uuid.UUID]) -> dict[str, int]:
    if not ids:
        return {"documents": 0, "extractions": 0, "field_values": 0, "review_changes": 0}
    extractions = select(Extraction.id).where(Extraction.document_id.in_(ids))
    counts = {
        "field_values": _rowcount(
            session.execute(
                delete(ExtractionField).where(ExtractionField.extraction_id.in_(extractions))
            )
        ),
        "extractions": _rowcount(
            session.execute(delete(Extraction).where(Extraction.document_id.in_(ids)))
        ),
        "review_changes": _rowcount(
            session.execute(delete(ReviewHistory).where(ReviewHistory.document_id.in_(ids)))
        ),
        "review_tasks": _rowcount(
            session.execute(delete(ReviewTask).where(ReviewTask.document_id.in_(ids)))
        ),
    }
    session.execute(
        update(PersonMatch).where(PersonMatch.document_id.in_(ids)).values(document_id=None)
    )
    counts["documents"] = _rowcount(session.execute(delete(Document).where(Document.id.in_(ids))))
    return counts


def _tombstone(
    session: Session,
    report: ErasureReport,
    *,
    actor: str,
    reason: str,
    reference: str | None,
    documents: list[uuid.UUID],
) -> None:
    repo.record_event(
        session,
        entity_type=report.subject,
        entity_id=report.subject_id,
        kind="erased",
        actor=actor,
        detail={
            "reason": reason,
            "reference": reference,
            "kinds": sorted(k for k, v in report.counts.items() if v),
            "counts": report.counts,
            "documents": [str(d) for d in documents],
        },
    )


def erase_person(
    session: Session,
    store: ObjectStore,
    person_id: uuid.UUID,
    *,
    actor: str,
    reason: str,
    reference: str | None = None,
) -> ErasureReport:
    """Erase a person (with everyone merged into them) and all their documents' data."""
    _check_reason(reason, reference)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    persons = _persons_merged_into(session, person_id)
    held = session.scalars(select(Person.id).where(Person.id.in_(persons), Person.legal_hold))
    if held.first() is not None:
        raise LegalHold(f"person {person_id} is under a legal hold")
    documents = list(
        session.scalars(
            select(Document).where(Document.person_id.in_(persons)).order_by(Document.id)
        )
    )
    _check_documents(documents)
    report = ErasureReport("person", str(person_id))
    report.counts.update(_erase_objects(store, documents))
    document_ids = [d.id for d in documents]
    session.expunge_all()
    report.counts.update(_erase_document_rows(session, document_ids))
    report.counts["duplicate_proposals"] = _rowcount(
        session.execute(
            delete(PersonMatch).where(
                or_(PersonMatch.person_a_id.in_(persons), PersonMatch.person_b_id.in_(persons))
            )
        )
    )
    report.counts["case_memberships"] = _rowcount(
        session.execute(delete(CasePerson).where(CasePerson.person_id.in_(persons)))
    )
    # The blind indexes of their name words (the foreign key would cascade; said here too).
    session.execute(delete(PersonNameWord).where(PersonNameWord.person_id.in_(persons)))
    report.counts["persons"] = _rowcount(
        session.execute(delete(Person).where(Person.id.in_(persons)))
    )
    _tombstone(
        session, report, actor=actor, reason=reason, reference=reference, documents=document_ids
    )
    return report


def erase_document(
    session: Session,
    store: ObjectStore,
    document_id: uuid.UUID,
    *,
    actor: str,
    reason: str,
    reference: str | None = None,
) -> ErasureReport:
    """Erase one document: its scan, artefacts, readings, review task and history.

    The person it was linked to stays (with what other documents say); erase the person to
    remove them too.
    """
    _check_reason(reason, reference)
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"no document {document_id}")
    if document.person_id is not None:
        person = session.get(Person, document.person_id)
        if person is not None and person.legal_hold:
            raise LegalHold(f"the person of document {document_id} is under a legal hold")
    _check_documents([document])
    report = ErasureReport("document", str(document_id))
    report.counts.update(_erase_objects(store, [document]))
    session.expunge_all()
    report.counts.update(_erase_document_rows(session, [document_id]))
    _tombstone(
        session, report, actor=actor, reason=reason, reference=reference, documents=[document_id]
    )
    return report


def set_legal_hold(
    session: Session, subject: str, subject_id: uuid.UUID, on: bool, *, actor: str
) -> None:
    """Set or clear the legal hold of a person or a document (an audited change)."""
    row: Person | Document | None = (
        session.get(Person, subject_id)
        if subject == "person"
        else session.get(Document, subject_id)
    )
    if row is None:
        raise NotFound(f"no {subject} {subject_id}")
    old = row.legal_hold
    row.legal_hold = on
    repo.record_event(
        session,
        entity_type=subject,
        entity_id=subject_id,
        kind="legal_hold_set" if on else "legal_hold_cleared",
        actor=actor,
        old=str(old).lower(),
        new=str(on).lower(),
    )
