"""The retention purge on SQLite and PostgreSQL with a folder and an S3 store: it removes what
the rules say has expired, honours legal holds, reports counts and is idempotent."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework.erasure import set_legal_hold
from docproc.casework.retention import RetentionRules, purge
from docproc.db import repo
from docproc.db.models import Document, Person, utcnow
from docproc.db.session import session_scope
from docproc.storage import DERIVED_PREFIX, ObjectStore
from tests.casework.conftest import new_birth_date, new_number
from tests.casework.test_erasure import _scan, _store_bytes, _surname, _traces, store

__all__ = ["store"]


def _age(factory: sessionmaker[Session], document_id: uuid.UUID, days: int) -> None:
    with session_scope(factory) as session:
        then = utcnow() - timedelta(days=days)
        session.execute(update(Document).where(Document.id == document_id).values(created_at=then))
        person_id = session.get(Document, document_id).person_id  # type: ignore[union-attr]
        session.execute(update(Person).where(Person.id == person_id).values(created_at=then))


def _person(factory: sessionmaker[Session], document_id: uuid.UUID) -> uuid.UUID:
    with session_scope(factory) as session:
        person_id = session.get(Document, document_id).person_id  # type: ignore[union-attr]
        assert person_id is not None
        return person_id


def test_purge_applies_each_rule_honours_holds_and_is_idempotent(
    store: ObjectStore, factory: sessionmaker[Session]
) -> None:
    # the PostgreSQL database is shared: rules far in the past only match this test's documents
    old, held, recent = (_surname() for _ in range(3))
    old_number, held_number, recent_number = new_number(), new_number(), new_number()
    old_doc = _scan(store, factory, old, old_number, new_birth_date())
    held_doc = _scan(store, factory, held, held_number, new_birth_date())
    recent_doc = _scan(store, factory, recent, recent_number, new_birth_date())
    for document_id in (old_doc, held_doc):
        _age(factory, document_id, 40_000)
    _age(factory, recent_doc, 39_990)
    with session_scope(factory) as session:
        set_legal_hold(session, "person", _person(factory, held_doc), True, actor="admin")

    # originals and artefacts first: the records stay
    files = RetentionRules(originals_days=39_995, derived_days=39_995)
    report = purge(factory, store, files)
    assert (report.original_files, report.derived_files, report.documents) == (1, 1, 0)
    assert report.held >= 1
    assert purge(factory, store, files).to_json()["original_files"] == 0  # idempotent
    with session_scope(factory) as session:
        kept = session.get(Document, old_doc)
        assert kept is not None and not store.exists(kept.source_key)
        assert list(store.list(f"{DERIVED_PREFIX}{old_doc}/")) == []
        purged = [e for e in repo.events_for(session, "document", old_doc) if e.kind == "purged"]
        assert {e.detail["category"] for e in purged} == {"originals", "derived"}  # type: ignore[index]
    # the held document and the recent one keep their files
    assert _traces(_store_bytes(store), held, recent) == {held, recent}

    # then the records: the old document and its person go, with nothing left of them
    records = RetentionRules(records_days=39_995)
    report = purge(factory, store, records)
    assert (report.documents, report.persons) == (1, 1)
    assert purge(factory, store, records).to_json()["documents"] == 0
    with session_scope(factory) as session:
        assert session.get(Document, old_doc) is None
        assert session.get(Document, held_doc) is not None
        assert session.get(Document, recent_doc) is not None
        assert session.scalars(select(Person).where(Person.surname == old)).first() is None
    assert _traces(_store_bytes(store), old, old_number) == set()
