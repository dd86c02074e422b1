"""Deciding possible duplicates: the match queue, Merge and Keep apart (reviewers and above).

The matcher (:mod:`docproc.casework.people`) only proposes. Here a reviewer decides, once per pair:

* **Merge**: the documents and case links of one person move to the other (the survivor, by
  default the earlier person); the merged person is kept, marked ``merged_into``, never deleted.
  Pending matches of the merged person move to the survivor (or become ``obsolete`` when the
  survivor already has that pair).
* **Keep apart**: recorded; the pair is never proposed again.
* **Unmerge** (undo a merge): both persons are restored as they were, with their links: the
  documents and case links that moved go back, and pending matches carried over (or made
  ``obsolete``) by the merge are given back; the match is ``pending`` again, to decide anew.
  What moved is written in the merge's ``merged_into`` event (ids only), so the undo needs no
  guessing; merges from before that are undone from the per-document and per-case events.

Deciding is one guarded ``UPDATE ... WHERE status = 'pending'``: of two reviewers deciding at once
exactly one wins, the other gets ``match_closed``. Every step writes an event (who, when, which
match, the reviewer's note).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.casework.cases import PersonRecord, load_person
from docproc.casework.people import pair_known
from docproc.casework.review import NotFound
from docproc.casework.sites import person_filter, sees_person
from docproc.db import repo
from docproc.db.models import (
    Case,
    CasePerson,
    CaseRole,
    Document,
    Event,
    MatchStatus,
    Person,
    PersonMatch,
    utcnow,
)
from docproc.errors import DocprocError, ExitCode

__all__ = [
    "BadMerge",
    "CannotUnmerge",
    "MatchClosed",
    "MatchDetail",
    "MatchItem",
    "keep_apart",
    "match_detail",
    "match_item",
    "match_queue",
    "merge",
    "unmerge",
]

_NOTE_LENGTH = 1000


class MatchClosed(DocprocError):
    reason = "match_closed"
    fix = "This possible duplicate was already decided; reload the queue."
    http_status = 409
    exit_code = ExitCode.bad_arguments


class CannotUnmerge(DocprocError):
    reason = "cannot_unmerge"
    fix = (
        "Only a merged match can be unmerged, and only while the kept person was not merged "
        "into a third one since (unmerge that merge first)."
    )
    http_status = 409
    exit_code = ExitCode.bad_arguments


class BadMerge(DocprocError):
    reason = "bad_merge"
    fix = "Keep one of the two persons of the match (or leave 'keep' out to keep the earlier one)."
    http_status = 422
    exit_code = ExitCode.bad_arguments


@dataclass(frozen=True)
class MatchItem:
    """One match as the queue shows it: ids, score and state, no personal data."""

    id: int
    person_a: str
    person_b: str
    score: float
    reason: str
    status: str
    created_at: str
    decided_by: str | None
    decided_at: str | None
    note: str | None

    @classmethod
    def of(cls, match: PersonMatch) -> MatchItem:
        return cls(
            id=match.id,
            person_a=str(match.person_a_id),
            person_b=str(match.person_b_id),
            score=match.score,
            reason=match.reason,
            status=match.status.value,
            created_at=match.created_at.isoformat(timespec="seconds"),
            decided_by=match.decided_by,
            decided_at=match.decided_at.isoformat(timespec="seconds") if match.decided_at else None,
            note=match.note,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MatchDetail:
    """A match with both persons' records, side by side."""

    match: MatchItem
    a: PersonRecord
    b: PersonRecord

    def to_json(self) -> dict[str, Any]:
        return {**self.match.to_json(), "a": self.a.to_json(), "b": self.b.to_json()}


