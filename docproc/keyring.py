"""Key-encryption keys (KEKs): parsed from ``DOCPROC_ENCRYPTION_KEY_FILE`` or
``DOCPROC_ENCRYPTION_KEYS``, shared by the store's envelope encryption
(:mod:`docproc.storage.crypto`) and the database's sealed columns (:mod:`docproc.db.crypto`).

Entries are ``id base64-32-byte-key`` (lines or commas, ``#`` comments); the first is current:
it wraps new data keys, the others only unwrap old ones until ``docproc keys rewrap`` moved
everything to the current one.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path

from docproc.config import Settings
from docproc.errors import DocprocError, ExitCode

__all__ = [
    "EncryptionKeyError",
    "Keyring",
    "keyring_from_settings",
    "load_keyring",
    "parse_keys",
]

_KEK_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class EncryptionKeyError(DocprocError):
    reason = "encryption_key_error"
    fix = (
        "Check DOCPROC_ENCRYPTION_KEY_FILE / DOCPROC_ENCRYPTION_KEYS: lines 'id base64-key' with "
        "32-byte keys, the current key first, and every key that objects were written with."
    )
    exit_code = ExitCode.bad_arguments
    http_status = 500


@dataclass(frozen=True)
class Keyring:
    """Key-encryption keys by id; ``current`` wraps new data keys."""

    keys: dict[str, bytes]
    current: str

    def kek(self, kek_id: str) -> bytes:
        try:
            return self.keys[kek_id]
        except KeyError:
            raise EncryptionKeyError(f"no key-encryption key {kek_id!r} is configured") from None


def parse_keys(text: str) -> Keyring:
    """Keys from ``id base64key`` entries (lines or commas, ``#`` comments); first is current."""
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for raw in re.split(r"[\n,]", text):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        parts = entry.split()
        if len(parts) != 2 or not _KEK_ID.match(parts[0]):
            raise EncryptionKeyError("a key entry is not 'id base64-key'")
        try:
            key = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            raise EncryptionKeyError(f"key {parts[0]!r} is not base64") from None
        if len(key) != 32:
            raise EncryptionKeyError(f"key {parts[0]!r} is {len(key)} bytes, not 32")
        if parts[0] in keys:
            raise EncryptionKeyError(f"key id {parts[0]!r} appears twice")
        keys[parts[0]] = key
        order.append(parts[0])
    if not order:
        raise EncryptionKeyError("no key-encryption key given")
    return Keyring(keys, order[0])


def load_keyring(key_file: Path | None, keys: str | None) -> Keyring | None:
    """The keyring from a key file (``0600``, readable by docproc only) or a value; or None."""
    if key_file is not None:
        try:
            mode = key_file.stat().st_mode
            text = key_file.read_text("utf-8")
        except OSError as exc:
            raise EncryptionKeyError(f"cannot read the key file {key_file}: {exc}") from exc
        if mode & 0o077:
            raise EncryptionKeyError(f"the key file {key_file} is readable by others; chmod 600 it")
        return parse_keys(text)
    if keys:
        return parse_keys(keys)
    return None


def keyring_from_settings(settings: Settings) -> Keyring | None:
    """The settings' keyring, or None when encryption at rest is off."""
    return load_keyring(
        settings.encryption_key_file,
        settings.encryption_keys.get_secret_value() if settings.encryption_keys else None,
    )
