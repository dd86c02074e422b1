"""Erasure on SQLite and PostgreSQL, with a folder store and a real S3 server (SeaweedFS):
after erasing a person no byte of their scans, names or document number is left in the store's
files or the database's tables (and, on SQLite, in the raw database file)."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework.auth import Principal
from docproc.casework.erasure import (
    ERASURE_REASONS,
    BadErasure,
    LegalHold,
    erase_document,
    erase_person,
    set_legal_hold,
)
from docproc.casework.review import NotFound
from docproc.commands.erase import ERASURE_REASONS as CLI_REASONS
from docproc.db import repo
from docproc.db.models import Document, DocumentStatus, Event, Person, PersonNameWord, Role
from docproc.db.session import scrub_after_erasure, session_scope
from docproc.processing.process import record_outcome
from docproc.storage import LocalStore, ObjectStore, S3Store, derived_key, put_original
from docproc.storage.crypto import EncryptedStore
from tests.casework.conftest import (
    PASSPORT,
    new_birth_date,
    new_number,
    outcome_for,
    review_fix,
    sealed_factory,
    sealed_url,
    sealing_keyring,
)
from tests.conftest import SeaweedServer
from tests.paths import REPO

__all__ = ["sealed_factory", "sealed_url"]

SAMPLE = REPO / "samples" / "images" / "03_td2_clean.jpg"
REVIEWER = Principal(user_id="r", username="reviewer", role=Role.reviewer, via="token")


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "folder":
        return LocalStore(tmp_path / "objects")
    server: SeaweedServer = request.getfixturevalue("seaweed_s3")
    return S3Store(
        server.endpoint,
        server.access_key,
        server.secret_key,
        f"erasure-{uuid.uuid4().hex[:12]}",
        secure=False,
        connect_timeout=2,
        read_timeout=10,
        retries=1,
    )


def _surname() -> str:
    # Unique per test: the PostgreSQL database is shared by the whole session.
    return "ZQ" + uuid.uuid4().hex[:10].upper().translate(str.maketrans("0123456789", "GHJKLMNPRS"))


def _scan(
    store: ObjectStore, factory: sessionmaker[Session], surname: str, number: str, born: str
) -> uuid.UUID:
    """A stored scan (the sample JPEG with the person's name and number in its bytes), read,
    linked to its person, with a derived artefact and a reviewer's fix."""
    data = SAMPLE.read_bytes() + f"{surname}<<{number}<<{uuid.uuid4().hex}".encode()
    stored, _ = put_original(store, data, "image/jpeg")
    with session_scope(factory) as session:
        document, _ = repo.get_or_create_document(
            session,
            sha256=hashlib.sha256(data).hexdigest(),
            source_key=stored.key,
            filename=f"{surname.lower()}_passport.jpg",
        )
        document_id = document.id
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, document_id, "test-worker")
    values = {**PASSPORT, "surname": surname, "document_number": number, "birth_date": born}
    with session_scope(factory) as session:
        read = session.get(Document, document_id)
        assert read is not None
        record_outcome(session, read, outcome_for(values, DocumentStatus.needs_review), actor="w")
    store.put(
        derived_key(document_id, "mrz.json"),
        json.dumps({"surname": surname, "number": number}).encode(),
        "application/json",
    )
    review_fix(factory, document_id, {"given_names": f"{surname} JUNIOR"}, sample_rate=0.0)
    return document_id


def _store_bytes(store: ObjectStore) -> bytes:
    if isinstance(store, LocalStore):
        return b"".join(p.read_bytes() for p in store.root.rglob("*") if p.is_file())
    return b"".join(store.get(key) for key in store.list(""))


def _database_text(factory: sessionmaker[Session]) -> str:
    """Every row of every table, as text (what a dump of the database would show)."""
    with session_scope(factory) as session:
        tables = inspect(session.get_bind()).get_table_names()
        return "\n".join(
            repr(tuple(row))
            for table in tables
            for row in session.execute(text(f'SELECT * FROM "{table}"'))
        )


