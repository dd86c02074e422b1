"""Migrations run from an empty database on both engines and match the models."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

import docproc.db.models  # noqa: F401  (the web app's tables share the metadata)
from docproc.db.models import Base
from docproc.db.sealed import BlindIndex
from docproc.db.session import (
    DatabaseMisconfigured,
    DatabaseUnavailable,
    alembic_config,
    make_engine,
    make_session_factory,
    migrate,
    normalise_url,
    session_scope,
)

TABLES = {
    "alembic_version",
    "api_tokens",
    "batches",
    "bulk_reads",
    "case_persons",
    "cases",
    "data_keys",
    "documents",
    "event_seals",
    "events",
    "extraction_fields",
    "extractions",
    "label_variants",
    "login_failures",
    "person_matches",
    "person_name_words",
    "persons",
    "review_history",
    "review_tasks",
    "sites",
    "user_sites",
    "users",
    "web_sessions",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, make_pg_database: Callable[[], str]
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return make_pg_database()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _head(url: str) -> str:
    """The newest revision: the one no other revision follows."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head is not None
    return head


def test_migrate_from_empty_is_idempotent_and_reversible(empty_url: str) -> None:
    assert _tables(empty_url) == set()
    migrate(empty_url)
    assert _tables(empty_url) == TABLES
    migrate(empty_url)  # already at head: nothing to do
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == _head(empty_url)
        with engine.begin() as conn:
            config = alembic_config(empty_url)
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
    finally:
        engine.dispose()
    assert _tables(empty_url) == {"alembic_version"}
    migrate(empty_url)
    assert _tables(empty_url) == TABLES


def test_models_match_the_migrations(empty_url: str) -> None:
    migrate(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_postgres_url_gets_the_psycopg_driver() -> None:
    assert normalise_url("postgresql://postgres@db/x").startswith("postgresql+psycopg://")
    with pytest.raises(DatabaseMisconfigured):
        normalise_url("mysql://db/x")
    with pytest.raises(DatabaseMisconfigured):
        normalise_url("not a url")


def test_unreachable_database_is_retryable() -> None:
    from tests.conftest import _free_ports

    (port,) = _free_ports(1)
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{port}/nothing")
    try:
        with (
            pytest.raises(DatabaseUnavailable) as info,
            session_scope(make_session_factory(engine)) as session,
        ):
            session.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert info.value.retryable
    with pytest.raises(DatabaseUnavailable):
        migrate(f"postgresql://postgres@127.0.0.1:{port}/nothing")


def test_upgrade_to_0003_keeps_persons_and_case_links(empty_url: str) -> None:
    """0003 adds columns without rebuilding persons (a rebuild would cascade into case_persons)
    and turns free-text case roles into the enumeration (unknown ones become ``other``)."""
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            config = alembic_config(empty_url)
            config.attributes["connection"] = conn
            command.upgrade(config, "0002")
        person_id, case_id = uuid.uuid4(), uuid.uuid4()
        now = datetime.now(UTC)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO persons (id, surname, given_names, created_at, updated_at) "
                    "VALUES (:id, 'A', 'B', :now, :now)"
                ),
                {"id": _uuid_param(empty_url, person_id), "now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO cases (id, reference, status, created_at, updated_at) "
                    "VALUES (:id, 'R-1', 'open', :now, :now)"
                ),
                {"id": _uuid_param(empty_url, case_id), "now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO case_persons (case_id, person_id, role, added_at) "
                    "VALUES (:c, :p, 'member', :now)"
                ),
                {
                    "c": _uuid_param(empty_url, case_id),
                    "p": _uuid_param(empty_url, person_id),
                    "now": now,
                },
            )
        migrate(empty_url)
        with engine.begin() as conn:
            assert conn.scalar(text("SELECT role FROM case_persons")) == "other"
            assert conn.scalar(text("SELECT name_key FROM persons")) == ""
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE case_persons SET role = 'boss'"))
    finally:
        engine.dispose()


def test_upgrade_to_0004_keeps_fields_and_accepts_form_fields_and_long_reasons(
    empty_url: str,
) -> None:
    """0004 replaces the field-source CHECK (rebuilding only extraction_fields on SQLite, which
    nothing references) and makes room for a 200-character status reason."""
    engine = make_engine(empty_url)
    document_id, extraction_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            config = alembic_config(empty_url)
            config.attributes["connection"] = conn
            command.upgrade(config, "0003")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO documents (id, sha256, source_key, media_type, status, attempts,"
                    " created_at, updated_at) VALUES (:id, :sha, 'originals/x', 'image/png',"
                    " 'done', 0, :now, :now)"
                ),
                {"id": _uuid_param(empty_url, document_id), "sha": "a" * 64, "now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO extractions (id, document_id, version, created_by, created_at,"
                    " source) VALUES (:id, :doc, 1, 'w', :now, 'mrz')"
                ),
                {
                    "id": _uuid_param(empty_url, extraction_id),
                    "doc": _uuid_param(empty_url, document_id),
                    "now": now,
                },
            )
            conn.execute(
                text(
                    "INSERT INTO extraction_fields (extraction_id, name, value, confidence,"
                    " source) VALUES (:e, 'surname', 'X', 0.9, 'mrz')"
                ),
                {"e": _uuid_param(empty_url, extraction_id)},
            )
        migrate(empty_url)
        reason = ",".join(f"mrz_viz_mismatch:field_{i}" for i in range(5))  # 139 characters
        with engine.begin() as conn:
            assert conn.scalar(text("SELECT count(*) FROM extractions")) == 1
            assert conn.scalar(text("SELECT value FROM extraction_fields")) == "X"
            conn.execute(
                text(
                    "INSERT INTO extraction_fields (extraction_id, name, value, source)"
                    " VALUES (:e, 'form.phone', '0812', 'form')"
                ),
                {"e": _uuid_param(empty_url, extraction_id)},
            )
            conn.execute(text("UPDATE documents SET status_reason = :r"), {"r": reason})
            assert conn.scalar(text("SELECT status_reason FROM documents")) == reason
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE extraction_fields SET source = 'guess'"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE extraction_fields SET confidence = 2"))
    finally:
        engine.dispose()


