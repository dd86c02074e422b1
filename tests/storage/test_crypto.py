"""Envelope encryption at rest, on a folder and on a real S3 server (SeaweedFS): a copy of the
store reveals no JPEG or PDF magic and no name; a changed or moved object does not open; key
rotation re-wraps data keys without re-encrypting the content."""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

import pytest

from docproc.config import Settings
from docproc.storage import (
    LocalStore,
    ObjectStore,
    S3Store,
    derived_key,
    original_key,
    put_original,
    sha256_hex,
    store_from_settings,
)
from docproc.storage.crypto import (
    EncryptedStore,
    EncryptionKeyError,
    Keyring,
    ObjectTampered,
    load_keyring,
    parse_keys,
    rewrap_store,
)
from tests.conftest import SeaweedServer
from tests.paths import REPO

NAME = "SITI NURHALIZA BINTI TARUDIN"
SCAN = (REPO / "samples" / "images" / "03_td2_clean.jpg").read_bytes() + NAME.encode()
PDF = b"%PDF-1.7\n1 0 obj << /Title (" + NAME.encode() + b") >>\nendobj\n%%EOF\n"


def _key_line(kek_id: str) -> str:
    return f"{kek_id} {base64.b64encode(os.urandom(32)).decode()}"


@pytest.fixture(params=["folder", "s3"])
def inner(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "folder":
        return LocalStore(tmp_path / "objects")
    server: SeaweedServer = request.getfixturevalue("seaweed_s3")
    return S3Store(
        server.endpoint,
        server.access_key,
        server.secret_key,
        f"crypto-{uuid.uuid4().hex[:12]}",
        secure=False,
        connect_timeout=2,
        read_timeout=10,
        retries=1,
    )


def _raw_copy(inner: ObjectStore) -> dict[str, bytes]:
    """What someone copying the folder or the bucket gets."""
    if isinstance(inner, LocalStore):
        return {
            p.relative_to(inner.root).as_posix(): p.read_bytes()
            for p in inner.root.rglob("*")
            if p.is_file()
        }
    return {key: inner.get(key) for key in inner.list("")}


def test_a_copy_of_an_encrypted_store_reveals_nothing(inner: ObjectStore) -> None:
    store = EncryptedStore(inner, parse_keys(_key_line("kek-1")))
    stored, created = put_original(store, SCAN, "image/jpeg")
    assert created and stored.key == original_key(sha256_hex(SCAN))
    document = uuid.uuid4()
    store.put(derived_key(document, "page-1.pdf"), PDF, "application/pdf")
    store.put(derived_key(document, "mrz.json"), f'{{"surname": "{NAME}"}}'.encode())

    copy = _raw_copy(inner)
    assert len(copy) == 3
    for key, data in copy.items():
        assert not data.startswith((b"\xff\xd8\xff", b"%PDF", b"{")), key
        assert b"\xff\xd8\xff" not in data[:64] and b"%PDF" not in data
        assert NAME.encode() not in data and b"NURHALIZA" not in data, key
    # the application reads them back as they were
    assert store.get(stored.key) == SCAN
    assert store.get(derived_key(document, "page-1.pdf")) == PDF
    assert put_original(store, SCAN)[1] is False  # still content-addressed
    described = store.stat(derived_key(document, "page-1.pdf"))
    assert described is not None and described.sha256 == sha256_hex(PDF)


def test_a_changed_or_moved_object_does_not_open(inner: ObjectStore) -> None:
    store = EncryptedStore(inner, parse_keys(_key_line("kek-1")))
    key = derived_key(uuid.uuid4(), "page-1.pdf")
    store.put(key, PDF)
    sealed = inner.get(key)
    flipped = sealed[:-5] + bytes([sealed[-5] ^ 1]) + sealed[-4:]
    inner.put(key, flipped)
    with pytest.raises(ObjectTampered):
        store.get(key)
    other = derived_key(uuid.uuid4(), "page-1.pdf")
    inner.put(other, sealed)  # the right bytes under another key
    with pytest.raises(ObjectTampered):
        store.get(other)
    stranger = EncryptedStore(inner, parse_keys(_key_line("kek-1")))  # same id, other key
    inner.put(key, sealed)
    with pytest.raises(ObjectTampered):
        stranger.get(key)


def test_rotation_rewraps_data_keys_without_reencrypting(inner: ObjectStore) -> None:
    old_line, new_line = _key_line("kek-old"), _key_line("kek-new")
    old = EncryptedStore(inner, parse_keys(old_line))
    stored, _ = put_original(old, SCAN)
    derived = derived_key(uuid.uuid4(), "page-1.pdf")
    old.put(derived, PDF)
    legacy = derived_key(uuid.uuid4(), "ocr.txt")
    inner.put(legacy, NAME.encode())  # written before encryption was turned on
    before = {k: inner.get(k) for k in (stored.key, derived)}

    rotated = EncryptedStore(inner, parse_keys(f"{new_line}\n{old_line}"))
    report = rewrap_store(rotated)
    assert report.to_json() == {"rewrapped": 2, "sealed": 1, "current": 0}
    assert rewrap_store(rotated).to_json() == {"rewrapped": 0, "sealed": 0, "current": 3}
    for key, was in before.items():
        now = inner.get(key)
        assert b"kek-new" in now[:16] and b"kek-old" in was[:16]
        # the sealed content (nonce and ciphertext after the header) is byte for byte the same
        assert now[-(len(was) - 4 - 1 - 7 - 12 - 48) :] == was[4 + 1 + 7 + 12 + 48 :]
    only_new = EncryptedStore(inner, parse_keys(new_line))
    assert only_new.get(stored.key) == SCAN and only_new.get(derived) == PDF
    assert only_new.get(legacy) == NAME.encode()
    assert NAME.encode() not in inner.get(legacy)
    with pytest.raises(EncryptionKeyError):
        EncryptedStore(inner, parse_keys(old_line)).get(derived)


def test_keys_come_from_a_private_file_or_the_environment(tmp_path: Path) -> None:
    key_file = tmp_path / "kek"
    key_file.write_text(f"# docproc keys\n{_key_line('a')}\n{_key_line('b')}\n")
    key_file.chmod(0o644)
    with pytest.raises(EncryptionKeyError):
        load_keyring(key_file, None)
    key_file.chmod(0o600)
    keyring = load_keyring(key_file, None)
    assert (
        isinstance(keyring, Keyring)
        and keyring.current == "a"
        and set(keyring.keys)
        == {
            "a",
            "b",
        }
    )
    for bad in ("a c2hvcnQ=", "onlyone", f"{_key_line('a')},{_key_line('a')}", ""):
        with pytest.raises(EncryptionKeyError):
            parse_keys(bad)
    settings = Settings(data_dir=tmp_path, encryption_key_file=key_file)
    store = store_from_settings(settings)
    assert isinstance(store, EncryptedStore)
    # a batch source (the user's own folder) is read as it is
    assert isinstance(store_from_settings(settings, f"file://{tmp_path / 'scans'}"), LocalStore)
    assert not isinstance(store_from_settings(Settings(data_dir=tmp_path)), EncryptedStore)
