"""The audit trail's hash chain on SQLite and PostgreSQL: ``verify`` catches a changed, removed,
inserted or reordered event, even when whoever forged it dropped the append-only triggers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from docproc.db import repo
from docproc.db.audit import GENESIS, seal_events, verify_events
from docproc.db.session import make_engine, make_session_factory, migrate, session_scope
from tests.paths import REPO

NOW = timedelta(0)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(
    request: pytest.FixtureRequest, tmp_path: Path, make_pg_database: Callable[[], str]
) -> Iterator[tuple[str, Engine]]:
    """A database of its own: these tests forge rows."""
    url = f"sqlite:///{tmp_path / 'audit.db'}" if request.param == "sqlite" else make_pg_database()
    migrate(url)
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


def _events(factory: sessionmaker[Session], count: int) -> None:
    with session_scope(factory) as session:
        for i in range(count):
            repo.record_event(
                session,
                entity_type="document",
                entity_id=f"doc-{i}",
                kind="status_changed",
                actor="worker",
                old="queued",
                new="processing",
                detail={"attempt": i, "score": 0.93},
            )


def _forge(engine: Engine, *statements: str) -> None:
    """Change events behind the application's back, as someone with write access could."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")
        for statement in statements:
            conn.exec_driver_sql(statement)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER USER")


def _sealed(fresh: tuple[str, Engine], count: int = 6) -> sessionmaker[Session]:
    factory = make_session_factory(fresh[1])
    _events(factory, count)
    with session_scope(factory) as session:
        report = seal_events(session, settle=NOW)
    assert report.sealed == count and report.head != GENESIS
    return factory


def _problems(factory: sessionmaker[Session]) -> list[tuple[int, str]]:
    with session_scope(factory) as session:
        report = verify_events(session)
    return [(p["event_id"], p["problem"]) for p in report.problems]


def _ids(factory: sessionmaker[Session]) -> list[int]:
    with session_scope(factory) as session:
        return [int(i) for (i,) in session.execute(text("SELECT id FROM events ORDER BY id"))]


def test_an_intact_trail_verifies_and_new_events_are_an_unsealed_tail(
    fresh: tuple[str, Engine],
) -> None:
    factory = _sealed(fresh)
    _events(factory, 2)
    with session_scope(factory) as session:
        report = verify_events(session)
        assert report.ok and report.sealed == 6 and report.unsealed_tail == 2
        head = report.head
        # sealing is incremental and picks up exactly where it stopped
        assert seal_events(session, settle=timedelta(hours=1)).sealed == 0
        assert seal_events(session, settle=NOW).sealed == 2
    with session_scope(factory) as session:
        again = verify_events(session, head=head)
        assert again.ok is False and again.head_matches is False  # the head moved on
        assert verify_events(session, head=again.head).ok


def test_verify_catches_a_changed_event(fresh: tuple[str, Engine]) -> None:
    factory = _sealed(fresh)
    third = _ids(factory)[2]
    _forge(fresh[1], f"UPDATE events SET actor = 'someone-else' WHERE id = {third}")
    assert _problems(factory) == [(third, "changed")]


def test_verify_catches_a_removed_event(fresh: tuple[str, Engine]) -> None:
    factory = _sealed(fresh)
    second = _ids(factory)[1]
    _forge(fresh[1], f"DELETE FROM events WHERE id = {second}")
    assert _problems(factory) == [(second, "removed")]


def test_verify_catches_reordered_events(fresh: tuple[str, Engine]) -> None:
    factory = _sealed(fresh)
    a, b = _ids(factory)[1:3]
    # swap the two rows' contents: every value is still there, in another order
    _forge(
        fresh[1],
        f"UPDATE events SET entity_id = 'swap' WHERE id = {a}",
        f"UPDATE events SET entity_id = 'doc-1' WHERE id = {b}",
        f"UPDATE events SET entity_id = 'doc-2' WHERE id = {a}",
    )
    assert _problems(factory) == [(a, "changed"), (b, "changed")]


def test_verify_catches_an_inserted_event(fresh: tuple[str, Engine]) -> None:
    factory = _sealed(fresh)
    _forge(
        fresh[1],
        "INSERT INTO events (id, entity_type, entity_id, kind, actor, at) "
        "VALUES (0, 'document', 'x', 'viewed', 'nobody', '2026-01-01 00:00:00')",
    )
    assert _problems(factory) == [(0, "inserted")]


def test_the_seals_themselves_are_append_only(fresh: tuple[str, Engine]) -> None:
    factory = _sealed(fresh, 2)
    with pytest.raises(DBAPIError), fresh[1].begin() as conn:
        conn.exec_driver_sql("UPDATE event_seals SET hash = 'x'")
    with pytest.raises(DBAPIError), fresh[1].begin() as conn:
        conn.exec_driver_sql("DELETE FROM event_seals")
    assert _problems(factory) == []


def test_the_audit_command_seals_and_verifies(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "DOCPROC_DATA_DIR": str(tmp_path),
    }
    url = f"sqlite:///{(tmp_path / 'docproc.db').resolve()}"
    migrate(url)
    engine = make_engine(url)
    try:
        _events(make_session_factory(engine), 3)
    finally:
        engine.dispose()

    def docproc(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "docproc.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    sealed = docproc("audit", "seal", "--settle", "0")
    assert sealed.returncode == 0, sealed.stderr
    assert '"sealed": 3' in sealed.stdout
    assert docproc("audit", "verify").returncode == 0
    engine = make_engine(url)
    try:
        _forge(engine, "UPDATE events SET kind = 'forged' WHERE id = 2")
    finally:
        engine.dispose()
    verified = docproc("audit", "verify")
    assert verified.returncode == 1
    assert '"event_id": 2, "problem": "changed"' in verified.stdout
