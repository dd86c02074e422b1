"""Object storage for scans and the artefacts derived from them.

Two stores share one small protocol, :class:`ObjectStore`:

* :class:`LocalStore`, the embedded default: a folder on disk, written atomically.
* :class:`S3Store`, for deployments: any S3 server (SeaweedFS, MinIO, ...) via the ``minio`` SDK.

Key layout (see ``docs/storage-and-database.md``)::

    originals/<sha256[:2]>/<sha256>     the uploaded file, immutable, named by its content
    derived/<document-id>/<name>        page images, MRZ crops, OCR text; may be deleted and redone

Originals are content-addressed, so writing one twice is a no-op that returns the stored object and
two writers racing on the same key can only ever write the same bytes. Nothing under ``originals/``
is ever overwritten, and only ``erase`` deletes one: the audited erasure path of
:mod:`docproc.casework.erasure` (docs/security.md).

Errors: a fault that may pass (connection refused, timeouts, 5xx) raises
:class:`StorageUnavailable` (``retryable = True``); a missing key raises :class:`ObjectNotFound`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from docproc.config import Settings
from docproc.storage.base import (
    ACCESS_KEY_ENV,
    DEFAULT_CONTENT_TYPE,
    DERIVED_PREFIX,
    ORIGINALS_PREFIX,
    SECRET_KEY_ENV,
    ImmutableObject,
    InvalidKey,
    ObjectNotFound,
    ObjectStore,
    StorageError,
    StorageMisconfigured,
    StorageUnavailable,
    StoredObject,
    derived_key,
    original_key,
    put_original,
    sha256_hex,
    validate_key,
)
from docproc.storage.crypto import EncryptedStore, load_keyring
from docproc.storage.local import LocalStore
from docproc.storage.s3 import S3Store

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "DERIVED_PREFIX",
    "ORIGINALS_PREFIX",
    "EncryptedStore",
    "ImmutableObject",
    "InvalidKey",
    "LocalStore",
    "ObjectNotFound",
    "ObjectStore",
    "S3Store",
    "StorageError",
    "StorageMisconfigured",
    "StorageUnavailable",
    "StoredObject",
    "derived_key",
    "open_store",
    "original_key",
    "put_original",
    "sha256_hex",
    "store_from_settings",
    "validate_key",
]


def store_from_settings(settings: Settings, url: str | None = None) -> ObjectStore:
    """The configured store (or the store at ``url``, e.g. a batch source) with the settings'
    S3 keys, timeouts, retries and presign expiry; the configured store encrypts what it writes
    when a key-encryption key is set (:mod:`docproc.storage.crypto`).

    The one place a store is opened from settings (services, workers, batch runs, doctor).
    """
    access = settings.s3_access_key.get_secret_value() if settings.s3_access_key else None
    secret = settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
    store = open_store(
        url or settings.resolved_storage_url(),
        access_key=access,
        secret_key=secret,
        connect_timeout=settings.s3_connect_timeout,
        read_timeout=settings.s3_read_timeout,
        retries=settings.s3_retries,
        presign_expiry=timedelta(seconds=settings.presign_expiry),
    )
    if url is not None and url != settings.resolved_storage_url():
        return store  # a batch source: the user's own files, read as they are
    keyring = load_keyring(
        settings.encryption_key_file,
        settings.encryption_keys.get_secret_value() if settings.encryption_keys else None,
    )
    return EncryptedStore(store, keyring) if keyring is not None else store


def open_store(
    url: str,
    *,
    access_key: str | None = None,
    secret_key: str | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 60.0,
    retries: int = 2,
    presign_expiry: timedelta = timedelta(minutes=15),
) -> ObjectStore:
    """Open a store from a URL.

    * ``file:///srv/docproc/objects`` (or a plain path): a :class:`LocalStore`.
    * ``s3://bucket?endpoint=host:port&secure=0&region=us-east-1``: an :class:`S3Store`.
      ``secure`` defaults to 1 (TLS). The keys come from the arguments (from settings:
      ``DOCPROC_S3_ACCESS_KEY`` / ``DOCPROC_S3_SECRET_KEY``, see :func:`store_from_settings`);
      credentials in the URL are refused so that they never end up in logs.
    """
    parts = urlsplit(url)
    if parts.scheme in {"", "file"}:
        if parts.scheme == "file" and parts.netloc not in {"", "localhost"}:
            raise StorageMisconfigured(f"file URLs must be file:///absolute/path, got {url!r}")
        path = unquote(parts.path) if parts.scheme else url
        if not path:
            raise StorageMisconfigured("empty storage path")
        return LocalStore(Path(path))
    if parts.scheme != "s3":
        raise StorageMisconfigured(f"unknown storage URL scheme {parts.scheme!r} in {url!r}")
    if "@" in parts.netloc:
        raise StorageMisconfigured(
            f"put S3 keys in {ACCESS_KEY_ENV} / {SECRET_KEY_ENV}, not in the storage URL"
        )
    bucket = parts.netloc
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - {"endpoint", "secure", "region"}
    if not bucket or parts.path not in {"", "/"} or unknown:
        raise StorageMisconfigured(
            f"expected s3://bucket?endpoint=host:port[&secure=0|1][&region=...], got {url!r}"
        )
    endpoint = query.get("endpoint")
    if not endpoint:
        raise StorageMisconfigured(f"the S3 URL needs ?endpoint=host:port: {url!r}")
    secure_flag = query.get("secure", "1").lower()
    if secure_flag not in {"0", "1", "true", "false"}:
        raise StorageMisconfigured(f"secure must be 0 or 1, got {secure_flag!r}")
    access, secret = access_key, secret_key
    if not access or not secret:
        raise StorageMisconfigured(f"set {ACCESS_KEY_ENV} and {SECRET_KEY_ENV} for {url!r}")
    return S3Store(
        endpoint,
        access,
        secret,
        bucket,
        secure=secure_flag in {"1", "true"},
        region=query.get("region") or "us-east-1",
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries=retries,
        presign_expiry=presign_expiry,
    )
