"""What every object store shares: the protocol, key layout, errors and content addressing."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, runtime_checkable

from docproc.errors import DocprocError, ExitCode

ORIGINALS_PREFIX = "originals/"
DERIVED_PREFIX = "derived/"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
ACCESS_KEY_ENV = "DOCPROC_S3_ACCESS_KEY"
SECRET_KEY_ENV = "DOCPROC_S3_SECRET_KEY"

_MAX_KEY_LENGTH = 1024
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=+@-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TMP_PREFIX = ".tmp-"
_MAX_PRESIGN = timedelta(days=7)
# S3 error codes that describe a passing condition on the server side.


# --------------------------------------------------------------------------------------- errors


class StorageError(DocprocError):
    """Object storage failed in a way that retrying will not fix."""

    reason = "storage_error"
    fix = "Check the object store's log; run `docproc doctor` to test the connection."
    exit_code = ExitCode.service_unavailable
    http_status = 500


class StorageUnavailable(StorageError):
    """The store could not be reached or answered with a server error; this may pass."""

    reason = "storage_unavailable"
    fix = (
        "The object store is down or overloaded; check that it runs and is reachable "
        "(DOCPROC_STORAGE_URL), then retry. Documents are retried automatically."
    )
    retryable = True
    http_status = 503


class StorageMisconfigured(StorageError):
    """The storage URL, credentials or permissions are wrong."""

    reason = "storage_misconfigured"
    fix = (
        "Check DOCPROC_STORAGE_URL (file:///path or s3://bucket?endpoint=host:port) and "
        "DOCPROC_S3_ACCESS_KEY / DOCPROC_S3_SECRET_KEY, and that the folder or bucket is writable."
    )
    exit_code = ExitCode.bad_arguments


class ObjectNotFound(StorageError):
    """No object is stored under the key."""

    reason = "object_not_found"
    fix = "The stored file is missing; upload the scan again or check the storage location."
    exit_code = ExitCode.input_file
    http_status = 404


class InvalidKey(StorageError):
    """A key that could escape the store or is not in the documented layout."""

    reason = "invalid_storage_key"
    fix = "This is a bug in the caller: build keys with original_key() or derived_key()."
    exit_code = ExitCode.internal
    http_status = 400


class ImmutableObject(StorageError):
    """An attempt to overwrite or delete an original, or to store an original under a wrong key."""

    reason = "immutable_object"
    fix = "Originals are never changed; store derived artefacts under derived_key() keys."
    exit_code = ExitCode.internal
    http_status = 409


# ---------------------------------------------------------------------------------- keys, types


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What the store holds under a key.

    ``sha256`` is the hex digest of the content; it is ``None`` only for objects written by
    another tool into an S3 bucket without docproc's checksum metadata. ``etag`` is opaque.
    """

    key: str
    size: int
    sha256: str | None
    etag: str


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative key, else raise :class:`InvalidKey`.

    Keys are ``/``-separated segments of ASCII letters, digits and ``._=+@-`` that do not start
    with a dot or dash: no absolute paths, no ``..``, no empty segments, no backslashes. Keys are
    checked, never rewritten, because silently rewriting could make two inputs collide.
    """
    if not key or len(key) > _MAX_KEY_LENGTH:
        raise InvalidKey(f"storage key must be 1..{_MAX_KEY_LENGTH} characters: {key[:80]!r}")
    for segment in key.split("/"):
        if not _SEGMENT.match(segment):
            raise InvalidKey(f"unsafe storage key {key[:200]!r} (segment {segment[:80]!r})")
    return key


def _validate_prefix(prefix: str) -> str:
    if not prefix:
        return prefix
    validate_key(prefix.rstrip("/") or "x")
    if prefix.startswith("/") or "//" in prefix:
        raise InvalidKey(f"unsafe storage prefix {prefix[:200]!r}")
    return prefix


def original_key(sha256: str) -> str:
    """The key of an original: ``originals/<sha256[:2]>/<sha256>``."""
    if not _SHA256.match(sha256):
        raise InvalidKey(f"not a lower-case hex sha256: {sha256[:80]!r}")
    return f"{ORIGINALS_PREFIX}{sha256[:2]}/{sha256}"


def derived_key(document_id: object, name: str) -> str:
    """The key of an artefact derived from a document, e.g. ``derived/<id>/page-1.png``.

    The document row (``documents.sha256``) links the artefact back to its original.
    """
    return validate_key(f"{DERIVED_PREFIX}{document_id}/{name}")


def _is_original(key: str) -> bool:
    return key.startswith(ORIGINALS_PREFIX)


def _check_original_content(key: str, digest: str) -> None:
    if key != original_key(digest):
        raise ImmutableObject(
            f"{key!r} is under {ORIGINALS_PREFIX} but the content's sha256 is {digest}; "
            "store originals with put_original()"
        )


@runtime_checkable
class ObjectStore(Protocol):
    """The operations docproc needs from an object store."""

    def put(self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> StoredObject:
        """Store ``data`` under ``key``; keys under ``originals/`` are never overwritten."""
        ...

    def put_if_absent(
        self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> tuple[StoredObject, bool]:
        """Store ``data`` unless ``key`` exists; return the stored object and whether it was new."""
        ...

    def get(self, key: str) -> bytes:
        """The content under ``key``; :class:`ObjectNotFound` if there is none."""
        ...

    def stat(self, key: str) -> StoredObject | None:
        """What is stored under ``key``, or ``None``."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix`` (a plain string prefix, as in S3), in sorted order."""
        ...

    def delete(self, key: str) -> None:
        """Delete a derived artefact (missing keys are fine); originals cannot be deleted."""
        ...

    def rewrite(
        self, key: str, data: bytes, content_type: str, content_sha256: str
    ) -> StoredObject:
        """Replace an object's bytes, atomically, with another encoding of the same content
        (sealing, re-wrapping its data key); ``content_sha256`` is the content's digest, which
        for an original must match its key. The one way an original's bytes change."""
        ...

    def erase(self, key: str) -> None:
        """Delete any object, originals included (missing keys are fine).

        The erasure path only: :mod:`docproc.casework.erasure` calls it after checking legal
        holds, and records a tombstone event. Everything else uses :meth:`delete`.
        """
        ...

    def presigned_get_url(self, key: str, expires: timedelta | None = None) -> str | None:
        """A time-limited download URL (``expires`` defaults to the store's
        ``DOCPROC_PRESIGN_EXPIRY``), or ``None`` if the store cannot make one."""
        ...


def put_original(
    store: ObjectStore, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE
) -> tuple[StoredObject, bool]:
    """Store an uploaded file under its content address; return the object and whether it is new."""
    return store.put_if_absent(original_key(sha256_hex(data)), data, content_type)


def _check_deletable(key: str) -> None:
    if not key.startswith(DERIVED_PREFIX):
        raise ImmutableObject(f"only derived artefacts may be deleted, not {key!r}")


def _check_expiry(expires: timedelta) -> None:
    if not timedelta(seconds=1) <= expires <= _MAX_PRESIGN:
        raise ValueError(f"presigned URL expiry must be between 1 s and 7 days, got {expires}")
