"""Sealed columns: personal values encrypted by the application, and blind indexes over them.

With a key-encryption keyring configured (the one the store uses, :mod:`docproc.keyring`), the
columns typed :class:`SealedText` / :class:`SealedDate` hold ``enc:v1:<data key id>:<base64>``:
AES-256-GCM under a database data key, with the column's name as associated data (a value
copied into another column does not open). Without a keyring they hold the plain value, as
before; a plain value (a row from before encryption was turned on) always reads, and
``docproc keys seal`` converts such rows.

Equality needs a **blind index**: HMAC-SHA256 under a separate index key over the normalised
value, kept beside the sealed column (``persons.birth_date_index``, ``documents.number_index``,
one ``person_name_words`` row per name word). Without a keyring the same HMAC runs under a
fixed, public key (:data:`UNKEYED`): the column is then only a hash of a value stored in the
clear next to it, and queries keep one shape whatever the configuration.

The data keys themselves live in the ``data_keys`` table, wrapped by the current KEK
(:mod:`docproc.db.crypto` loads and rotates them). This module holds what the column types
need at bind time and nothing that touches a table, so the models can import it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

from docproc.errors import DocprocError, ExitCode
from docproc.keyring import EncryptionKeyError

__all__ = [
    "TAG",
    "UNKEYED",
    "BlindIndex",
    "ColumnCipher",
    "SealedDate",
    "SealedText",
    "ValueTampered",
    "blind_index_of",
    "cipher_of",
    "index_value",
    "is_sealed_value",
    "register_cipher",
]

TAG = "enc:v1:"
#: The HMAC key of blind indexes when no keyring is configured (public: not a secret).
UNKEYED = b"docproc-unkeyed-blind-index-v1"
_NONCE = 12


class ValueTampered(DocprocError):
    reason = "value_tampered"
    fix = (
        "A sealed database value does not open with its key: it was changed or copied from "
        "another column, or its data key is missing. Restore it from a "
        "backup; report it as a security incident."
    )
    exit_code = ExitCode.input_file
    http_status = 500


def is_sealed_value(value: str | None) -> bool:
    return value is not None and value.startswith(TAG)


def index_value(key: bytes, kind: str, value: str) -> str:
    """The blind index of a normalised ``value`` of ``kind`` (hex HMAC-SHA256 under ``key``)."""
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


@dataclass
class ColumnCipher:
    """The database's unwrapped data keys: ``values`` seals new values, ``keys`` opens any
    value (by the key id in its tag), ``index_key`` keys the blind indexes."""

    value_key_id: str
    keys: dict[str, bytes]
    index_key: bytes

    def seal(self, label: str, text: str) -> str:
        nonce = os.urandom(_NONCE)
        body = AESGCM(self.keys[self.value_key_id]).encrypt(nonce, text.encode(), label.encode())
        return f"{TAG}{self.value_key_id}:{base64.b64encode(nonce + body).decode()}"

    def open(self, label: str, stored: str) -> str:
        key_id, _, body = stored[len(TAG) :].partition(":")
        key = self.keys.get(key_id)
        if key is None:
            raise ValueTampered(f"no data key {key_id[:80]!r} for a sealed value of {label}")
        try:
            raw = base64.b64decode(body, validate=True)
            return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], label.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise ValueTampered(f"a sealed value of {label} does not open") from None


@dataclass(frozen=True)
class BlindIndex:
    """Blind index values for writing (:meth:`value`) and for looking up (:meth:`candidates`:
    the keyed value and, while rows from before sealing may remain, the unkeyed one)."""

    key: bytes | None

    @property
    def sealed(self) -> bool:
        """Whether values are sealed (then name search is by whole words, see search.py)."""
        return self.key is not None

    def value(self, kind: str, value: str) -> str:
        return index_value(self.key or UNKEYED, kind, value)

    def candidates(self, kind: str, value: str) -> list[str]:
        found = [self.value(kind, value)]
        if self.key is not None:
            found.append(index_value(UNKEYED, kind, value))
        return found


@dataclass
class _Slot:
    """A cipher registered for an engine's dialect, loaded on first need."""

    loader: Callable[[], ColumnCipher]
    cipher: ColumnCipher | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> ColumnCipher:
        if self.cipher is None:
            with self.lock:
                if self.cipher is None:
                    self.cipher = self.loader()
        return self.cipher


# One dialect object per engine: the column types find their engine's cipher through it.
_SLOTS: weakref.WeakKeyDictionary[Dialect, _Slot] = weakref.WeakKeyDictionary()


def register_cipher(dialect: Dialect, loader: Callable[[], ColumnCipher]) -> None:
    """Seal the columns of the engine whose dialect this is, with the cipher ``loader`` gives."""
    _SLOTS[dialect] = _Slot(loader)


def cipher_of(dialect: Dialect) -> ColumnCipher | None:
    slot = _SLOTS.get(dialect)
    return slot.get() if slot is not None else None


def blind_index_of(dialect: Dialect) -> BlindIndex:
    cipher = cipher_of(dialect)
    return BlindIndex(cipher.index_key if cipher is not None else None)


class _Sealed(TypeDecorator[Any]):
    """What both sealed types share: the label, ``TEXT`` storage, plain comparisons."""

    impl = Text
    cache_ok = True

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        return Text()

    def _sealed(self, text: str | None, dialect: Dialect) -> str | None:
        cipher = cipher_of(dialect) if text is not None else None
        return cipher.seal(self.label, text) if cipher is not None and text is not None else text


class SealedText(_Sealed):
    """Text sealed with the engine's cipher when one is registered (plain otherwise).

    ``label`` (``table.column``) is the associated data. Columns are ``TEXT`` (a sealed value
    is longer than the plain one). Comparing a sealed column with a literal compares the
    stored text: query by the blind index instead.
    """

    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return self._sealed(value, dialect)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return _opened(self.label, value, dialect)


class SealedDate(_Sealed):
    """A date kept as ``YYYY-MM-DD`` text, sealed like :class:`SealedText`."""

    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Dialect) -> str | None:
        return self._sealed(value.isoformat() if value is not None else None, dialect)

    def process_result_value(self, value: Any, dialect: Dialect) -> date | None:
        if isinstance(value, date):  # a DATE column not migrated yet
            return value
        opened = _opened(self.label, value, dialect)
        return date.fromisoformat(opened) if opened else None


def _opened(label: str, value: str | None, dialect: Dialect) -> str | None:
    if value is None or not value.startswith(TAG):
        return value
    cipher = cipher_of(dialect)
    if cipher is None:
        raise EncryptionKeyError(
            f"{label} holds sealed values but no key-encryption key is configured"
        )
    return cipher.open(label, value)
