"""Sealed personal columns on SQLite and PostgreSQL: with encryption on, no table (nor the
SQLite file) holds a name, a document number or a date of birth, yet the matcher links the
second scan of a passport to its person and the desk search finds people by name word,
number and birth date; key rotation re-wraps the data keys; rows stored before encryption
are sealed by ``seal_database`` (idempotent); a value needs its key and its own column."""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import cases, documents, second_factor, totp
from docproc.casework.auth import Principal, create_user
from docproc.casework.search import SearchTerms
from docproc.db.crypto import rewrap_data_keys, seal_database
from docproc.db.models import (
    DataKey,
    Document,
    DocumentStatus,
    MatchStatus,
    Person,
    PersonMatch,
    Role,
    User,
)
from docproc.db.sealed import ValueTampered
from docproc.db.session import make_engine, make_session_factory, session_scope
from docproc.keyring import EncryptionKeyError, parse_keys
from tests.casework.conftest import (
    TEST_KEYS,
    record_read,
    review_fix,
    sealed_factory,
    sealed_url,
    sealing_keyring,
)
from tests.casework.test_erasure import _database_text

__all__ = ["sealed_factory", "sealed_url"]

SUPERVISOR = Principal(str(uuid.uuid4()), "supervisor", Role.supervisor, "session")
SURNAME, GIVEN, BORN, NUMBER = "KARIMZADEH", "ZAHRA", "1987-06-05", "P7731902"


def _dump(factory: sessionmaker[Session]) -> str:
    """Every row of every table, as raw SQL returns it (what a database dump shows)."""
    return _database_text(factory).upper()


def _sqlite_bytes(factory: sessionmaker[Session]) -> bytes:
    bind = factory.kw["bind"]
    if bind.dialect.name != "sqlite":
        return b""
    path = Path(bind.url.database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()).upper()


def _clear_values(haystack: str | bytes) -> set[str]:
    text = haystack.decode("latin-1") if isinstance(haystack, bytes) else haystack
    return {
        needle
        for needle in (SURNAME, GIVEN, NUMBER, BORN, "05.06.1987", "870605")
        if needle in text
    }


def _person_of(factory: sessionmaker[Session], document_id: uuid.UUID) -> uuid.UUID:
    with session_scope(factory) as session:
        document = session.get(Document, document_id)
        assert document is not None and document.person_id is not None
        return document.person_id


def _found(factory: sessionmaker[Session], terms: SearchTerms) -> set[uuid.UUID]:
    with session_scope(factory) as session:
        return {uuid.UUID(p.id) for p in cases.find_persons(session, SUPERVISOR, terms=terms)}


def _documents_found(factory: sessionmaker[Session], terms: SearchTerms) -> set[uuid.UUID]:
    with session_scope(factory) as session:
        page = documents.list_documents(
            session, SUPERVISOR, documents.DocumentFilters(terms=terms), page_size=100
        )
        return {uuid.UUID(row.id) for row in page.rows}


def _read(factory: sessionmaker[Session], **values: str | None) -> uuid.UUID:
    fields: dict[str, str | None] = {
        "surname": SURNAME,
        "given_names": GIVEN,
        "birth_date": BORN,
        "document_number": NUMBER,
        **values,
    }
    return record_read(factory, DocumentStatus.done, None, None, **fields)


