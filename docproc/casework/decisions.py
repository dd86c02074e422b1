"""A reviewer's decisions on a held review task: accept, fix, reject, and undo the last one.

A fix is a new extraction version with the corrected fields (MRZ, printed and form fields,
checked by :mod:`docproc.casework.validation`); each changed value goes to the erasable review
history, and the append-only audit trail names only the field. A corrected identity re-links
the document's person (:func:`relink_person`): the misread person is removed when nothing else
is on it, otherwise proposed as a duplicate. The reviewer's last decision can be undone while
nothing else changed the record. Functions take a session and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.casework.people import PersonLink, link_person
from docproc.casework.review import (
    DECIDED_STATES,
    NotFound,
    claim_cutoff,
    document_of,
    get_task,
    held_task,
)
from docproc.casework.validation import editable, validate_field
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
    utcnow,
)
from docproc.db.repo import FieldValue
from docproc.errors import DocprocError, ExitCode

__all__ = [
    "IDENTITY_FIELDS",
    "REJECT_REASONS",
    "BadReview",
    "CannotUndo",
    "accept",
    "corrections",
    "fix",
    "normalise",
    "normalise_printed",
    "reject",
    "relink_person",
    "typed_value",
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
#: Fields whose correction may make the document another person's: the person is re-linked.
IDENTITY_FIELDS = frozenset(
    {"surname", "given_names", "birth_date", "document_number", "issuing_country", "nationality"}
)
#: A registration form's fields a person is found by when the document has no MRZ
#: (:func:`docproc.casework.people.identity_from_fields`).
_FORM_IDENTITY_FIELDS = frozenset(
    {f"form.{n}" for n in IDENTITY_FIELDS} | {"form.name", "form.travel_document_number"}
)


class CannotUndo(DocprocError):
    reason = "cannot_undo"
    fix = (
        "Only your own last decision can be undone, within the claim timeout and before anything "
        "else changed the record; open the task from the queue instead."
    )
    http_status = 409
    exit_code = ExitCode.bad_arguments


class BadReview(DocprocError):
    reason = "bad_review"
    fix = (
        f"Fix the MRZ fields ({', '.join(MRZ_FIELDS)}) or the printed and form fields the record "
        "holds, and change at least one (else accept); "
        f"reject with one of {', '.join(REJECT_REASONS)}."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments


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
    task = held_task(session, task_id, actor)
    document = document_of(session, task.document_id)
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
    task = held_task(session, task_id, actor)
    document = document_of(session, task.document_id)
    before = _status_of(document)
    latest = repo.latest_extraction(session, document.id)
    current = {f.name: f for f in latest.fields} if latest else {}
    unknown = {n for n in edits if n not in MRZ_FIELDS and not (n in current and editable(n))}
    if unknown:
        raise BadReview(f"unknown fields: {', '.join(sorted(unknown))[:300]}")
    changed: list[tuple[str, str | None, str | None]] = []
    fields: list[FieldValue] = []
    for name in MRZ_FIELDS:
        old = current.get(name)
        old_value = old.value if old else None
        new_value = typed_value(name, edits[name]) if name in edits else old_value
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
    # visual-zone and form fields the reviewer corrected take the new value; they and the
    # entity fields are otherwise carried into the new version as they were
    for f in latest.fields if latest else ():
        if f.name in MRZ_FIELDS:
            continue
        box = cast(tuple[int, int, int, int] | None, tuple(f.box) if f.box else None)
        if f.name in edits:
            new_value = typed_value(f.name, edits[f.name])
            validate_field(f.name, new_value)
            if new_value != f.value:
                changed.append((f.name, f.value, new_value))
                fields.append(FieldValue(f.name, new_value, 1.0, FieldSource.reviewer, f.page, box))
                continue
        fields.append(FieldValue(f.name, f.value, f.confidence, f.source, f.page, box, f.sentence))
    if not changed:
        raise BadReview("nothing was changed; use Accept instead")
    extraction = repo.save_extraction(
        session, document, fields, created_by=actor.username, source="reviewer"
    )
    person_before = str(document.person_id) if document.person_id else None
    if {name for name, _, _ in changed} & (IDENTITY_FIELDS | _FORM_IDENTITY_FIELDS):
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


def normalise_printed(value: str | None) -> str | None:
    """A printed or form field's value as stored: spaces trimmed and runs of them made one, the
    case as typed (an address or a place is not upper case), None when empty."""
    return " ".join((value or "").split()) or None


def typed_value(name: str, value: str | None) -> str | None:
    """What a reviewer typed into the field ``name``, as it is stored and checked."""
    return normalise(value) if name in MRZ_FIELDS else normalise_printed(value)


def reject(session: Session, task_id: int, reason: str, actor: Principal) -> ReviewTask:
    if reason not in REJECT_REASONS:
        raise BadReview(f"unknown reject reason {reason[:40]!r}")
    task = held_task(session, task_id, actor)
    document = document_of(session, task.document_id)
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
            Event.kind.in_([s.value for s in DECIDED_STATES]),
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
    if task.state not in DECIDED_STATES or task.resolved_at is None:
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
    document = document_of(session, task.document_id)
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
