"""The deployment store: any S3 server (SeaweedFS, MinIO, ...) through the ``minio`` SDK."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TypeVar

import certifi
import urllib3
from minio import Minio
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

from docproc.storage.base import (
    DEFAULT_CONTENT_TYPE,
    ObjectNotFound,
    StorageError,
    StorageMisconfigured,
    StorageUnavailable,
    StoredObject,
    _check_deletable,
    _check_expiry,
    _check_original_content,
    _is_original,
    _validate_prefix,
    sha256_hex,
    validate_key,
)

# -------------------------------------------------------------------------------------- S3Store

_RETRYABLE_S3_CODES = frozenset(
    {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "RequestTimeTooSkewed"}
)
_MISSING_S3_CODES = frozenset({"NoSuchKey", "NoSuchObject", "NotFound"})

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
        presign_expiry: timedelta = timedelta(minutes=15),
    ) -> None:
        _check_expiry(presign_expiry)
        self.presign_expiry = presign_expiry
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

    def _put(
        self, key: str, data: bytes, content_type: str, digest: str | None = None
    ) -> StoredObject:
        digest = digest or sha256_hex(data)
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

    def rewrite(
        self, key: str, data: bytes, content_type: str, content_sha256: str
    ) -> StoredObject:
        # A PUT replaces the whole object at once: readers see the old or the new bytes.
        if _is_original(validate_key(key)):
            _check_original_content(key, content_sha256)
        return self._put(key, data, content_type, content_sha256)

    def erase(self, key: str) -> None:
        validate_key(key)
        self._call(key, lambda: self._client.remove_object(self.bucket, key))

    def presigned_get_url(self, key: str, expires: timedelta | None = None) -> str | None:
        validate_key(key)
        lifetime = self.presign_expiry if expires is None else expires
        _check_expiry(lifetime)
        return _s3_call(
            key, lambda: self._client.presigned_get_object(self.bucket, key, expires=lifetime)
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
