"""Object storage for scans and the artefacts derived from them.

Two stores share one small protocol, :class:`ObjectStore`:

* :class:`LocalStore`, the embedded default: a folder on disk, written atomically.
* :class:`S3Store`, for deployments: any S3 server (SeaweedFS, MinIO, ...) via the ``minio`` SDK.

Key layout (see ``docs/storage-and-database.md``)::

    originals/<sha256[:2]>/<sha256>     the uploaded file, immutable, named by its content
    derived/<document-id>/<name>        page images, MRZ crops, OCR text; may be deleted and redone

Originals are content-addressed, so writing one twice is a no-op that returns the stored object and
two writers racing on the same key can only ever write the same bytes. Nothing under ``originals/``
is ever overwritten or deleted through this module.

Errors: a fault that may pass (connection refused, timeouts, 5xx) raises
:class:`StorageUnavailable` (``retryable = True``); a missing key raises :class:`ObjectNotFound`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable
from urllib.parse import parse_qs, unquote, urlsplit

import certifi
import urllib3
from minio import Minio
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

from docproc.errors import DocprocError, ExitCode

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "DERIVED_PREFIX",
    "ORIGINALS_PREFIX",
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
    "validate_key",
]

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
_RETRYABLE_S3_CODES = frozenset(
    {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "RequestTimeTooSkewed"}
)
_MISSING_S3_CODES = frozenset({"NoSuchKey", "NoSuchObject", "NotFound"})


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

    def presigned_get_url(self, key: str, expires: timedelta = timedelta(minutes=15)) -> str | None:
        """A time-limited download URL, or ``None`` if the store cannot make one."""
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


# ---------------------------------------------------------------------------------- LocalStore


class LocalStore:
    """A folder as an object store: the embedded default.

    Writes go to a temporary file in the target folder, are fsynced and then renamed into place,
    so a reader never sees half a file. Folders are created ``0700`` and files ``0600``: the scans
    are identity documents of vulnerable people.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except PermissionError as exc:
            raise StorageMisconfigured(f"cannot create storage folder {self.root}: {exc}") from exc

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*validate_key(key).split("/"))
        # Validation already rules out escapes; this guards against symlinks planted in the tree.
        if not path.resolve().is_relative_to(self.root):
            raise InvalidKey(f"storage key {key!r} resolves outside the store")
        return path

    def _write_temp(self, path: Path, data: bytes) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        return Path(tmp_name)

    def _object(self, key: str, data: bytes) -> StoredObject:
        digest = sha256_hex(data)
        return StoredObject(key=key, size=len(data), sha256=digest, etag=digest)

    def put(self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> StoredObject:
        if _is_original(key):
            return self.put_if_absent(key, data, content_type)[0]
        path = self._path(key)
        with _local_errors(key):
            tmp = self._write_temp(path, data)
            try:
                os.replace(tmp, path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            _fsync_dir(path.parent)
        return self._object(key, data)

    def put_if_absent(
        self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> tuple[StoredObject, bool]:
        path = self._path(key)
        if _is_original(key):
            _check_original_content(key, sha256_hex(data))
        existing = self.stat(key)
        if existing is not None:
            return existing, False
        with _local_errors(key):
            tmp = self._write_temp(path, data)
            try:
                # link() fails if the target exists: an atomic create-if-absent, unlike rename.
                os.link(tmp, path)
                created = True
            except FileExistsError:
                created = False
            finally:
                tmp.unlink(missing_ok=True)
            _fsync_dir(path.parent)
        if not created:
            stored = self.stat(key)
            if stored is None:  # deleted between link() and stat(); cannot happen for originals
                raise StorageUnavailable(f"{key!r} vanished while being written; retry")
            return stored, False
        return self._object(key, data), True

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(f"no object under {key!r}") from exc
        except OSError as exc:
            raise _from_os_error(key, exc) from exc

    def stat(self, key: str) -> StoredObject | None:
        if _is_original(key):
            # The key is the content's hash: no need to read a large scan to describe it.
            try:
                size = self._path(key).stat().st_size
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise _from_os_error(key, exc) from exc
            digest = key.rsplit("/", 1)[1]
            return StoredObject(key=key, size=size, sha256=digest, etag=digest)
        try:
            return self._object(key, self.get(key))
        except ObjectNotFound:
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[str]:
        _validate_prefix(prefix)
        # Walk only the deepest folder the prefix names, then filter by the full string prefix.
        folder = prefix.rpartition("/")[0]
        base = self.root.joinpath(*folder.split("/")) if folder else self.root
        if not base.is_dir():
            return iter(())
        keys: list[str] = []
        with _local_errors(prefix):
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                rel = Path(dirpath).relative_to(self.root).as_posix()
                for name in filenames:
                    if name.startswith("."):
                        continue  # temporary files of writes in progress
                    key = name if rel == "." else f"{rel}/{name}"
                    if key.startswith(prefix):
                        keys.append(key)
        return iter(sorted(keys))

    def delete(self, key: str) -> None:
        _check_deletable(key)
        with _local_errors(key):
            self._path(key).unlink(missing_ok=True)

    def presigned_get_url(self, key: str, expires: timedelta = timedelta(minutes=15)) -> str | None:
        """Always ``None``: a folder has no web server, so callers must stream the object."""
        self._path(key)
        _check_expiry(expires)
        return None


def _fsync_dir(folder: Path) -> None:
    """Make a rename or link durable: it lives in the folder's entry, not in the file."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _from_os_error(key: str, exc: OSError) -> StorageError:
    if isinstance(exc, PermissionError):
        return StorageMisconfigured(f"no permission to access {key!r} in the storage folder: {exc}")
    return StorageUnavailable(f"storage folder I/O error on {key!r}: {exc}")


@contextlib.contextmanager
def _local_errors(key: str) -> Iterator[None]:
    try:
        yield
    except StorageError:
        raise
    except OSError as exc:
        raise _from_os_error(key, exc) from exc


# -------------------------------------------------------------------------------------- S3Store

_T = TypeVar("_T")


class S3Store:
    """An S3 bucket as an object store, through the ``minio`` SDK.

    The bucket is created on first use if it is missing. Network faults and 5xx answers become
    :class:`StorageUnavailable` after a few quick retries (``retries``), so a worker gives the
    document back instead of hanging; the queue does the slow retrying.
    """

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = True,
        region: str = "us-east-1",
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        retries: int = 2,
    ) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        self.secure = secure
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=urllib3.Retry(
                total=retries,
                backoff_factor=0.2,
                status_forcelist=[500, 502, 503, 504],
                raise_on_status=False,
            ),
        )
        try:
            # A fixed region spares a GetBucketLocation round trip and makes presigning offline.
            self._client = Minio(
                endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=secure,
                region=region,
                http_client=http,
            )
        except ValueError as exc:
            raise StorageMisconfigured(f"bad S3 endpoint {endpoint!r}: {exc}") from exc
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()

    def __repr__(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"S3Store({scheme}://{self.endpoint}/{self.bucket})"

    def _call(self, key: str, operation: Callable[[], _T]) -> _T:
        self._ensure_bucket()
        return _s3_call(key, operation)

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._bucket_lock:
            if self._bucket_ready:
                return

            def create() -> None:
                if not self._client.bucket_exists(self.bucket):
                    try:
                        self._client.make_bucket(self.bucket)
                    except S3Error as exc:
                        # Another worker created it first.
                        if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                            raise

            try:
                _s3_call(self.bucket, create)
            except ValueError as exc:  # the SDK rejects malformed bucket names
                raise StorageMisconfigured(f"bad S3 bucket name {self.bucket!r}: {exc}") from exc
            self._bucket_ready = True

    def put(self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> StoredObject:
        if _is_original(validate_key(key)):
            return self.put_if_absent(key, data, content_type)[0]
        return self._put(key, data, content_type)

    def _put(self, key: str, data: bytes, content_type: str) -> StoredObject:
        digest = sha256_hex(data)
        result = self._call(
            key,
            lambda: self._client.put_object(
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata={"sha256": digest},
            ),
        )
        return StoredObject(key=key, size=len(data), sha256=digest, etag=result.etag or "")

    def put_if_absent(
        self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> tuple[StoredObject, bool]:
        # Check-then-put is not atomic on S3 through the public SDK. For originals that is safe:
        # the key is the content's hash, so racing writers can only write identical bytes.
        validate_key(key)
        if _is_original(key):
            _check_original_content(key, sha256_hex(data))
        existing = self.stat(key)
        if existing is not None:
            return existing, False
        return self._put(key, data, content_type), True

    def get(self, key: str) -> bytes:
        validate_key(key)

        def read() -> bytes:
            response = self._client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return self._call(key, read)

    def stat(self, key: str) -> StoredObject | None:
        validate_key(key)
        try:
            info = self._call(key, lambda: self._client.stat_object(self.bucket, key))
        except ObjectNotFound:
            return None
        metadata = info.metadata or {}
        digest = metadata.get("x-amz-meta-sha256")
        if digest is None and _is_original(key):
            digest = key.rsplit("/", 1)[1]
        return StoredObject(
            key=key, size=info.size or 0, sha256=digest or None, etag=info.etag or ""
        )

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def list(self, prefix: str = "") -> Iterator[str]:
        _validate_prefix(prefix)
        self._ensure_bucket()
        objects = self._client.list_objects(self.bucket, prefix=prefix or None, recursive=True)
        iterator = iter(objects)
        while True:
            # Listing pages lazily; each page fetch can fail, so wrap every step.
            item = _s3_call(prefix, lambda: next(iterator, None))
            if item is None:
                return
            if item.object_name is not None and not item.is_dir:
                yield item.object_name

    def delete(self, key: str) -> None:
        validate_key(key)
        _check_deletable(key)
        self._call(key, lambda: self._client.remove_object(self.bucket, key))

    def presigned_get_url(self, key: str, expires: timedelta = timedelta(minutes=15)) -> str | None:
        validate_key(key)
        _check_expiry(expires)
        return _s3_call(
            key, lambda: self._client.presigned_get_object(self.bucket, key, expires=expires)
        )


def _s3_call(key: str, operation: Callable[[], _T]) -> _T:
    """Run one SDK call and translate its failures into the storage error family."""
    try:
        return operation()
    except S3Error as exc:
        status = exc.response.status if exc.response is not None else 0
        if exc.code in _MISSING_S3_CODES:
            raise ObjectNotFound(f"no object under {key!r}") from exc
        if exc.code in _RETRYABLE_S3_CODES or status >= 500:
            raise StorageUnavailable(f"S3 server error on {key!r}: {exc.code}") from exc
        if exc.code in {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
            raise StorageMisconfigured(f"S3 refused access to {key!r}: {exc.code}") from exc
        raise StorageError(f"S3 error on {key!r}: {exc.code}: {exc.message}") from exc
    except ServerError as exc:
        if exc.status_code == 404:
            raise ObjectNotFound(f"no object under {key!r}") from exc
        raise StorageUnavailable(f"S3 server error {exc.status_code} on {key!r}") from exc
    except InvalidResponseError as exc:
        raise StorageUnavailable(f"S3 server gave an invalid answer on {key!r}: {exc}") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        # MaxRetryError (connection refused, DNS), timeouts, connections dropped mid-body.
        raise StorageUnavailable(
            f"S3 server unreachable on {key!r}: {type(exc).__name__}: {exc}"
        ) from exc
    except MinioException as exc:
        raise StorageError(f"S3 client error on {key!r}: {exc}") from exc


# -------------------------------------------------------------------------------------- factory


def open_store(
    url: str, *, access_key: str | None = None, secret_key: str | None = None
) -> ObjectStore:
    """Open a store from a URL.

    * ``file:///srv/docproc/objects`` (or a plain path): a :class:`LocalStore`.
    * ``s3://bucket?endpoint=host:port&secure=0&region=us-east-1``: an :class:`S3Store`.
      ``secure`` defaults to 1 (TLS). The keys come from the arguments, else from the
      ``DOCPROC_S3_ACCESS_KEY`` / ``DOCPROC_S3_SECRET_KEY`` environment variables; credentials in
      the URL are refused so that they never end up in logs.
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
    access = access_key or os.environ.get(ACCESS_KEY_ENV)
    secret = secret_key or os.environ.get(SECRET_KEY_ENV)
    if not access or not secret:
        raise StorageMisconfigured(f"set {ACCESS_KEY_ENV} and {SECRET_KEY_ENV} for {url!r}")
    return S3Store(
        endpoint,
        access,
        secret,
        bucket,
        secure=secure_flag in {"1", "true"},
        region=query.get("region") or "us-east-1",
    )
