"""The embedded default store: a folder on disk, written atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from docproc.storage.base import (
    _TMP_PREFIX,
    DEFAULT_CONTENT_TYPE,
    InvalidKey,
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

    def rewrite(
        self, key: str, data: bytes, content_type: str, content_sha256: str
    ) -> StoredObject:
        if _is_original(key):
            _check_original_content(key, content_sha256)
        path = self._path(key)
        with _local_errors(key):
            tmp = self._write_temp(path, data)
            try:
                os.replace(tmp, path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            _fsync_dir(path.parent)
        return StoredObject(key=key, size=len(data), sha256=content_sha256, etag=content_sha256)

    def erase(self, key: str) -> None:
        path = self._path(key)
        with _local_errors(key):
            path.unlink(missing_ok=True)
            # Folders named after a content hash or a document id go too, once empty.
            folder = path.parent
            while folder != self.root:
                try:
                    folder.rmdir()
                except OSError:  # not empty (or gone): stop
                    break
                folder = folder.parent

    def presigned_get_url(self, key: str, expires: timedelta | None = None) -> str | None:
        """Always ``None``: a folder has no web server, so callers must stream the object."""
        self._path(key)
        if expires is not None:
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
