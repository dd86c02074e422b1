"""ObjectStore behaviour, the same tests on a folder and on a real S3 server (SeaweedFS)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from docproc.config import Settings
from docproc.storage import (
    ImmutableObject,
    InvalidKey,
    LocalStore,
    ObjectNotFound,
    ObjectStore,
    S3Store,
    StorageMisconfigured,
    StorageUnavailable,
    derived_key,
    open_store,
    original_key,
    put_original,
    sha256_hex,
    store_from_settings,
)
from tests.conftest import SeaweedServer


def _bucket() -> str:
    return f"docproc-test-{uuid.uuid4().hex[:12]}"


def _s3_store(server: SeaweedServer, bucket: str | None = None) -> S3Store:
    return S3Store(
        server.endpoint,
        server.access_key,
        server.secret_key,
        bucket or _bucket(),
        secure=False,
        connect_timeout=2,
        read_timeout=10,
        retries=1,
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalStore(tmp_path / "objects")
    server: SeaweedServer = request.getfixturevalue("seaweed_s3")
    return _s3_store(server)


SCAN = b"\xff\xd8\xff\xe0 not really a JPEG, but bytes all the same"


def test_put_get_stat_round_trip(store: ObjectStore) -> None:
    key = derived_key("doc-1", "ocr.txt")
    stored = store.put(key, b"P<UTOERIKSSON", "text/plain")
    assert stored.key == key
    assert stored.size == 13
    assert stored.sha256 == sha256_hex(b"P<UTOERIKSSON")
    assert store.get(key) == b"P<UTOERIKSSON"
    stat = store.stat(key)
    assert stat is not None
    assert (stat.size, stat.sha256) == (13, stored.sha256)
    assert store.exists(key)


def test_missing_key(store: ObjectStore) -> None:
    key = derived_key("nobody", "page-1.png")
    assert store.stat(key) is None
    assert not store.exists(key)
    with pytest.raises(ObjectNotFound) as info:
        store.get(key)
    assert info.value.reason == "object_not_found"
    assert not info.value.retryable


def test_overwrite_derived(store: ObjectStore) -> None:
    key = derived_key("doc-2", "mrz.png")
    store.put(key, b"first")
    store.put(key, b"second")
    assert store.get(key) == b"second"


def test_list_is_a_sorted_string_prefix(store: ObjectStore) -> None:
    keys = [
        derived_key("doc-a", "page-1.png"),
        derived_key("doc-a", "page-2.png"),
        derived_key("doc-ab", "page-1.png"),
        derived_key("doc-b", "ocr.txt"),
    ]
    for key in reversed(keys):
        store.put(key, key.encode())
    assert list(store.list("derived/doc-a/")) == keys[:2]
    assert list(store.list("derived/doc-a")) == keys[:3]
    assert list(store.list("derived/")) == keys
    assert list(store.list("derived/none/")) == []
    assert list(store.list()) == keys


def test_originals_are_content_addressed_and_immutable(store: ObjectStore) -> None:
    first, created = put_original(store, SCAN, "image/jpeg")
    assert created
    digest = sha256_hex(SCAN)
    assert first.key == original_key(digest) == f"originals/{digest[:2]}/{digest}"
    assert first.sha256 == digest
    again, created_again = put_original(store, SCAN, "image/jpeg")
    assert not created_again
    assert (again.key, again.size, again.sha256) == (first.key, first.size, first.sha256)
    # put() on an original is the same no-op, and different bytes cannot go under its key.
    assert store.put(first.key, SCAN).sha256 == digest
    with pytest.raises(ImmutableObject):
        store.put(first.key, b"tampered")
    with pytest.raises(ImmutableObject):
        store.delete(first.key)
    assert store.get(first.key) == SCAN


def test_racing_writers_of_one_original(store: ObjectStore) -> None:
    results: list[bool] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            results.append(put_original(store, SCAN * 1000)[1])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results.count(True) >= 1
    assert store.get(original_key(sha256_hex(SCAN * 1000))) == SCAN * 1000


def test_delete_derived_only(store: ObjectStore) -> None:
    key = derived_key("doc-3", "page-1.png")
    store.put(key, b"png")
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # deleting a missing artefact is fine
    with pytest.raises(ImmutableObject):
        store.delete("other/thing")


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "derived/../../etc/passwd",
        "/etc/passwd",
        "derived//x",
        "derived/x/",
        "derived/./x",
        "derived/.hidden",
        "derived\\x",
        "derived/x\x00y",
        "",
        "derived/" + "x" * 1100,
        "derived/ünïcode",
        "derived/-rf",
    ],
)
def test_unsafe_keys_are_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        store.put(key, b"x")
    with pytest.raises(InvalidKey):
        store.get(key)


def test_local_store_stays_inside_root(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "objects" / "derived").mkdir(parents=True)
    (tmp_path / "objects" / "derived" / "link").symlink_to(outside)
    with pytest.raises(InvalidKey):
        store.put("derived/link/x", b"x")
    assert not (outside / "x").exists()


def test_local_store_writes_atomically_with_private_modes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    stored, _ = put_original(store, SCAN)
    path = tmp_path / "objects" / stored.key
    assert path.read_bytes() == SCAN
    assert path.stat().st_mode & 0o777 == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]
    # A leftover temp file of a crashed write is never listed.
    (path.parent / ".tmp-crashed").write_bytes(b"half")
    assert list(store.list("originals/")) == [stored.key]


def test_local_presigned_url_is_none(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    assert store.presigned_get_url(derived_key("d", "x.png")) is None


def test_presigned_url_downloads(seaweed_s3: SeaweedServer) -> None:
    store = _s3_store(seaweed_s3)
    stored, _ = put_original(store, SCAN, "image/jpeg")
    url = store.presigned_get_url(stored.key, timedelta(minutes=5))
    assert url is not None
    assert url.startswith(f"http://{seaweed_s3.endpoint}/")
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == SCAN
    # Without the signature the object is not public.
    assert httpx.get(url.split("?")[0], timeout=10).status_code == 403
    with pytest.raises(ValueError):
        store.presigned_get_url(stored.key, timedelta(days=8))


def test_s3_bucket_created_on_first_use(seaweed_s3: SeaweedServer) -> None:
    bucket = _bucket()
    store = _s3_store(seaweed_s3, bucket)
    store.put(derived_key("d", "x"), b"x")
    # A second client on the existing bucket works as well.
    assert _s3_store(seaweed_s3, bucket).get(derived_key("d", "x")) == b"x"


def test_s3_wrong_secret_is_misconfiguration(seaweed_s3: SeaweedServer) -> None:
    store = S3Store(
        seaweed_s3.endpoint, seaweed_s3.access_key, "wrong", _bucket(), secure=False, retries=0
    )
    with pytest.raises(StorageMisconfigured) as info:
        store.put(derived_key("d", "x"), b"x")
    assert not info.value.retryable


def test_unreachable_s3_is_retryable() -> None:
    # A port nobody listens on: connection refused.
    from tests.conftest import _free_ports

    (port,) = _free_ports(1)
    store = S3Store(f"127.0.0.1:{port}", "k", "s", _bucket(), secure=False, retries=0)
    with pytest.raises(StorageUnavailable) as info:
        store.get(derived_key("d", "x"))
    assert info.value.retryable
    assert info.value.reason == "storage_unavailable"


def test_storage_unavailable_while_server_stopped_then_recovers(
    seaweed_s3: SeaweedServer,
) -> None:
    store = _s3_store(seaweed_s3)
    stored, _ = put_original(store, SCAN)
    with seaweed_s3.stopped():
        for operation in (
            lambda: store.get(stored.key),
            lambda: store.stat(stored.key),
            lambda: store.put(derived_key("d", "page-1.png"), b"x"),
            lambda: list(store.list("originals/")),
        ):
            with pytest.raises(StorageUnavailable) as info:
                operation()
            assert info.value.retryable
    # Same ports, same data directory: the object survived the restart.
    assert store.get(stored.key) == SCAN


# ------------------------------------------------------------------------------------ open_store


def test_open_store_file_url(tmp_path: Path) -> None:
    store = open_store((tmp_path / "objects").as_uri())
    assert isinstance(store, LocalStore)
    assert store.root == (tmp_path / "objects").resolve()
    assert isinstance(open_store(str(tmp_path / "plain")), LocalStore)


def test_open_store_s3_url(seaweed_s3: SeaweedServer) -> None:
    store = open_store(
        seaweed_s3.store_url(_bucket()),
        access_key=seaweed_s3.access_key,
        secret_key=seaweed_s3.secret_key,
    )
    assert isinstance(store, S3Store)
    assert not store.secure
    stored, created = put_original(store, b"via url")
    assert created
    assert store.get(stored.key) == b"via url"


def test_store_from_settings_takes_keys_timeouts_and_expiry_from_the_environment(
    seaweed_s3: SeaweedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DOCPROC_S3_* reach the store through Settings (keys, timeouts, retries, presign expiry)."""
    monkeypatch.setenv("DOCPROC_STORAGE_URL", seaweed_s3.store_url(_bucket()))
    monkeypatch.setenv("DOCPROC_S3_ACCESS_KEY", seaweed_s3.access_key)
    monkeypatch.setenv("DOCPROC_S3_SECRET_KEY", seaweed_s3.secret_key)
    monkeypatch.setenv("DOCPROC_S3_CONNECT_TIMEOUT", "1.5")
    monkeypatch.setenv("DOCPROC_S3_READ_TIMEOUT", "7")
    monkeypatch.setenv("DOCPROC_S3_RETRIES", "0")
    monkeypatch.setenv("DOCPROC_PRESIGN_EXPIRY", "120")
    store = store_from_settings(Settings())
    assert isinstance(store, S3Store)
    assert store.presign_expiry == timedelta(seconds=120)
    timeout = store._client._http.connection_pool_kw["timeout"]
    assert (timeout.connect_timeout, timeout.read_timeout) == (1.5, 7.0)
    assert store._client._http.connection_pool_kw["retries"].total == 0
    stored, _ = put_original(store, b"via settings")
    url = store.presigned_get_url(stored.key)
    assert url is not None and "X-Amz-Expires=120" in url
    assert store.get(stored.key) == b"via settings"


