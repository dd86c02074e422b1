"""The service layer for persons and cases: person records, households, who belongs to which.

Routes call these functions and never build queries. Each takes a session and never commits.
Every read of a person's record, of a list of persons and of a case page writes an event with
the acting user (the audit log); every change does too. Events carry ids, roles and counts,
never names: a search term typed by a user is not stored either.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.casework.people import surviving_person
from docproc.casework.review import FieldView, NotFound
from docproc.casework.search import SearchTerms, case_number, person_conditions
from docproc.casework.sites import person_filter, sees_person, site_filter
from docproc.db import repo
from docproc.db.crypto import blind_index
from docproc.db.models import (
    Case,
    CasePerson,
    CaseRole,
    Document,
    Person,
    utcnow,
)
from docproc.errors import DocprocError, ExitCode

__all__ = [
    "CASE_ROLES",
    "BadCaseChange",
    "CaseRecord",
    "CaseReferenceTaken",
    "CaseSummary",
    "DocumentSummary",
    "PersonRecord",
    "PersonSummary",
    "add_member",
    "case_record",
    "create_case",
    "find_persons",
    "list_cases",
    "person_record",
    "remove_member",
    "set_external_number",
]

CASE_ROLES = tuple(role.value for role in CaseRole)


class CaseReferenceTaken(DocprocError):
    reason = "case_reference_taken"
    fix = "Another case has this reference; open that case or choose another reference."
    http_status = 409
    exit_code = ExitCode.bad_arguments


class BadCaseChange(DocprocError):
    reason = "bad_case_change"
    fix = (
        f"Give a role of {', '.join(CASE_ROLES)}; add a person once per case (remove before "
        "changing the role); add the person a merged person was merged into."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments


# ------------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class DocumentSummary:
    """One document of a person, with its newest extraction (reviewer corrections included)."""

    id: str
    status: str
    status_reason: str | None
    doc_type: str | None
    filename: str | None
    created_at: str
    version: int | None
    fields: tuple[FieldView, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "fields": {
                f.name: {"value": f.value, "source": f.source, "confidence": f.confidence}
                for f in self.fields
            },
        }


@dataclass(frozen=True)
class PersonSummary:
    id: str
    surname: str
    given_names: str
    date_of_birth: str | None
    sex: str | None
    nationality: str | None
    merged_into: str | None

    @classmethod
    def of(cls, person: Person) -> PersonSummary:
        return cls(
            id=str(person.id),
            surname=person.surname,
            given_names=person.given_names,
            date_of_birth=person.date_of_birth.isoformat() if person.date_of_birth else None,
            sex=person.sex,
            nationality=person.nationality,
            merged_into=str(person.merged_into_id) if person.merged_into_id else None,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PersonRecord:
    """A person with all their documents and the cases they belong to (with their role)."""

    person: PersonSummary
    documents: tuple[DocumentSummary, ...]
    cases: tuple[tuple[str, str, str], ...]  # (case id, reference, role)

    @property
    def id(self) -> str:
        return self.person.id

    def to_json(self) -> dict[str, Any]:
        return {
            **self.person.to_json(),
            "documents": [d.to_json() for d in self.documents],
            "cases": [{"id": c, "reference": r, "role": role} for c, r, role in self.cases],
        }


def _documents_of(
    session: Session, person_id: uuid.UUID, actor: Principal | None = None
) -> tuple[DocumentSummary, ...]:
    """The person's documents (of ``actor``'s sites only, when given)."""
    query = select(Document).where(Document.person_id == person_id)
    scope = site_filter(actor, Document.site_id) if actor is not None else None
    if scope is not None:
        query = query.where(scope)
    documents = session.scalars(query.order_by(Document.created_at))
    summaries = []
    for document in documents:
        extraction = repo.latest_extraction(session, document.id)
        fields = (
            tuple(
                FieldView(f.name, f.value, f.confidence, f.source.value) for f in extraction.fields
            )
            if extraction
            else ()
        )
        summaries.append(
            DocumentSummary(
                id=str(document.id),
                status=document.status.value,
                status_reason=document.status_reason,
                doc_type=document.doc_type,
                filename=document.original_filename,
                created_at=document.created_at.isoformat(timespec="seconds"),
                version=extraction.version if extraction else None,
                fields=fields,
            )
        )
    return tuple(summaries)


def _person(session: Session, person_id: uuid.UUID, actor: Principal | None = None) -> Person:
    person = session.get(Person, person_id)
    if person is None or not sees_person(session, actor, person):
        raise NotFound(f"no person {person_id}")
    return person


def _audit_read(
    session: Session, entity_type: str, entity_id: object, actor: Principal, **detail: Any
) -> None:
    repo.record_event(
        session,
        entity_type=entity_type,
        entity_id=entity_id,
        kind="viewed",
        actor=actor.username,
        detail={"via": actor.via, **detail},
    )


def load_person(
    session: Session, person_id: uuid.UUID, actor: Principal | None = None
) -> PersonRecord:
    """A person's record, unaudited: for callers that audit the read themselves. With
    ``actor``, only the documents and cases of their sites (a person registered at two desks
    is one person; each desk sees its own papers of them)."""
    person = _person(session, person_id)
    query = (
        select(Case.id, Case.reference, CasePerson.role)
        .join(CasePerson, CasePerson.case_id == Case.id)
        .where(CasePerson.person_id == person_id)
    )
    scope = site_filter(actor, Case.site_id) if actor is not None else None
    if scope is not None:
        query = query.where(scope)
    links = session.execute(query.order_by(Case.reference))
    return PersonRecord(
        PersonSummary.of(person),
        _documents_of(session, person.id, actor),
        tuple((str(case_id), reference, role.value) for case_id, reference, role in links),
    )


def person_record(
    session: Session, person_id: uuid.UUID, actor: Principal, **detail: Any
) -> PersonRecord:
    """A person's record; records that ``actor`` read it."""
    _person(session, person_id, actor)
    record = load_person(session, person_id, actor)
    _audit_read(session, "person", person_id, actor, **detail)
    return record


