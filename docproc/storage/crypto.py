"""Envelope encryption of stored objects (originals and derived artefacts).

Every object gets its own random 256-bit data key (DEK). The content is sealed with AES-256-GCM
under the DEK, with the object's storage key as associated data (an object copied under another
key does not open). The DEK is wrapped (AES-256-GCM) by a key-encryption key (KEK) from
``DOCPROC_ENCRYPTION_KEY_FILE`` or ``DOCPROC_ENCRYPTION_KEYS``, and the wrapped DEK travels in
the object's header::

    b"DPE1" | len(kek id) (1 byte) | kek id | wrap nonce (12) | wrapped DEK (48) | nonce (12) |
    AES-GCM(DEK, nonce, content, aad=storage key)

Rotation: put a new KEK first in the key list (new objects use it), keep the old ones for
reading, and run ``docproc keys rewrap``: each header's DEK is unwrapped with the old KEK and
wrapped again with the new one; the sealed content is copied as it is, never re-encrypted.
Then the old KEK can go.

The library is ``cryptography`` (pyca): AES-GCM from OpenSSL, nothing hand-rolled here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from docproc.errors import DocprocError, ExitCode
from docproc.keyring import EncryptionKeyError, Keyring, load_keyring, parse_keys
from docproc.storage.base import (
    DEFAULT_CONTENT_TYPE,
    DERIVED_PREFIX,
    ORIGINALS_PREFIX,
    ObjectStore,
    StoredObject,
    _check_original_content,
    _is_original,
    sha256_hex,
)

__all__ = [
    "MAGIC",
    "EncryptedStore",
    "EncryptionKeyError",
    "Keyring",
    "RewrapReport",
    "is_sealed",
    "load_keyring",
    "parse_keys",
    "rewrap_store",
]

MAGIC = b"DPE1"
_NONCE = 12
_WRAPPED = 32 + 16


class ObjectTampered(DocprocError):
    reason = "object_tampered"
    fix = (
        "The stored object does not open with its key: it was changed, moved or truncated. "
        "Restore it from a backup; report it as a security incident."
    )
    exit_code = ExitCode.input_file
    http_status = 500


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def _header(kek_id: str, kek: bytes, dek: bytes) -> bytes:
    wrap_nonce = os.urandom(_NONCE)
    wrapped = AESGCM(kek).encrypt(wrap_nonce, dek, b"docproc-dek:" + kek_id.encode())
    encoded = kek_id.encode()
    return MAGIC + bytes([len(encoded)]) + encoded + wrap_nonce + wrapped


def _split(data: bytes) -> tuple[str, bytes, bytes, int]:
    """(kek id, wrap nonce, wrapped DEK, offset of the content nonce)."""
    if len(data) < len(MAGIC) + 1:
        raise ObjectTampered("the object is shorter than its header")
    length = data[len(MAGIC)]
    start = len(MAGIC) + 1
    kek_id = data[start : start + length].decode("ascii", "replace")
    nonce_at = start + length
    wrapped_at = nonce_at + _NONCE
    end = wrapped_at + _WRAPPED
    if len(data) < end + _NONCE + 16:
        raise ObjectTampered("the object is shorter than its header")
    return kek_id, data[nonce_at:wrapped_at], data[wrapped_at:end], end


def _unwrap(keyring: Keyring, kek_id: str, wrap_nonce: bytes, wrapped: bytes) -> bytes:
    try:
        return AESGCM(keyring.kek(kek_id)).decrypt(
            wrap_nonce, wrapped, b"docproc-dek:" + kek_id.encode()
        )
    except InvalidTag:
        raise ObjectTampered(f"the data key does not unwrap with {kek_id!r}") from None


def seal(keyring: Keyring, key: str, data: bytes) -> bytes:
    """``data`` encrypted under a new data key, wrapped by the current KEK, bound to ``key``."""
    dek = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(_NONCE)
    body = AESGCM(dek).encrypt(nonce, data, key.encode())
    return _header(keyring.current, keyring.kek(keyring.current), dek) + nonce + body


def open_sealed(keyring: Keyring, key: str, data: bytes) -> bytes:
    kek_id, wrap_nonce, wrapped, end = _split(data)
    dek = _unwrap(keyring, kek_id, wrap_nonce, wrapped)
    try:
        return AESGCM(dek).decrypt(data[end : end + _NONCE], data[end + _NONCE :], key.encode())
    except InvalidTag:
        raise ObjectTampered(f"{key!r} does not decrypt: changed or moved") from None


def rewrapped(keyring: Keyring, data: bytes) -> bytes | None:
    """The same sealed object with its data key wrapped by the current KEK (None: already is)."""
    kek_id, wrap_nonce, wrapped, end = _split(data)
    if kek_id == keyring.current:
        return None
    dek = _unwrap(keyring, kek_id, wrap_nonce, wrapped)
    return _header(keyring.current, keyring.kek(keyring.current), dek) + data[end:]


class EncryptedStore:
    """An :class:`ObjectStore` that seals what it writes and opens what it reads.

    Objects without the header (files a scanner dropped in an inbox prefix, stores from before
    encryption was turned on) are read as they are; ``docproc keys rewrap`` seals those under
    ``originals/`` and ``derived/``.
    """

    def __init__(self, inner: ObjectStore, keyring: Keyring) -> None:
        self.inner = inner
        self.keyring = keyring

    def __repr__(self) -> str:
        return f"EncryptedStore({self.inner!r}, current key {self.keyring.current!r})"

    @property
    def bucket(self) -> str | None:
        bucket = getattr(self.inner, "bucket", None)
        return bucket if isinstance(bucket, str) else None

    def put(self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> StoredObject:
        if _is_original(key):
            return self.put_if_absent(key, data, content_type)[0]
        self.inner.put(key, seal(self.keyring, key, data), DEFAULT_CONTENT_TYPE)
        digest = sha256_hex(data)
        return StoredObject(key=key, size=len(data), sha256=digest, etag=digest)

    def put_if_absent(
        self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> tuple[StoredObject, bool]:
        digest = sha256_hex(data)
        if _is_original(key):
            _check_original_content(key, digest)
        existing = self.inner.stat(key)
        if existing is not None:
            return StoredObject(key, existing.size, digest, existing.etag), False
        self.inner.rewrite(key, seal(self.keyring, key, data), DEFAULT_CONTENT_TYPE, digest)
        return StoredObject(key=key, size=len(data), sha256=digest, etag=digest), True

    def get(self, key: str) -> bytes:
        data = self.inner.get(key)
        return open_sealed(self.keyring, key, data) if is_sealed(data) else data

    def stat(self, key: str) -> StoredObject | None:
        found = self.inner.stat(key)
        if found is None or _is_original(key):
            return found
        data = self.get(key)
        return StoredObject(key, len(data), sha256_hex(data), found.etag)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def list(self, prefix: str = "") -> Iterator[str]:
        return self.inner.list(prefix)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def erase(self, key: str) -> None:
        self.inner.erase(key)

    def rewrite(
        self, key: str, data: bytes, content_type: str, content_sha256: str
    ) -> StoredObject:
        return self.inner.rewrite(key, seal(self.keyring, key, data), content_type, content_sha256)

    def presigned_get_url(self, key: str, expires: timedelta | None = None) -> str | None:
        # A presigned URL would hand out ciphertext: callers stream through get() instead.
        return None


@dataclass
class RewrapReport:
    rewrapped: int = 0
    sealed: int = 0
    current: int = 0

    def to_json(self) -> dict[str, int]:
        return {"rewrapped": self.rewrapped, "sealed": self.sealed, "current": self.current}


def rewrap_store(store: EncryptedStore) -> RewrapReport:
    """Wrap every object's data key with the current KEK; seal objects stored in the clear.

    Only ``originals/`` and ``derived/`` (an inbox prefix belongs to the scanners). Idempotent.
    """
    report = RewrapReport()
    inner, keyring = store.inner, store.keyring
    for prefix in (ORIGINALS_PREFIX, DERIVED_PREFIX):
        for key in list(inner.list(prefix)):
            data = inner.get(key)
            if is_sealed(data):
                fresh = rewrapped(keyring, data)
                if fresh is None:
                    report.current += 1
                    continue
                digest = key.rsplit("/", 1)[1] if _is_original(key) else sha256_hex(data)
                inner.rewrite(key, fresh, DEFAULT_CONTENT_TYPE, digest)
                report.rewrapped += 1
            else:
                inner.rewrite(key, seal(keyring, key, data), DEFAULT_CONTENT_TYPE, sha256_hex(data))
                report.sealed += 1
    return report
