"""A person found by two desks' scans (on SQLite and PostgreSQL): the same passport scanned at
site A and site B is one person, seen by the desks of both sites, each seeing only its own
documents of them; a desk of a third site sees nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import cases
from docproc.casework.auth import Principal
from docproc.casework.review import NotFound
from docproc.casework.search import SearchTerms
from docproc.db.models import Document, Person, Role
from docproc.db.session import session_scope
from tests.casework.conftest import new_birth_date, new_number, record_read


def _desk(site: uuid.UUID) -> Principal:
    return Principal(
        str(uuid.uuid4()), f"desk-{site.hex[:6]}", Role.desk, "token", sites=frozenset({site})
    )


def _at_site(factory: sessionmaker[Session], document_id: uuid.UUID, site: uuid.UUID) -> None:
    """Give the document (and, if it made the person, the person) to ``site``, as an upload
    by a desk officer of that site does."""
    with session_scope(factory) as session:
        document = session.get(Document, document_id)
        assert document is not None and document.person_id is not None
        document.site_id = site
        person = session.get(Person, document.person_id)
        assert person is not None
        if person.site_id is None:
            person.site_id = site


def test_a_person_scanned_at_two_desks_is_seen_by_both(factory: sessionmaker[Session]) -> None:
    site_a, site_b, site_c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    number, born = new_number(), new_birth_date()
    at_a = record_read(factory, document_number=number, birth_date=born)
    _at_site(factory, at_a, site_a)
    at_b = record_read(factory, document_number=number, birth_date=born)  # the same passport
    _at_site(factory, at_b, site_b)
    with session_scope(factory) as session:
        first, second = session.get(Document, at_a), session.get(Document, at_b)
        assert first is not None and second is not None
        person_id = first.person_id
        assert person_id is not None and second.person_id == person_id
        person = session.get(Person, person_id)
        assert person is not None and person.site_id == site_a  # the first desk's

    def sees(desk: Principal) -> tuple[set[str], set[uuid.UUID]] | None:
        with session_scope(factory) as session:
            try:
                record = cases.person_record(session, person_id, desk)
            except NotFound:
                return None
            found = cases.find_persons(session, desk, terms=SearchTerms.parse(number))
            return {d.id for d in record.documents}, {uuid.UUID(p.id) for p in found}

    assert sees(_desk(site_a)) == ({str(at_a)}, {person_id})
    assert sees(_desk(site_b)) == ({str(at_b)}, {person_id})  # no longer blind to the person
    assert sees(_desk(site_c)) is None
    with session_scope(factory) as session:
        assert cases.find_persons(session, _desk(site_c), terms=SearchTerms.parse(number)) == []


def test_a_case_of_a_site_shows_its_members_to_that_site(factory: sessionmaker[Session]) -> None:
    site_a, site_b = uuid.uuid4(), uuid.uuid4()
    at_a = record_read(factory, birth_date=new_birth_date())
    _at_site(factory, at_a, site_a)
    desk_b = _desk(site_b)
    with session_scope(factory) as session:
        person_id = session.get(Document, at_a).person_id  # type: ignore[union-attr]
        assert person_id is not None
        with pytest.raises(NotFound):
            cases.person_record(session, person_id, desk_b)
    supervisor = Principal(str(uuid.uuid4()), "supervisor", Role.supervisor, "token")
    with session_scope(factory) as session:
        case = cases.create_case(session, supervisor, None)
        case.site_id = site_b
        cases.add_member(session, case.id, person_id, "head", supervisor)
    with session_scope(factory) as session:
        record = cases.person_record(session, person_id, desk_b)
        assert record.documents == ()  # site A's document stays site A's
        assert [c[0] for c in record.cases] == [str(case.id)]