def find_persons(
    session: Session,
    actor: Principal,
    *,
    name: str | None = None,
    terms: SearchTerms | None = None,
    limit: int = 100,
) -> list[PersonSummary]:
    """Persons not merged into another (of ``actor``'s sites), newest first, found by ``terms``
    (:class:`~docproc.casework.search.SearchTerms`: a name, document number, date of birth or
    case number) or by ``name`` alone. An audited read: the count and the kinds of term, never
    the terms."""
    terms = terms if terms is not None else SearchTerms.of(name=name)
    query = select(Person).where(
        Person.merged_into_id.is_(None), *person_conditions(terms, blind_index(session))
    )
    scope = person_filter(actor)
    if scope is not None:
        query = query.where(scope)
    people = session.scalars(query.order_by(Person.created_at.desc()).limit(limit)).all()
    repo.record_event(
        session,
        entity_type="person",
        entity_id="list",
        kind="listed",
        actor=actor.username,
        detail={
            "via": actor.via,
            "count": len(people),
            "filtered": not terms.empty,
            "terms": terms.kinds,
        },
    )
    return [PersonSummary.of(p) for p in people]


# -------------------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class CaseSummary:
    id: str
    reference: str
    status: str
    created_at: str
    persons: int
    external_number: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CaseRecord:
    summary: CaseSummary
    members: tuple[tuple[str, PersonRecord], ...]  # (role, person), heads first

    @property
    def id(self) -> str:
        return self.summary.id

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary.to_json(),
            "members": [{"role": role, **person.to_json()} for role, person in self.members],
        }


def list_cases(
    session: Session, *, limit: int = 200, offset: int = 0, actor: Principal | None = None
) -> list[CaseSummary]:
    """Cases (of ``actor``'s sites), newest first, with how many persons each has (references
    only: no personal data)."""
    counts = (
        select(CasePerson.case_id, func.count().label("n")).group_by(CasePerson.case_id).subquery()
    )
    query = (
        select(Case, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.case_id == Case.id)
        .order_by(Case.created_at.desc(), Case.reference)
        .limit(limit)
        .offset(offset)
    )
    scope = site_filter(actor, Case.site_id) if actor is not None else None
    if scope is not None:
        query = query.where(scope)
    return [_case_summary(case, int(n)) for case, n in session.execute(query)]