def test_sealed_rows_hold_no_personal_value_yet_match_and_search(
    sealed_factory: sessionmaker[Session],
) -> None:
    factory = sealed_factory
    first = _read(factory, **{"entity.PERSON.0": f"{GIVEN} {SURNAME}"})  # with its sentence
    second = _read(factory)  # the same passport scanned again
    alike = _read(factory, surname="KARIMZADE", document_number="P0000001")
    other = _read(
        factory,
        surname="NAZARI",
        given_names="ALI",
        birth_date="1990-01-01",
        document_number="P0000002",
    )
    person = _person_of(factory, first)
    assert _person_of(factory, second) == person
    lookalike = _person_of(factory, alike)
    assert lookalike != person
    with session_scope(factory) as session:
        (match,) = session.scalars(select(PersonMatch).where(PersonMatch.person_b_id == lookalike))
        assert match.person_a_id == person and match.status == MatchStatus.pending
        record = session.get(Person, person)
        assert record is not None
        assert (record.surname, record.given_names) == (SURNAME, GIVEN)
        assert record.date_of_birth is not None and record.date_of_birth.isoformat() == BORN
        document = session.get(Document, first)
        assert document is not None and document.document_number == NUMBER

    # A reviewer's fix: its old and new values are sealed in the review history too.
    review_fix(factory, first, {"given_names": f"{GIVEN} MARYAM"})

    dumped = _dump(factory)
    assert _clear_values(dumped) == set()
    assert "MARYAM" not in dumped and "ENC:V1:DB-VALUES:" in dumped
    assert _clear_values(_sqlite_bytes(factory)) == set()

    # The desk search: name words (whole words), the number, the birth date; persons and
    # documents alike.
    both = {person, lookalike}
    assert _found(factory, SearchTerms.parse("karimzadeh")) == {person}
    assert _found(factory, SearchTerms.parse("Zahra Karimzadeh")) == {person}
    assert _found(factory, SearchTerms.parse("zahra")) == both
    assert _found(factory, SearchTerms.parse("karimz")) == set()  # a part of a word: no
    assert _found(factory, SearchTerms.parse(NUMBER.lower())) == {person}
    assert _found(factory, SearchTerms.of(document_number=NUMBER)) == {person}
    assert _found(factory, SearchTerms.parse("05.06.1987")) == both
    assert _found(factory, SearchTerms.of(name="zahra", birth_date=BORN)) == both
    assert _documents_found(factory, SearchTerms.parse(NUMBER)) == {first, second}
    assert _documents_found(factory, SearchTerms.parse("karimzadeh zahra")) == {first, second}
    assert _documents_found(factory, SearchTerms.parse(BORN)) == {first, second, alike}
    assert _person_of(factory, other) not in _found(factory, SearchTerms.parse("zahra"))


def test_rotation_rewraps_the_data_keys_and_the_old_key_can_go(sealed_url: str) -> None:
    old = sealing_keyring()
    first = make_engine(sealed_url, keyring=old)
    try:
        document_id = _read(make_session_factory(first))
    finally:
        first.dispose()
    new_line = f"kek-new {base64.b64encode(os.urandom(32)).decode()}"
    rotated = make_engine(sealed_url, keyring=parse_keys(f"{new_line}\n{TEST_KEYS}"))
    try:
        with session_scope(make_session_factory(rotated)) as session:
            counts = rewrap_data_keys(session, parse_keys(f"{new_line}\n{TEST_KEYS}"))
            assert counts == {"rewrapped": 2, "current": 0}
            values = session.scalars(select(Person.surname)).all()
            assert values == [SURNAME]
        with session_scope(make_session_factory(rotated)) as session:
            again = rewrap_data_keys(session, parse_keys(f"{new_line}\n{TEST_KEYS}"))
            assert again == {"rewrapped": 0, "current": 2}
            assert {k.kek_id for k in session.scalars(select(DataKey))} == {"kek-new"}
    finally:
        rotated.dispose()
    only_new = make_engine(sealed_url, keyring=parse_keys(new_line))
    try:
        factory = make_session_factory(only_new)
        assert _person_of(factory, document_id) in _found(factory, SearchTerms.parse(NUMBER))
        with session_scope(factory) as session:
            document = session.get(Document, document_id)
            assert document is not None and document.document_number == NUMBER
    finally:
        only_new.dispose()
    with pytest.raises(EncryptionKeyError):  # the old key alone no longer opens the data keys
        make_engine(sealed_url, keyring=old)


