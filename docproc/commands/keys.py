"""``docproc keys new|rewrap``: key-encryption keys for encryption at rest."""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("keys", help="make a key-encryption key, or re-wrap stored objects")
    actions = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    new = actions.add_parser("new", help="print a new key entry ('id base64-key') for the key file")
    new.add_argument("id", help="the key's id, e.g. kek-2026-12")
    new.set_defaults(func=run_new)
    rewrap = actions.add_parser(
        "rewrap",
        help="wrap every object's data key with the current key (and seal unencrypted objects)",
    )
    rewrap.set_defaults(func=run_rewrap)


def run_new(args: argparse.Namespace) -> int:
    sys.stdout.write(f"{args.id} {base64.b64encode(os.urandom(32)).decode()}\n")
    return 0


def run_rewrap(args: argparse.Namespace) -> int:
    from docproc.config import get_settings
    from docproc.storage import store_from_settings
    from docproc.storage.crypto import EncryptedStore, EncryptionKeyError, rewrap_store

    store = store_from_settings(get_settings())
    if not isinstance(store, EncryptedStore):
        raise EncryptionKeyError("no key-encryption key is configured")
    sys.stdout.write(json.dumps(rewrap_store(store).to_json()) + "\n")
    return 0
