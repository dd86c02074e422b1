"""Alembic environment for docproc's case database.

The URL comes from, in order: a connection handed over by ``docproc.db.session.migrate``,
``-x url=...`` on the alembic command line, ``sqlalchemy.url`` in the config, or the
``DOCPROC_DATABASE_URL`` environment variable.
"""

from __future__ import annotations

import logging.config
import os

from alembic import context
from sqlalchemy.engine import Connection

from docproc.db.models import Base
from docproc.db.session import DatabaseMisconfigured, make_engine, normalise_url

config = context.config
if config.config_file_name is not None:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("DOCPROC_DATABASE_URL")
    )
    if not url:
        raise DatabaseMisconfigured("give the database with -x url=... or DOCPROC_DATABASE_URL")
    return normalise_url(url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