def _uuid_param(url: str, value: uuid.UUID) -> object:
    # sa.Uuid stores 32 hex digits on SQLite and a native uuid on PostgreSQL.
    return value.hex if url.startswith("sqlite") else value


def test_upgrade_to_0006_moves_reviewers_values_out_of_the_audit_trail(empty_url: str) -> None:
    """0006 copies the old and new values of ``field_corrected`` events into the erasable
    review history and clears them (and match notes) from the append-only events, which stay
    append-only afterwards; legal holds default to off."""
    engine = make_engine(empty_url)
    document_id = uuid.uuid4()
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            config = alembic_config(empty_url)
            config.attributes["connection"] = conn
            command.upgrade(config, "0004")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO documents (id, sha256, source_key, media_type, status, attempts,"
                    " created_at, updated_at) VALUES (:id, :sha, 'originals/x', 'image/png',"
                    " 'done', 0, :now, :now)"
                ),
                {"id": _uuid_param(empty_url, document_id), "sha": "b" * 64, "now": now},
            )
            insert = text(
                "INSERT INTO events (entity_type, entity_id, kind, old, new, actor, at, detail)"
                " VALUES (:type, :id, :kind, :old, :new, 'reviewer', :now, :detail)"
            )
            conn.execute(
                insert,
                {
                    "type": "document",
                    "id": str(document_id),
                    "kind": "field_corrected",
                    "old": "RAHMI",
                    "new": "RAHIMI",
                    "now": now,
                    "detail": '{"field": "surname", "version": 2, "task_id": 7}',
                },
            )
            conn.execute(
                insert,
                {
                    "type": "person_match",
                    "id": "3",
                    "kind": "merged",
                    "old": "pending",
                    "new": "merged",
                    "now": now,
                    "detail": '{"person_a": "x", "note": "Rahimi twins?"}',
                },
            )
        migrate(empty_url)
        with engine.begin() as conn:
            history = conn.execute(
                text("SELECT field, old_value, new_value, task_id, version FROM review_history")
            ).one()
            assert tuple(history) == ("surname", "RAHMI", "RAHIMI", 7, 2)
            events = conn.execute(text("SELECT old, new, detail FROM events ORDER BY id")).all()
            assert (events[0][0], events[0][1]) == (None, None)
            assert "Rahimi" not in str(events[1][2]) and "RAHIMI" not in str(events)
            assert conn.scalar(text("SELECT legal_hold FROM documents")) in (False, 0)
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text("UPDATE events SET actor = 'x'"))
    finally:
        engine.dispose()


def _to(url: str, engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as conn:
        config = alembic_config(url)
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def test_upgrade_to_0011_keeps_plain_rows_and_indexes_them(empty_url: str) -> None:
    """0011 turns the sealed columns into text (no rebuild of persons or documents on SQLite)
    and gives existing rows their (unkeyed) blind indexes; its downgrade gives the date back,
    and refuses once values are sealed."""
    engine = make_engine(empty_url)
    person_id, document_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    index = BlindIndex(None)
    try:
        _to(empty_url, engine, "0010")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO persons (id, surname, given_names, name_key, date_of_birth,"
                    " created_at, updated_at) VALUES (:id, 'RAHIMI', 'ALI', 'ali rahimi',"
                    " :born, :now, :now)"
                ),
                {"id": _uuid_param(empty_url, person_id), "born": date(1990, 4, 12), "now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO documents (id, sha256, source_key, media_type, status, attempts,"
                    " person_id, document_number, issuing_country, created_at, updated_at)"
                    " VALUES (:id, :sha, 'originals/x', 'image/png', 'done', 0, :person,"
                    " 'P0123', 'AFG', :now, :now)"
                ),
                {
                    "id": _uuid_param(empty_url, document_id),
                    "sha": "b" * 64,
                    "person": _uuid_param(empty_url, person_id),
                    "now": now,
                },
            )
        migrate(empty_url)
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT surname, date_of_birth, birth_date_index FROM persons")
            ).one()
            assert tuple(row) == ("RAHIMI", "1990-04-12", index.value("birth_date", "1990-04-12"))
            words = set(conn.scalars(text("SELECT word_index FROM person_name_words")))
            assert words == {index.value("name_word", w) for w in ("ali", "rahimi")}
            number_index = conn.scalar(text("SELECT number_index FROM documents"))
            assert number_index == index.value("document_number", "P0123")
        _to(empty_url, engine, "0010", down=True)
        with engine.begin() as conn:
            born = conn.scalar(text("SELECT date_of_birth FROM persons"))
            assert str(born) == "1990-04-12"
        migrate(empty_url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE persons SET surname = 'enc:v1:db-values:AAAA'"))
        with pytest.raises(RuntimeError, match="sealed values"):
            _to(empty_url, engine, "0010", down=True)
    finally:
        engine.dispose()