def match_queue(
    session: Session,
    *,
    status: MatchStatus = MatchStatus.pending,
    limit: int = 200,
    actor: Principal | None = None,
) -> list[MatchItem]:
    """Matches in ``status`` (both persons within ``actor``'s sites): pending ones best score
    first, then oldest; decided ones newest."""
    query = select(PersonMatch).where(PersonMatch.status == status)
    scope = person_filter(actor)
    if scope is not None:
        visible_persons = select(Person.id).where(scope)
        query = query.where(
            PersonMatch.person_a_id.in_(visible_persons),
            PersonMatch.person_b_id.in_(visible_persons),
        )
    if status is MatchStatus.pending:
        query = query.order_by(PersonMatch.score.desc(), PersonMatch.created_at, PersonMatch.id)
    else:
        query = query.order_by(PersonMatch.decided_at.desc(), PersonMatch.id.desc())
    return [MatchItem.of(m) for m in session.scalars(query.limit(limit))]


def _match(session: Session, match_id: int, actor: Principal | None = None) -> PersonMatch:
    """The match, if it exists and both its persons are within ``actor``'s sites."""
    match = session.get(PersonMatch, match_id, populate_existing=True)
    if match is None:
        raise NotFound(f"no person match {match_id}")
    if actor is not None and actor.sites is not None:
        persons = session.scalars(
            select(Person).where(Person.id.in_([match.person_a_id, match.person_b_id]))
        ).all()
        if not all(sees_person(session, actor, person) for person in persons):
            raise NotFound(f"no person match {match_id}")
    return match


def match_item(session: Session, match_id: int, actor: Principal) -> MatchItem:
    """The match alone (ids, score, state: no personal data, so not an audited read)."""
    return MatchItem.of(_match(session, match_id, actor))


def match_detail(session: Session, match_id: int, actor: Principal) -> MatchDetail:
    """The match and both persons' records; records that ``actor`` read both persons."""
    match = _match(session, match_id, actor)
    detail = MatchDetail(
        MatchItem.of(match),
        load_person(session, match.person_a_id, actor),
        load_person(session, match.person_b_id, actor),
    )
    for person_id in (match.person_a_id, match.person_b_id):
        repo.record_event(
            session,
            entity_type="person",
            entity_id=person_id,
            kind="viewed",
            actor=actor.username,
            detail={"via": actor.via, "match_id": match_id},
        )
    return detail


def _decide(
    session: Session, match_id: int, status: MatchStatus, actor: Principal, note: str | None
) -> PersonMatch:
    """Move a pending match to ``status``; exactly one of concurrent deciders wins."""
    note = (note or "").strip()[:_NOTE_LENGTH] or None
    _match(session, match_id, actor)  # need-to-know first
    result = session.execute(
        update(PersonMatch)
        .where(PersonMatch.id == match_id, PersonMatch.status == MatchStatus.pending)
        .values(status=status, decided_by=actor.username, decided_at=utcnow(), note=note)
        .execution_options(synchronize_session=False)
    )
    match = _match(session, match_id)
    if cast(CursorResult[Any], result).rowcount != 1:
        raise MatchClosed(f"person match {match_id} is {match.status.value}")
    repo.record_event(
        session,
        entity_type="person_match",
        entity_id=match_id,
        kind=status.value,
        actor=actor.username,
        old=MatchStatus.pending.value,
        new=status.value,
        detail={
            "person_a": str(match.person_a_id),
            "person_b": str(match.person_b_id),
            "score": match.score,
            # Whether there is a note, not the note: free text may name people.
            "note": note is not None,
        },
    )
    return match


def keep_apart(
    session: Session, match_id: int, actor: Principal, note: str | None = None
) -> MatchItem:
    """Record that the two are different persons; the pair is never proposed again."""
    return MatchItem.of(_decide(session, match_id, MatchStatus.kept_apart, actor, note))