def test_open_store_reads_no_keys_from_the_environment(
    seaweed_s3: SeaweedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCPROC_S3_ACCESS_KEY", seaweed_s3.access_key)
    monkeypatch.setenv("DOCPROC_S3_SECRET_KEY", seaweed_s3.secret_key)
    with pytest.raises(StorageMisconfigured, match="DOCPROC_S3_ACCESS_KEY"):
        open_store(seaweed_s3.store_url(_bucket()))


@pytest.mark.parametrize(
    "url",
    [
        "s3://bucket",  # no endpoint
        "s3://key:secret@bucket?endpoint=h:1",  # credentials in the URL
        "s3://bucket/path?endpoint=h:1",
        "s3://bucket?endpoint=h:1&secure=maybe",
        "s3://bucket?endpoint=h:1&colour=blue",
        "ftp://host/x",
        "file://remotehost/x",
    ],
)
def test_open_store_rejects_bad_urls(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPROC_S3_ACCESS_KEY", "k")
    monkeypatch.setenv("DOCPROC_S3_SECRET_KEY", "s")
    with pytest.raises(StorageMisconfigured):
        open_store(url)


def test_open_store_s3_needs_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCPROC_S3_ACCESS_KEY", raising=False)
    monkeypatch.delenv("DOCPROC_S3_SECRET_KEY", raising=False)
    with pytest.raises(StorageMisconfigured, match="DOCPROC_S3_ACCESS_KEY"):
        open_store("s3://bucket?endpoint=127.0.0.1:1&secure=0")
