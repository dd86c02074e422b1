"""Persons from processed documents, through the pipeline's record_outcome, on SQLite and
PostgreSQL: the same document number links, a near-duplicate is proposed and never merged."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework.people import LinkKind, link_person
from docproc.db import repo
from docproc.db.models import (
    Document,
    DocumentStatus,
    FieldSource,
    MatchStatus,
    Person,
    PersonMatch,
)
from docproc.db.repo import FieldValue
from docproc.db.session import session_scope
from docproc.processing.outcome import ReadOutcome
from docproc.processing.process import record_outcome
from tests.casework.conftest import new_birth_date, new_number, record_read


def _person_of(session: Session, document_id: uuid.UUID) -> Person:
    document = session.get(Document, document_id)
    assert document is not None and document.person_id is not None
    person = session.get(Person, document.person_id)
    assert person is not None
    return person


def _matches_of(session: Session, *persons: uuid.UUID) -> list[PersonMatch]:
    query = (
        select(PersonMatch)
        .where(or_(PersonMatch.person_a_id.in_(persons), PersonMatch.person_b_id.in_(persons)))
        .order_by(PersonMatch.id)
    )
    return list(session.scalars(query))


def _born_on(session: Session, birth_date: str) -> list[Person]:
    query = select(Person).where(Person.date_of_birth == date.fromisoformat(birth_date))
    return list(session.scalars(query))


def test_two_scans_of_one_passport_are_one_person(factory: sessionmaker[Session]) -> None:
    number, born = new_number(), new_birth_date()
    first = record_read(factory, document_number=number, birth_date=born)
    second = record_read(
        factory, DocumentStatus.needs_review, document_number=number, birth_date=born
    )
    with session_scope(factory) as session:
        person = _person_of(session, first)
        assert _person_of(session, second).id == person.id
        assert person.surname == "RAHIMI" and person.given_names == "MOHAMMAD ALI"
        assert person.date_of_birth == date.fromisoformat(born)
        assert person.nationality == "AFG" and person.sex == "M"
        assert person.name_key == "ali mohammad rahimi"
        assert _matches_of(session, person.id) == []
        linked = [
            e for e in repo.events_for(session, "document", second) if e.kind == "person_linked"
        ]
        assert [e.new for e in linked] == [str(person.id)]
        # Audit events carry ids, never the name or the number.
        created = repo.events_for(session, "person", person.id)
        assert [e.kind for e in created] == ["created"]
        assert "RAHIMI" not in repr([(e.old, e.new, e.detail) for e in created + linked])
        assert number not in repr([(e.old, e.new, e.detail) for e in created + linked])


def test_the_same_number_from_another_country_is_another_person(
    factory: sessionmaker[Session],
) -> None:
    number = new_number()
    first = record_read(factory, document_number=number, surname="AHMADI", given_names="ZAHRA")
    second = record_read(
        factory,
        document_number=number,
        issuing_country="IRN",
        nationality="IRN",
        surname="KARIMI",
        given_names="ZAHRA",
    )
    with session_scope(factory) as session:
        assert _person_of(session, first).id != _person_of(session, second).id


def test_a_near_duplicate_gets_a_new_person_and_a_match_not_a_merge(
    factory: sessionmaker[Session],
) -> None:
    born = new_birth_date()
    passport = record_read(factory, birth_date=born, given_names="MOHAMMAD ALI")
    id_card = record_read(factory, document_code="ID", birth_date=born, given_names="MUHAMMAD ALI")
    with session_scope(factory) as session:
        a, b = _person_of(session, passport), _person_of(session, id_card)
        assert a.id != b.id
        assert a.merged_into_id is None and b.merged_into_id is None
        (match,) = _matches_of(session, a.id, b.id)
        assert (match.person_a_id, match.person_b_id) == (a.id, b.id)
        assert match.status is MatchStatus.pending
        assert match.reason == "similar_name_same_birth_date"
        assert 0.9 <= match.score <= 1.0
        assert match.document_id == id_card
        (proposed,) = repo.events_for(session, "person_match", match.id)
        assert proposed.kind == "proposed" and proposed.detail is not None
        assert proposed.detail["person_a"] == str(a.id)


def test_a_different_birth_date_or_name_makes_a_new_person_without_a_match(
    factory: sessionmaker[Session],
) -> None:
    born, other_day = new_birth_date(), new_birth_date()
    record_read(factory, birth_date=born)
    record_read(factory, birth_date=other_day)
    record_read(factory, birth_date=born, surname="HASSANI", given_names="FARIDA")
    with session_scope(factory) as session:
        persons = _born_on(session, born) + _born_on(session, other_day)
        assert len(persons) == 3
        assert _matches_of(session, *(p.id for p in persons)) == []


def test_a_re_read_keeps_the_person_and_no_name_means_no_person(
    factory: sessionmaker[Session],
) -> None:
    document_id = record_read(factory)
    nameless = record_read(
        factory, surname=None, given_names=None, document_number=None, birth_date=None
    )
    with session_scope(factory) as session:
        document = session.get(Document, document_id)
        assert document is not None
        again = link_person(session, document, [], actor="test")
        assert again.kind is LinkKind.already_linked and again.person_id == document.person_id
        nobody = session.get(Document, nameless)
        assert nobody is not None and nobody.person_id is None
        assert nobody.document_number is None


def test_each_pair_is_proposed_once(factory: sessionmaker[Session]) -> None:
    born = new_birth_date()
    for given in ("MOHAMMAD ALI", "MUHAMMAD ALI", "MOHAMMED ALI"):
        record_read(factory, birth_date=born, given_names=given)
    with session_scope(factory) as session:
        persons = _born_on(session, born)
        matches = _matches_of(session, *(p.id for p in persons))
        pairs = {frozenset((m.person_a_id, m.person_b_id)) for m in matches}
        # The second person is paired with the first, the third with each of the first two.
        assert len(persons) == 3
        assert len(matches) == len(pairs) == 3


def _record_form(factory: sessionmaker[Session], values: dict[str, str]) -> uuid.UUID:
    """A registration form (no MRZ) recorded through the pipeline's record_outcome."""
    sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    fields = tuple(
        FieldValue(f"form.{name}", value, 0.9, FieldSource.form, 0, (10, 10, 300, 40))
        for name, value in values.items()
    )
    outcome = ReadOutcome(DocumentStatus.done, None, pages=1, fields=fields, engine="test")
    with session_scope(factory) as session:
        document, _ = repo.get_or_create_document(
            session, sha256=sha, source_key=f"originals/{sha[:2]}/{sha}"
        )
        document_id = document.id
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, document_id, "test-worker")
    with session_scope(factory) as session:
        stored = repo.get_document(session, document_id)
        assert stored is not None
        record_outcome(session, stored, outcome, actor="test-worker")
    return document_id


def test_a_form_creates_a_person_that_a_later_passport_matches(
    factory: sessionmaker[Session],
) -> None:
    born = new_birth_date()
    form = _record_form(
        factory,
        {"name": "MOHAMMAD ALI RAHIMI", "birth_date": born, "sex": "M", "nationality": "AFG"},
    )
    passport = record_read(factory, birth_date=born)
    with session_scope(factory) as session:
        from_form = _person_of(session, form)
        assert from_form.date_of_birth == date.fromisoformat(born)
        assert from_form.name_key == "ali mohammad rahimi" and from_form.nationality == "AFG"
        from_passport = _person_of(session, passport)
        proposals = _matches_of(session, from_form.id)
        # the same matching as two MRZ documents: a proposal for a reviewer, never a merge
        assert [m.status for m in proposals] == [MatchStatus.pending]
        assert {proposals[0].person_a_id, proposals[0].person_b_id} == {
            from_form.id,
            from_passport.id,
        }
