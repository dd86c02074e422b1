"""Engines, sessions, migrations and the database error family.

URLs: ``postgresql://user@host/db`` (the psycopg 3 driver is chosen for you) or
``sqlite:///path/to/docproc.db`` (the embedded default).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from docproc.errors import DocprocError, ExitCode

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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with docproc's settings for the backend.

    On SQLite: foreign keys on, WAL journal, a busy timeout, and ``BEGIN IMMEDIATE`` for every
    transaction so that concurrent writers queue instead of failing with "database is locked".
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so SAVEPOINT and BEGIN work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
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