def _sqlite_files(factory: sessionmaker[Session]) -> bytes:
    bind = factory.kw["bind"]
    if bind.dialect.name != "sqlite":
        return b""
    path = Path(bind.url.database)
    return b"".join(
        p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def _traces(haystack: bytes | str, *needles: str) -> set[str]:
    """Which needles occur in the haystack, in upper or lower case."""
    found = set()
    for needle in needles:
        for variant in (needle, needle.lower()):
            if isinstance(haystack, bytes):
                if variant.encode() in haystack:
                    found.add(needle)
            elif variant in haystack:
                found.add(needle)
    return found


def test_erasing_a_person_leaves_no_byte_of_them(
    store: ObjectStore, factory: sessionmaker[Session]
) -> None:
    surname, number, born = _surname(), new_number(), new_birth_date()
    other_surname, other_number = _surname(), new_number()
    first = _scan(store, factory, surname, number, born)
    second = _scan(store, factory, surname, number, born)  # a second scan of the same passport
    kept = _scan(store, factory, other_surname, other_number, new_birth_date())
    with session_scope(factory) as session:
        person_id = session.get(Document, first).person_id  # type: ignore[union-attr]
        assert person_id is not None
        assert session.get(Document, second).person_id == person_id  # type: ignore[union-attr]
        case = repo.create_case(session, reference=f"C-{uuid.uuid4().hex[:8]}", actor="desk")
        person = session.get(Person, person_id)
        assert person is not None
        repo.add_person_to_case(session, case, person, role="head", actor="desk")
    assert _traces(_store_bytes(store), surname, number) == {surname, number}
    assert _traces(_database_text(factory), surname, number) == {surname, number}

    with session_scope(factory) as session:
        report = erase_person(
            session,
            store,
            person_id,
            actor="admin",
            reason="data_subject_request",
            reference="REQ-2026/17",
        )
    scrub_after_erasure(factory.kw["bind"])

    assert report.counts["persons"] == 1 and report.counts["documents"] == 2
    assert report.counts["original_files"] == 2 and report.counts["derived_files"] >= 2
    assert report.counts["review_changes"] == 2 and report.counts["case_memberships"] == 1
    assert _traces(_store_bytes(store), surname, number) == set()
    assert _traces(_database_text(factory), surname, number) == set()
    assert _traces(_sqlite_files(factory), surname, number) == set()
    # The other person is untouched.
    assert _traces(_store_bytes(store), other_surname, other_number) == {
        other_surname,
        other_number,
    }
    with session_scope(factory) as session:
        assert session.get(Document, kept) is not None
        (tombstone,) = [
            e for e in repo.events_for(session, "person", person_id) if e.kind == "erased"
        ]
        assert tombstone.actor == "admin" and tombstone.detail is not None
        assert tombstone.detail["reason"] == "data_subject_request"
        assert tombstone.detail["reference"] == "REQ-2026/17"
        assert tombstone.detail["counts"] == report.counts
        assert sorted(tombstone.detail["documents"]) == sorted([str(first), str(second)])
        # the documents' own history is still there, as references
        kinds = {e.kind for e in repo.events_for(session, "document", first)}
        assert {"created", "extraction_saved", "field_corrected"} <= kinds
        with pytest.raises(NotFound):
            erase_person(session, store, person_id, actor="admin", reason="other")


def test_erasing_a_sealed_person_leaves_neither_values_nor_ciphertext(
    tmp_path: Path, sealed_factory: sessionmaker[Session]
) -> None:
    """With encryption at rest on (an encrypted folder store, sealed columns): nothing is in
    the clear before erasure, and after it not even the person's ciphertext is left."""
    factory = sealed_factory
    store = EncryptedStore(LocalStore(tmp_path / "objects"), sealing_keyring())
    surname, number, born = _surname(), new_number(), new_birth_date()
    first = _scan(store, factory, surname, number, born)
    second = _scan(store, factory, surname, number, born)
    kept = _scan(store, factory, _surname(), new_number(), new_birth_date())
    with session_scope(factory) as session:
        person_id = session.get(Document, first).person_id  # type: ignore[union-attr]
        assert person_id is not None
        assert session.get(Document, second).person_id == person_id  # type: ignore[union-attr]
        sealed = {
            str(value)
            for value in session.execute(
                text(
                    "SELECT surname, given_names, name_key, date_of_birth, birth_date_index "
                    "FROM persons WHERE id = :id"
                ),
                {"id": person_id.hex if _on_sqlite(factory) else person_id},
            ).one()
        }
    assert all(value.startswith("enc:v1:") for value in sealed if len(value) != 64)
    assert _traces(_store_bytes(store.inner), surname, number) == set()  # the raw files
    assert _traces(store.get(original_key_of(factory, first)), surname, number) == {
        surname,
        number,
    }
    before = _database_text(factory)
    assert _traces(before, surname, number, born) == set()
    assert all(value in before for value in sealed)

    with session_scope(factory) as session:
        report = erase_person(session, store, person_id, actor="admin", reason="retention")
    scrub_after_erasure(factory.kw["bind"])

    assert report.counts["persons"] == 1 and report.counts["documents"] == 2
    after = _database_text(factory)
    assert [value for value in sealed if value in after] == []
    raw = _sqlite_files(factory)
    assert [value for value in sealed if value.encode() in raw] == []
    with session_scope(factory) as session:
        assert (
            session.scalars(
                select(PersonNameWord).where(PersonNameWord.person_id == person_id)
            ).all()
            == []
        )
        assert session.get(Document, kept) is not None


def _on_sqlite(factory: sessionmaker[Session]) -> bool:
    return bool(factory.kw["bind"].dialect.name == "sqlite")


def original_key_of(factory: sessionmaker[Session], document_id: uuid.UUID) -> str:
    with session_scope(factory) as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document.source_key


def test_a_legal_hold_refuses_erasure(store: ObjectStore, factory: sessionmaker[Session]) -> None:
    surname, number = _surname(), new_number()
    document_id = _scan(store, factory, surname, number, new_birth_date())
    with session_scope(factory) as session:
        person_id = session.get(Document, document_id).person_id  # type: ignore[union-attr]
        assert person_id is not None
        set_legal_hold(session, "document", document_id, True, actor="admin")
    for erase, subject in ((erase_person, person_id), (erase_document, document_id)):
        with pytest.raises(LegalHold), session_scope(factory) as session:
            erase(session, store, subject, actor="admin", reason="retention")
    with session_scope(factory) as session:
        set_legal_hold(session, "document", document_id, False, actor="admin")
        set_legal_hold(session, "person", person_id, True, actor="admin")
    with pytest.raises(LegalHold), session_scope(factory) as session:
        erase_document(session, store, document_id, actor="admin", reason="retention")
    assert _traces(_store_bytes(store), surname, number) == {surname, number}
    with session_scope(factory) as session:
        kinds = [e.kind for e in repo.events_for(session, "person", person_id)]
        assert "legal_hold_set" in kinds and "erased" not in kinds
        set_legal_hold(session, "person", person_id, False, actor="admin")
    with session_scope(factory) as session:
        report = erase_document(session, store, document_id, actor="admin", reason="retention")
    assert report.counts["documents"] == 1
    with session_scope(factory) as session:
        # the person stays until erased themselves
        assert session.get(Person, person_id) is not None
        assert session.scalars(
            select(Event).where(Event.kind == "erased", Event.entity_id == str(document_id))
        ).one()


def test_erasure_needs_a_reason_code_and_a_safe_reference(
    store: ObjectStore, factory: sessionmaker[Session]
) -> None:
    assert CLI_REASONS == ERASURE_REASONS
    document_id = _scan(store, factory, _surname(), new_number(), new_birth_date())
    for reason, reference in (("because", None), ("other", "Mrs Rahimi asked")):
        with pytest.raises(BadErasure), session_scope(factory) as session:
            erase_document(
                session, store, document_id, actor="admin", reason=reason, reference=reference
            )