def _case_summary(case: Case, persons: int) -> CaseSummary:
    return CaseSummary(
        id=str(case.id),
        reference=case.reference,
        status=case.status.value,
        created_at=case.created_at.isoformat(timespec="seconds"),
        persons=persons,
        external_number=case.external_number,
    )


def get_case(session: Session, case_id: uuid.UUID, actor: Principal | None = None) -> Case:
    """The case, if it exists and is within ``actor``'s sites."""
    case = session.get(Case, case_id)
    if case is None or (actor is not None and not actor.sees_site(case.site_id)):
        raise NotFound(f"no case {case_id}")
    return case


def create_case(
    session: Session,
    actor: Principal,
    reference: str | None = None,
    external_number: str | None = None,
) -> Case:
    """A new open case; without a reference one is made (``C-YYYYMMDD-XXXXXX``).
    ``external_number``: the household's UNHCR or IOM case number, if it has one."""
    reference = (reference or "").strip()[:64]
    if not reference:
        reference = f"C-{utcnow():%Y%m%d}-{secrets.token_hex(3).upper()}"
    try:
        with session.begin_nested():
            case = repo.create_case(session, reference=reference, actor=actor.username)
            case.site_id = actor.home_site
            case.external_number = case_number(external_number or "") or None
    except IntegrityError:
        raise CaseReferenceTaken(f"a case with reference {reference!r} exists") from None
    return case


def set_external_number(
    session: Session, case_id: uuid.UUID, number: str | None, actor: Principal
) -> Case:
    """Set (or clear, with an empty ``number``) a case's UNHCR/IOM case number; audited (that
    it changed, not the number)."""
    case = get_case(session, case_id, actor)
    case.external_number = case_number(number or "") or None
    case.updated_at = utcnow()
    repo.record_event(
        session,
        entity_type="case",
        entity_id=case_id,
        kind="external_number_set",
        actor=actor.username,
        detail={"cleared": case.external_number is None},
    )
    return case


_ROLE_ORDER = {role: i for i, role in enumerate(CASE_ROLES)}


def case_record(session: Session, case_id: uuid.UUID, actor: Principal) -> CaseRecord:
    """A case with all its persons and their documents; records that ``actor`` read it."""
    case = get_case(session, case_id, actor)
    links = session.scalars(select(CasePerson).where(CasePerson.case_id == case_id)).all()
    members = sorted(
        ((link.role.value, load_person(session, link.person_id, actor)) for link in links),
        key=lambda member: (_ROLE_ORDER[member[0]], member[1].person.surname),
    )
    _audit_read(session, "case", case_id, actor, persons=len(members))
    return CaseRecord(_case_summary(case, len(members)), tuple(members))


def add_member(
    session: Session, case_id: uuid.UUID, person_id: uuid.UUID, role: str, actor: Principal
) -> None:
    if role not in CASE_ROLES:
        raise BadCaseChange(f"unknown role {role[:32]!r}")
    case = get_case(session, case_id, actor)
    person = _person(session, person_id, actor)
    if person.merged_into_id is not None:
        survivor = surviving_person(session, person.id)
        raise BadCaseChange(
            f"person {person_id} was merged into {survivor.id if survivor else '?'}"
        )
    if session.get(CasePerson, (case_id, person_id)) is not None:
        raise BadCaseChange(f"person {person_id} is already in case {case_id}")
    repo.add_person_to_case(session, case, person, role=role, actor=actor.username)
    case.updated_at = utcnow()


def remove_member(
    session: Session, case_id: uuid.UUID, person_id: uuid.UUID, actor: Principal
) -> str:
    """Take the person out of the case; returns the role they had (to put them back: undo)."""
    case = get_case(session, case_id, actor)
    link = session.get(CasePerson, (case_id, person_id))
    if link is None:
        raise BadCaseChange(f"person {person_id} is not in case {case_id}")
    role = link.role.value
    session.delete(link)
    case.updated_at = utcnow()
    repo.record_event(
        session,
        entity_type="case",
        entity_id=case_id,
        kind="person_removed",
        actor=actor.username,
        old=str(person_id),
        detail={"role": role},
    )
    return role
