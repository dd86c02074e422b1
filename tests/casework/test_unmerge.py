"""Unmerge: a merge undone restores both persons with their documents, cases and matches, on
SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import cases, merges
from docproc.casework.auth import Principal
from docproc.db import repo
from docproc.db.models import CasePerson, Document, MatchStatus, Person, PersonMatch, Role
from docproc.db.session import session_scope
from tests.casework.conftest import new_birth_date, record_read

REVIEWER = Principal(str(uuid.uuid4()), "reviewer", Role.reviewer, "session")


def _person_of(session: Session, document_id: uuid.UUID) -> uuid.UUID:
    document = session.get(Document, document_id)
    assert document is not None and document.person_id is not None
    return document.person_id


def _match(session: Session, a: uuid.UUID, b: uuid.UUID) -> PersonMatch:
    found = session.scalars(
        select(PersonMatch).where(
            ((PersonMatch.person_a_id == a) & (PersonMatch.person_b_id == b))
            | ((PersonMatch.person_a_id == b) & (PersonMatch.person_b_id == a))
        )
    ).one()
    return found


def _roles(session: Session, case_id: uuid.UUID) -> dict[uuid.UUID, str]:
    links = session.scalars(select(CasePerson).where(CasePerson.case_id == case_id))
    return {link.person_id: link.role.value for link in links}


def test_unmerge_restores_both_persons_documents_cases_and_matches(
    factory: sessionmaker[Session],
) -> None:
    born = new_birth_date()
    doc_a = record_read(factory, birth_date=born, given_names="MOHAMMAD ALI")
    doc_b = record_read(factory, birth_date=born, given_names="MUHAMMAD ALI")
    doc_c = record_read(factory, birth_date=born, given_names="MOHAMED ALI", surname="RAHIMY")
    with session_scope(factory) as session:
        a, b, c = (_person_of(session, d) for d in (doc_a, doc_b, doc_c))
        ab, bc = _match(session, a, b).id, _match(session, b, c).id
        only_b = cases.create_case(session, REVIEWER, f"U-{uuid.uuid4().hex[:8]}").id
        both = cases.create_case(session, REVIEWER, f"U-{uuid.uuid4().hex[:8]}").id
        cases.add_member(session, only_b, b, "head", REVIEWER)
        cases.add_member(session, both, a, "spouse", REVIEWER)
        cases.add_member(session, both, b, "child", REVIEWER)

    with session_scope(factory) as session:
        merges.merge(session, ab, REVIEWER, keep=a, note="same person")
    with session_scope(factory) as session:
        assert _person_of(session, doc_b) == a
        assert _roles(session, only_b) == {a: "head"}
        assert _roles(session, both) == {a: "spouse"}
        obsolete = session.get(PersonMatch, bc)
        assert obsolete is not None and obsolete.status is MatchStatus.obsolete  # a~c is known

    with session_scope(factory) as session:
        item = merges.unmerge(session, ab, REVIEWER, "wrong: different fathers")
    assert item.status == "pending" and item.decided_by is None

    with session_scope(factory) as session:
        person_b = session.get(Person, b)
        assert person_b is not None and person_b.merged_into_id is None
        assert person_b.merged_at is None
        assert _person_of(session, doc_a) == a and _person_of(session, doc_b) == b
        assert _roles(session, only_b) == {b: "head"}  # a joined by the merge: gone again
        assert _roles(session, both) == {a: "spouse", b: "child"}
        restored = session.get(PersonMatch, bc)
        assert restored is not None and restored.status is MatchStatus.pending
        assert {restored.person_a_id, restored.person_b_id} == {b, c}
        assert [e.kind for e in repo.events_for(session, "person_match", ab)][-1] == "unmerged"
        assert "unmerged" in [e.kind for e in repo.events_for(session, "person", b)]
        assert "unmerged_from" in [e.kind for e in repo.events_for(session, "person", a)]
        moved_back = repo.events_for(session, "document", doc_b)[-1]
        assert moved_back.kind == "person_linked"
        assert (moved_back.old, moved_back.new) == (str(a), str(b))

    # the pair can be decided again: kept apart this time
    with session_scope(factory) as session:
        assert merges.keep_apart(session, ab, REVIEWER).status == "kept_apart"


def test_a_carried_over_match_goes_back_to_the_merged_person(
    factory: sessionmaker[Session],
) -> None:
    born = new_birth_date()
    doc_a = record_read(factory, birth_date=born, given_names="MOHAMMAD ALI")
    doc_b = record_read(factory, birth_date=born, given_names="MUHAMMAD ALI")
    doc_x = record_read(factory, birth_date=new_birth_date(), given_names="ZAHRA")
    with session_scope(factory) as session:
        a, b, x = (_person_of(session, d) for d in (doc_a, doc_b, doc_x))
        ab = _match(session, a, b).id
        # a pending pair of a and x that b has never been in: a merge carries it over to b
        ax = PersonMatch(
            person_a_id=a,
            person_b_id=x,
            score=0.9,
            reason="similar_name_same_birth_date",
            status=MatchStatus.pending,
        )
        session.add(ax)
        session.flush()
        ax_id = ax.id
    with session_scope(factory) as session:
        merges.merge(session, ab, REVIEWER, keep=b)
    with session_scope(factory) as session:
        carried = session.get(PersonMatch, ax_id)
        assert carried is not None and carried.status is MatchStatus.pending
        assert carried.person_a_id == b
    with session_scope(factory) as session:
        merges.unmerge(session, ab, REVIEWER)
    with session_scope(factory) as session:
        match = session.get(PersonMatch, ax_id)
        assert match is not None and (match.person_a_id, match.person_b_id) == (a, x)
        assert _person_of(session, doc_a) == a and _person_of(session, doc_b) == b


def test_only_a_merged_match_can_be_unmerged_and_only_once(
    factory: sessionmaker[Session],
) -> None:
    born = new_birth_date()
    doc_a = record_read(factory, birth_date=born, given_names="MOHAMMAD ALI")
    doc_b = record_read(factory, birth_date=born, given_names="MUHAMMAD ALI")
    with session_scope(factory) as session:
        ab = _match(session, _person_of(session, doc_a), _person_of(session, doc_b)).id
    with session_scope(factory) as session, pytest.raises(merges.CannotUnmerge):
        merges.unmerge(session, ab, REVIEWER)
    with session_scope(factory) as session:
        merges.merge(session, ab, REVIEWER)
    with session_scope(factory) as session:
        merges.unmerge(session, ab, REVIEWER)
    with session_scope(factory) as session, pytest.raises(merges.CannotUnmerge):
        merges.unmerge(session, ab, REVIEWER)