def merge(
    session: Session,
    match_id: int,
    actor: Principal,
    *,
    keep: uuid.UUID | None = None,
    note: str | None = None,
) -> MatchItem:
    """Merge the pair into ``keep`` (default: the earlier person, ``person_a``)."""
    pending = _match(session, match_id, actor)
    survivor_id = keep or pending.person_a_id
    if survivor_id not in (pending.person_a_id, pending.person_b_id):
        raise BadMerge(f"person {survivor_id} is not in match {match_id}")
    match = _decide(session, match_id, MatchStatus.merged, actor, note)
    merged_id = match.person_b_id if survivor_id == match.person_a_id else match.person_a_id
    survivor, merged = session.get(Person, survivor_id), session.get(Person, merged_id)
    if survivor is None or merged is None:
        raise NotFound(f"a person of match {match_id} is gone")
    if survivor.merged_into_id is not None or merged.merged_into_id is not None:
        raise BadMerge(f"a person of match {match_id} was already merged into another")
    context = {"match_id": match_id}
    moved = _move_documents(session, merged, survivor, actor, context)
    case_links = _move_case_links(session, merged, survivor, actor, context)
    matches = _carry_over_pending(session, merged.id, survivor.id, actor, context)
    undo = {"documents": moved, "cases": case_links, "matches": matches}
    now = utcnow()
    merged.merged_into_id, merged.merged_at, merged.updated_at = survivor.id, now, now
    survivor.updated_at = now
    for person_id, kind, old, new in (
        (merged.id, "merged_into", None, str(survivor.id)),
        (survivor.id, "merged_from", str(merged.id), None),
    ):
        repo.record_event(
            session,
            entity_type="person",
            entity_id=person_id,
            kind=kind,
            actor=actor.username,
            old=old,
            new=new,
            detail={**context, "documents": len(moved), "undo": undo},
        )
    return MatchItem.of(match)


def _move_documents(
    session: Session, merged: Person, survivor: Person, actor: Principal, context: dict[str, Any]
) -> list[str]:
    documents = session.scalars(select(Document).where(Document.person_id == merged.id)).all()
    for document in documents:
        _relink(session, document, merged, survivor, actor, context)
    return [str(document.id) for document in documents]


def _relink(
    session: Session,
    document: Document,
    old: Person,
    new: Person,
    actor: Principal,
    context: dict[str, Any],
) -> None:
    """Move ``document`` from ``old`` to ``new`` (a merge or its undo), with its event."""
    document.person_id, document.updated_at = new.id, utcnow()
    repo.record_event(
        session,
        entity_type="document",
        entity_id=document.id,
        kind="person_linked",
        actor=actor.username,
        old=str(old.id),
        new=str(new.id),
        detail=context,
    )


def _move_case_links(
    session: Session, merged: Person, survivor: Person, actor: Principal, context: dict[str, Any]
) -> list[list[Any]]:
    """Move the case links; returns [case id, role, added at, whether the survivor had one]."""
    links = session.scalars(select(CasePerson).where(CasePerson.person_id == merged.id)).all()
    moved: list[list[Any]] = []
    for link in links:
        already = session.get(CasePerson, (link.case_id, survivor.id))
        moved.append(
            [str(link.case_id), link.role.value, link.added_at.isoformat(), already is not None]
        )
        if already is None:
            session.add(
                CasePerson(
                    case_id=link.case_id,
                    person_id=survivor.id,
                    role=link.role,
                    added_at=link.added_at,
                )
            )
        repo.record_event(
            session,
            entity_type="case",
            entity_id=link.case_id,
            kind="person_merged",
            actor=actor.username,
            old=str(merged.id),
            new=str(survivor.id),
            detail={**context, "role": (already or link).role.value},
        )
        session.delete(link)
    return moved


