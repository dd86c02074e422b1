"""Engines, sessions, migrations and the database error family.

URLs: ``postgresql://user@host/db`` (the psycopg 3 driver is chosen for you) or
``sqlite:///path/to/docproc.db`` (the embedded default).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from docproc.db import crypto  # registers the blind indexes' flush hook
from docproc.errors import DocprocError, ExitCode
from docproc.keyring import Keyring

__all__ = [
    "DatabaseError",
    "DatabaseMisconfigured",
    "DatabaseUnavailable",
    "alembic_config",
    "database_errors",
    "make_engine",
    "make_session_factory",
    "migrate",
    "normalise_url",
    "scrub_after_erasure",
    "session_scope",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseError(DocprocError):
    reason = "database_error"
    fix = "Check the database log; run `docproc doctor` to test the connection."
    exit_code = ExitCode.service_unavailable


class DatabaseUnavailable(DatabaseError):
    """The database could not be reached, or the connection dropped; this may pass."""

    reason = "database_unavailable"
    fix = (
        "The case database is down or unreachable; check that it runs and DOCPROC_DATABASE_URL, "
        "then retry."
    )
    retryable = True
    http_status = 503


class DatabaseMisconfigured(DatabaseError):
    reason = "database_misconfigured"
    fix = "Check DOCPROC_DATABASE_URL (postgresql://user@host:5432/db or sqlite:///path.db)."
    exit_code = ExitCode.bad_arguments


def normalise_url(url: str) -> str:
    """Pick the installed psycopg 3 driver for plain ``postgresql://`` URLs."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseMisconfigured(f"not a database URL: {exc}") from exc
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.get_backend_name() not in {"postgresql", "sqlite"}:
        raise DatabaseMisconfigured(f"unsupported database {parsed.drivername!r}")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, keyring: Keyring | None = None, **kwargs: Any) -> Engine:
    """An engine with docproc's settings for the backend.

    With ``keyring`` (the settings' key-encryption keys), personal columns are sealed
    (:mod:`docproc.db.sealed`); without one they are stored in the clear.

    On SQLite: the file ``0600`` (folders made for it ``0700``), foreign keys on, secure delete,
    WAL journal, a busy timeout, and ``BEGIN IMMEDIATE`` for every transaction so that
    concurrent writers queue instead of failing with "database is locked".
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_sqlite_file(Path(parsed.database))
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(url, **kwargs)
    if keyring is not None:
        crypto.install_cipher(engine, keyring)
    return engine


def _private_sqlite_file(path: Path) -> None:
    """Make the database file ``0600`` (its WAL and shared-memory files take the same mode) and
    any folder created for it ``0700``: it holds names, dates of birth and password hashes."""
    missing = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=0o700, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    with contextlib.suppress(PermissionError):  # a file owned by someone else: leave it
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if name.exists() and name.stat().st_mode & 0o077:
                name.chmod(0o600)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so SAVEPOINT and BEGIN work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, so an erasure leaves no bytes in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """Turn connection-level failures into :class:`DatabaseUnavailable`."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseUnavailable(f"database unreachable: {exc.orig or exc}") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseUnavailable(f"database connection lost: {exc.orig or exc}") from exc
        raise


@contextlib.contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any exception."""
    with database_errors(), factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` that needs no alembic.ini on disk."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's config is an INI parser: '%' must be doubled.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (default: the newest)."""
    engine = make_engine(url)
    try:
        with database_errors(), engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def scrub_after_erasure(engine: Engine) -> None:
    """Push erased rows out of places a plain DELETE leaves them in (after the commit).

    SQLite: checkpoint the WAL and truncate it (secure delete already zeroed the pages).
    PostgreSQL: VACUUM the tables erasure deletes from, so the dead row versions' space is
    reclaimed; the bytes may stay on disk until reused (docs/security.md says what that means).
    """
    if engine.dialect.name == "sqlite":
        # Outside any transaction (the engine's own BEGIN IMMEDIATE would hold the checkpoint).
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return
    with database_errors(), engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in _ERASED_TABLES:
            connection.exec_driver_sql(f"VACUUM {table}")


#: Tables erasure deletes rows from (docproc/casework/erasure.py).
_ERASED_TABLES = (
    "person_name_words",
    "extraction_fields",
    "extractions",
    "review_history",
    "review_tasks",
    "person_matches",
    "case_persons",
    "documents",
    "persons",
)
