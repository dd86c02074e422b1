"""``docproc keys new|rewrap|seal``: key-encryption keys for encryption at rest."""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "keys", help="make a key-encryption key, re-wrap data keys, or seal the database"
    )
    actions = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    new = actions.add_parser("new", help="print a new key entry ('id base64-key') for the key file")
    new.add_argument("id", help="the key's id, e.g. kek-2026-12")
    new.set_defaults(func=run_new)
    rewrap = actions.add_parser(
        "rewrap",
        help="wrap every data key (store objects, the database's) with the current key, "
        "and seal unencrypted store objects",
    )
    rewrap.set_defaults(func=run_rewrap)
    seal = actions.add_parser(
        "seal",
        help="encrypt personal database values stored in the clear (rows from before "
        "encryption was on) and key their blind indexes; idempotent",
    )
    seal.set_defaults(func=run_seal)


def run_new(args: argparse.Namespace) -> int:
    sys.stdout.write(f"{args.id} {base64.b64encode(os.urandom(32)).decode()}\n")
    return 0


def run_rewrap(args: argparse.Namespace) -> int:
    from docproc.config import get_settings
    from docproc.db import repo
    from docproc.db.crypto import rewrap_data_keys
    from docproc.db.session import session_scope
    from docproc.keyring import EncryptionKeyError, keyring_from_settings
    from docproc.services import open_services
    from docproc.storage.crypto import EncryptedStore, rewrap_store

    settings = get_settings()
    keyring = keyring_from_settings(settings)
    if keyring is None:
        raise EncryptionKeyError("no key-encryption key is configured")
    services = open_services(settings, migrate=True)
    assert isinstance(services.store, EncryptedStore)
    report = rewrap_store(services.store).to_json()
    with session_scope(services.session_factory) as session:
        database = rewrap_data_keys(session, keyring)
        repo.record_event(
            session,
            entity_type="database",
            entity_id="keys",
            kind="keys_rewrapped",
            actor="cli",
            new=keyring.current,
            detail={"store": report, "database_keys": database},
        )
    sys.stdout.write(json.dumps({**report, "database_keys": database}) + "\n")
    return 0


def run_seal(args: argparse.Namespace) -> int:
    from docproc.config import get_settings
    from docproc.db import repo
    from docproc.db.crypto import seal_database
    from docproc.db.session import scrub_after_erasure, session_scope
    from docproc.services import open_services

    services = open_services(get_settings(), migrate=True)
    with session_scope(services.session_factory) as session:
        report = seal_database(session)
        repo.record_event(
            session,
            entity_type="database",
            entity_id="columns",
            kind="columns_sealed",
            actor="cli",
            detail=report.to_json(),
        )
    scrub_after_erasure(services.engine)  # the plain values' old row versions
    sys.stdout.write(json.dumps(report.to_json()) + "\n")
    return 0