def _carry_over_pending(
    session: Session,
    merged_id: uuid.UUID,
    survivor_id: uuid.UUID,
    actor: Principal,
    context: dict[str, Any],
) -> list[list[Any]]:
    """Pending matches of the merged person become the survivor's, unless already known;
    returns [match id, the side moved ('a' or 'b') or 'obsolete']."""
    pending = session.scalars(
        select(PersonMatch).where(
            PersonMatch.status == MatchStatus.pending,
            or_(PersonMatch.person_a_id == merged_id, PersonMatch.person_b_id == merged_id),
        )
    ).all()
    changed: list[list[Any]] = []
    for match in pending:
        other = match.person_b_id if match.person_a_id == merged_id else match.person_a_id
        if other == survivor_id or pair_known(session, survivor_id, other):
            match.status, match.decided_by, match.decided_at = (
                MatchStatus.obsolete,
                actor.username,
                utcnow(),
            )
            kind, new = "obsolete", MatchStatus.obsolete.value
            changed.append([match.id, "obsolete"])
        else:
            if match.person_a_id == merged_id:
                match.person_a_id = survivor_id
                changed.append([match.id, "a"])
            else:
                match.person_b_id = survivor_id
                changed.append([match.id, "b"])
            kind, new = "carried_over", str(survivor_id)
        repo.record_event(
            session,
            entity_type="person_match",
            entity_id=match.id,
            kind=kind,
            actor=actor.username,
            old=str(merged_id),
            new=new,
            detail=context,
        )
        session.flush()
    return changed


# ------------------------------------------------------------------------------------- unmerge


def _merge_event(session: Session, match: PersonMatch) -> Event:
    """The ``merged_into`` event of this match's merge (on whichever person was merged)."""
    for person_id in (match.person_a_id, match.person_b_id):
        for event in reversed(repo.events_for(session, "person", person_id)):
            if event.kind == "merged_into" and (event.detail or {}).get("match_id") == match.id:
                return event
    raise CannotUnmerge(f"no merge recorded for person match {match.id}")


def _undo_from_events(session: Session, merged_id: str, match_id: int) -> dict[str, Any]:
    """What a merge recorded before it wrote its own undo list: from the per-row events."""
    events = session.scalars(
        select(Event)
        .where(
            Event.kind.in_(("person_linked", "person_merged", "carried_over", "obsolete")),
            Event.old == merged_id,
        )
        .order_by(Event.id)
    ).all()
    undo: dict[str, list[Any]] = {"documents": [], "cases": [], "matches": []}
    for event in events:
        if (event.detail or {}).get("match_id") != match_id:
            continue
        if event.kind == "person_linked":
            undo["documents"].append(event.entity_id)
        elif event.kind == "person_merged":
            # whether the survivor was already in the case is not known: keep its link
            role = (event.detail or {}).get("role", "other")
            undo["cases"].append([event.entity_id, role, None, True])
        else:
            undo["matches"].append([int(event.entity_id), event.kind])
    return undo


