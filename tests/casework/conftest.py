"""People tests: the database fixtures of tests/db (SQLite and PostgreSQL) and a helper that
records a read document through the pipeline's own ``record_outcome`` (no OCR needed)."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import decisions, review
from docproc.casework.auth import Principal
from docproc.db import repo
from docproc.db.models import MRZ_FIELDS, Document, DocumentStatus, FieldSource, Role
from docproc.db.repo import FieldValue
from docproc.db.session import make_engine, make_session_factory, migrate, session_scope
from docproc.keyring import Keyring, parse_keys
from docproc.processing.outcome import ReadOutcome
from docproc.processing.process import record_outcome
from tests.db.conftest import db_url, engine, factory, migrated_pg_url, session

__all__ = [
    "PASSPORT",
    "TEST_KEYS",
    "db_url",
    "engine",
    "factory",
    "migrated_pg_url",
    "new_birth_date",
    "new_number",
    "record_read",
    "review_fix",
    "sealed_factory",
    "sealed_url",
    "sealing_keyring",
    "session",
]

#: The key-encryption keys of the tests with sealed columns (a fixed test key, never a real one).
TEST_KEYS = "kek-test AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


def sealing_keyring() -> Keyring:
    return parse_keys(TEST_KEYS)


@pytest.fixture(params=["sqlite", "postgresql"])
def sealed_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database of its own (its data keys are made by the first sealed
    engine, so it is not shared with tests that store values in the clear)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sealed.db'}"
    else:
        url = str(request.getfixturevalue("make_pg_database")())
    migrate(url)
    return url


@pytest.fixture
def sealed_factory(sealed_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on ``sealed_url`` with the personal columns sealed by :data:`TEST_KEYS`."""
    engine = make_engine(sealed_url, keyring=sealing_keyring())
    yield make_session_factory(engine)
    engine.dispose()


# The PostgreSQL database lives for the whole test session: every test draws its own birth dates
# and document numbers so that no test matches another one's persons.
_DAYS = itertools.count(1)


def new_birth_date() -> str:
    return (date(1940, 1, 1) + timedelta(days=next(_DAYS))).isoformat()


def new_number() -> str:
    """A fresh document number of 9 characters with a digit in it. The search box reads a term
    without a digit as a name (docproc/casework/search.py), so eight hex characters alone failed
    one draw in about 2,560 (``NABCDEFAB``: a name, found by nobody's number)."""
    draw = uuid.uuid4()
    return f"N{draw.int % 10}{draw.hex[:7].upper()}"


#: The MRZ fields of a passport; tests override what they need.
PASSPORT: dict[str, str | None] = {
    "document_code": "P",
    "issuing_country": "AFG",
    "surname": "RAHIMI",
    "given_names": "MOHAMMAD ALI",
    "document_number": "P01234567",
    "nationality": "AFG",
    "birth_date": "1990-04-12",
    "sex": "M",
    "expiry_date": "2030-01-01",
    "optional_data": None,
    "optional_data_2": None,
}


def outcome_for(values: Mapping[str, str | None], status: DocumentStatus) -> ReadOutcome:
    fields = tuple(
        FieldValue(name, values.get(name), 0.97, FieldSource.mrz, 0, (10, 300, 600, 60))
        for name in MRZ_FIELDS
    ) + tuple(  # printed (viz.*), form (form.*) and entity (entity.*) fields as given
        FieldValue(
            name,
            value,
            0.8,
            FieldSource(name.split(".")[0].replace("entity", "ner")),
            0,
            None,
            f"Petugas Rudenim bertemu {value} di Tanjungpinang."
            if name.startswith("entity.")
            else None,
        )
        for name, value in values.items()
        if "." in name
    )
    return ReadOutcome(status, None, doc_type="TD3", pages=1, fields=fields, engine="test")


def review_fix(
    factory: sessionmaker[Session],
    document_id: uuid.UUID,
    edits: Mapping[str, str | None],
    sample_rate: float = 1.0,
) -> None:
    """A reviewer opens the document's review task, claims it and saves ``edits``."""
    reviewer = Principal(user_id="r", username="reviewer", role=Role.reviewer, via="token")
    with session_scope(factory) as session:
        document = session.get(Document, document_id)
        assert document is not None
        task = review.open_task_for(session, document, sample_rate)
        assert task is not None
        task_id = task.id
    with session_scope(factory) as session:
        review.claim(session, task_id, reviewer)
        decisions.fix(session, task_id, edits, reviewer)


def record_read(
    factory: sessionmaker[Session],
    status: DocumentStatus = DocumentStatus.done,
    source_key: str | None = None,
    batch_id: uuid.UUID | None = None,
    **overrides: str | None,
) -> uuid.UUID:
    """A new document, claimed and recorded as read with PASSPORT's fields and ``overrides``
    (a fresh document number unless one is given)."""
    values = {**PASSPORT, "document_number": new_number(), **overrides}
    sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    with session_scope(factory) as session:
        document, _ = repo.get_or_create_document(
            session,
            sha256=sha,
            source_key=source_key or f"originals/{sha[:2]}/{sha}",
            batch_id=batch_id,
        )
        document_id = document.id
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, document_id, "test-worker")
    with session_scope(factory) as session:
        stored = repo.get_document(session, document_id)
        assert stored is not None
        record_outcome(session, stored, outcome_for(values, status), actor="test-worker")
    return document_id
