"""Settings -> the store and the case database, opened once by a command or a process.

The composition root of the faces (``docproc`` commands and the web app): what they share is
built here from :class:`~docproc.config.Settings`, and handed down.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from docproc.config import Settings, get_settings
from docproc.storage import ObjectStore


@dataclass(frozen=True)
class Services:
    """The store and database of a settings object, opened once by a command or a process."""

    store: ObjectStore
    store_url: str
    session_factory: sessionmaker[Session]
    database_url: str

    @property
    def engine(self) -> Engine:
        """The engine the sessions are bound to."""
        bind: Engine = self.session_factory.kw["bind"]
        return bind


def open_services(settings: Settings | None = None, *, migrate: bool = False) -> Services:
    """Open the configured store and database (migrating it to head first if asked).

    The installation's form definitions are checked first: a malformed one refuses the start
    (``FormDefinitionInvalid``) before the store or the database is touched."""
    from docproc.db.session import make_engine, make_session_factory
    from docproc.db.session import migrate as migrate_database
    from docproc.keyring import keyring_from_settings
    from docproc.reading.extract.schema import shipped_schema
    from docproc.storage import store_from_settings

    settings = settings or get_settings()
    if settings.extract == "full":
        shipped_schema(settings.form_definitions_dir)
    store_url = settings.resolved_storage_url()
    database_url = settings.resolved_database_url()
    if migrate:
        migrate_database(database_url)
    store = store_from_settings(settings)
    factory = make_session_factory(
        make_engine(database_url, keyring=keyring_from_settings(settings))
    )
    return Services(store, store_url, factory, database_url)