def test_rows_from_before_encryption_read_match_and_are_sealed_once(sealed_url: str) -> None:
    plain_engine = make_engine(sealed_url)  # encryption off, as before
    try:
        plain = make_session_factory(plain_engine)
        first = _read(plain)
        assert _clear_values(_dump(plain)) >= {SURNAME, NUMBER, BORN}
    finally:
        plain_engine.dispose()
    engine = make_engine(sealed_url, keyring=sealing_keyring())
    try:
        factory = make_session_factory(engine)
        person = _person_of(factory, first)
        # Before sealing: the plain rows read, are found, and a new scan matches them.
        assert _found(factory, SearchTerms.parse("karimzadeh")) == {person}
        assert _found(factory, SearchTerms.parse(BORN)) == {person}
        second = _read(factory)
        assert _person_of(factory, second) == person
        with session_scope(factory) as session:
            report = seal_database(session)
        assert report.rows["persons"] == 1 and report.rows["documents"] == 1
        assert report.rows["extraction_fields"] >= 5
        with session_scope(factory) as session:
            assert set(seal_database(session).rows.values()) == {0}
        assert _clear_values(_dump(factory)) == set()
        # After sealing: found by the keyed indexes, matched, read.
        assert _found(factory, SearchTerms.parse("karimzadeh")) == {person}
        assert _found(factory, SearchTerms.parse(BORN)) == {person}
        assert _documents_found(factory, SearchTerms.parse(NUMBER)) == {first, second}
        assert _person_of(factory, _read(factory)) == person
    finally:
        engine.dispose()


def test_a_sealed_value_needs_its_key_and_its_own_column(sealed_url: str) -> None:
    engine = make_engine(sealed_url, keyring=sealing_keyring())
    try:
        factory = make_session_factory(engine)
        document_id = _read(factory)
        person = _person_of(factory, document_id)
        with session_scope(factory) as session:
            session.execute(
                text("UPDATE persons SET given_names = surname WHERE id = :id"),
                {"id": person.hex if engine.dialect.name == "sqlite" else person},
            )
        with session_scope(factory) as session, pytest.raises(ValueTampered):
            session.get(Person, person)
    finally:
        engine.dispose()
    keyless = make_engine(sealed_url)
    try:
        with (
            session_scope(make_session_factory(keyless)) as session,
            pytest.raises(EncryptionKeyError),
        ):
            session.get(Document, document_id)
    finally:
        keyless.dispose()


def test_a_second_factor_secret_is_sealed(sealed_factory: sessionmaker[Session]) -> None:
    secret = totp.new_secret()
    name = f"u-{uuid.uuid4().hex[:8]}"
    with session_scope(sealed_factory) as session:
        user = create_user(session, name, "correct horse battery", Role.reviewer, actor="test")
        second_factor.enrol(session, user, secret, totp.code_at(secret, totp.step_of()), actor=name)
    assert secret not in _dump(sealed_factory)
    assert secret.encode() not in _sqlite_bytes(sealed_factory)
    with session_scope(sealed_factory) as session:
        stored = session.scalars(select(User).where(User.username == name)).one()
        assert stored.totp_secret == secret  # it opens with the key


def test_an_engine_sealed_and_let_go_is_not_kept(sealed_url: str) -> None:
    """The cipher registry is keyed weakly by each engine's dialect: once an engine is disposed
    of and dropped, its entry (and the engine, with its pool) goes too. SQLAlchemy's own
    statement cache may keep the last one until another takes its place: never more."""
    import gc

    from docproc.db import sealed

    gc.collect()
    before = len(sealed._SLOTS)
    for _ in range(4):
        engine = make_engine(sealed_url, keyring=sealing_keyring())
        assert sealed.cipher_of(engine.dialect) is not None
        engine.dispose()
        del engine
    gc.collect()
    assert len(sealed._SLOTS) <= before + 1