def unmerge(
    session: Session, match_id: int, actor: Principal, note: str | None = None
) -> MatchItem:
    """Undo the merge of ``match_id``: both persons as before, with their documents, case links
    and pending matches; the match is pending again. Audited on the match, both persons, every
    document and case moved back."""
    match = _match(session, match_id, actor)
    if match.status is not MatchStatus.merged:
        raise CannotUnmerge(f"person match {match_id} is {match.status.value}, not merged")
    event = _merge_event(session, match)
    merged = session.get(Person, uuid.UUID(event.entity_id))
    survivor = session.get(Person, uuid.UUID(event.new or ""))
    if merged is None or survivor is None or merged.merged_into_id != survivor.id:
        raise CannotUnmerge(f"the persons of match {match_id} are no longer as merged")
    if survivor.merged_into_id is not None:
        raise CannotUnmerge(f"the kept person of match {match_id} was merged into another since")
    result = session.execute(
        update(PersonMatch)
        .where(PersonMatch.id == match_id, PersonMatch.status == MatchStatus.merged)
        .values(status=MatchStatus.pending, decided_by=None, decided_at=None, note=None)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        raise MatchClosed(f"person match {match_id} was unmerged by someone else")
    undo = (event.detail or {}).get("undo") or _undo_from_events(session, str(merged.id), match_id)
    context = {"match_id": match_id, "unmerge": True}
    documents = _documents_back(session, undo["documents"], merged, survivor, actor, context)
    _case_links_back(session, undo["cases"], merged, survivor, actor, context)
    _matches_back(session, undo["matches"], merged, survivor, actor, context)
    now = utcnow()
    merged.merged_into_id, merged.merged_at, merged.updated_at = None, None, now
    survivor.updated_at = now
    note = (note or "").strip()[:_NOTE_LENGTH] or None
    repo.record_event(
        session,
        entity_type="person_match",
        entity_id=match_id,
        kind="unmerged",
        actor=actor.username,
        old=MatchStatus.merged.value,
        new=MatchStatus.pending.value,
        detail={
            "person_a": str(match.person_a_id),
            "person_b": str(match.person_b_id),
            "note": note is not None,
        },
    )
    for person_id, kind, other in (
        (merged.id, "unmerged", survivor.id),
        (survivor.id, "unmerged_from", merged.id),
    ):
        repo.record_event(
            session,
            entity_type="person",
            entity_id=person_id,
            kind=kind,
            actor=actor.username,
            old=str(other),
            detail={**context, "documents": documents},
        )
    return MatchItem.of(_match(session, match_id))


def _documents_back(
    session: Session,
    ids: list[str],
    merged: Person,
    survivor: Person,
    actor: Principal,
    context: dict[str, Any],
) -> int:
    """The moved documents still on the survivor go back to the merged person."""
    back = 0
    for document_id in ids:
        document = session.get(Document, uuid.UUID(document_id))
        if document is None or document.person_id != survivor.id:
            continue
        _relink(session, document, survivor, merged, actor, context)
        back += 1
    return back


def _case_links_back(
    session: Session,
    links: list[list[Any]],
    merged: Person,
    survivor: Person,
    actor: Principal,
    context: dict[str, Any],
) -> None:
    """The merged person is back in its cases; the survivor leaves those it joined by merge."""
    for case_id_text, role, added_at, survivor_had in links:
        case_id = uuid.UUID(case_id_text)
        if session.get(Case, case_id) is None:
            continue
        if session.get(CasePerson, (case_id, merged.id)) is None:
            session.add(
                CasePerson(
                    case_id=case_id,
                    person_id=merged.id,
                    role=CaseRole(role),
                    added_at=datetime.fromisoformat(added_at) if added_at else utcnow(),
                )
            )
        if not survivor_had:
            joined = session.get(CasePerson, (case_id, survivor.id))
            if joined is not None:
                session.delete(joined)
        repo.record_event(
            session,
            entity_type="case",
            entity_id=case_id,
            kind="person_unmerged",
            actor=actor.username,
            old=str(survivor.id),
            new=str(merged.id),
            detail={**context, "role": role},
        )
        session.flush()


def _matches_back(
    session: Session,
    changes: list[list[Any]],
    merged: Person,
    survivor: Person,
    actor: Principal,
    context: dict[str, Any],
) -> None:
    """Pending matches carried over to the survivor (still pending) are the merged person's
    again; those the merge made obsolete are pending again."""
    for match_id, change in changes:
        match = session.get(PersonMatch, int(match_id))
        if match is None:
            continue
        if change == "obsolete":
            if match.status is not MatchStatus.obsolete:
                continue
            match.status, match.decided_by, match.decided_at = MatchStatus.pending, None, None
        elif match.status is MatchStatus.pending:
            # "carried_over": a merge from before the undo list, side unknown
            if change in ("a", "carried_over") and match.person_a_id == survivor.id:
                match.person_a_id = merged.id
            elif change in ("b", "carried_over") and match.person_b_id == survivor.id:
                match.person_b_id = merged.id
            else:
                continue
        else:
            continue
        repo.record_event(
            session,
            entity_type="person_match",
            entity_id=match.id,
            kind="given_back",
            actor=actor.username,
            old=str(survivor.id),
            new=str(merged.id),
            detail=context,
        )
        session.flush()
