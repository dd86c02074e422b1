"""``docproc keys seal`` and ``docproc keys rewrap`` as an operator runs them when turning
encryption at rest on for a deployment that ran without it, and when rotating the key."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from docproc.commands.doctor import check_sealing
from docproc.config import Settings
from docproc.db.models import Document, Event, Person
from docproc.db.session import session_scope
from docproc.services import open_services
from tests.casework.conftest import new_birth_date, new_number
from tests.casework.test_erasure import _scan, _surname, _traces


def _docproc(args: list[str], data_dir: Path, keys: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    env["DOCPROC_DATA_DIR"] = str(data_dir)
    env["DOCPROC_ENCRYPTION_KEYS"] = keys
    return subprocess.run(
        [sys.executable, "-m", "docproc.cli", "keys", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _key(kek_id: str) -> str:
    return f"{kek_id} {base64.b64encode(os.urandom(32)).decode()}"


def _raw(data_dir: Path) -> bytes:
    files = [data_dir / "docproc.db", data_dir / "docproc.db-wal"]
    return b"".join(p.read_bytes() for p in files if p.exists())


def test_turning_encryption_on_then_rotating_the_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "docproc-data"
    plain = open_services(Settings(data_dir=data_dir), migrate=True)
    surname, number, born = _surname(), new_number(), new_birth_date()
    document_id = _scan(plain.store, plain.session_factory, surname, number, born)
    plain.engine.dispose()
    assert _traces(_raw(data_dir), surname, number) == {surname, number}

    old = _key("kek-1")
    (warning,) = check_sealing(Settings(data_dir=data_dir, encryption_keys=old))  # type: ignore[arg-type]
    assert not warning.ok and not warning.required and "persons: 1" in warning.detail
    assert "keys seal" in warning.fix
    sealed = _docproc(["seal"], data_dir, old)
    assert sealed.returncode == 0, sealed.stderr
    report = json.loads(sealed.stdout)
    assert report["persons"] == 1 and report["documents"] == 1
    assert report["extraction_fields"] > 0 and report["review_history"] == 1
    assert _traces(_raw(data_dir), surname, number, born) == set()
    again = _docproc(["seal"], data_dir, old)
    assert set(json.loads(again.stdout).values()) == {0}
    (done,) = check_sealing(Settings(data_dir=data_dir, encryption_keys=old))  # type: ignore[arg-type]
    assert done.ok
    assert check_sealing(Settings(data_dir=data_dir)) == []  # encryption off: nothing to check
    rewrapped = _docproc(["rewrap"], data_dir, old)
    assert rewrapped.returncode == 0, rewrapped.stderr
    first = json.loads(rewrapped.stdout)
    assert first["sealed"] >= 2  # the store's objects from before
    assert first["database_keys"] == {"rewrapped": 0, "current": 2}

    new = _key("kek-2")
    rotated = _docproc(["rewrap"], data_dir, f"{new}\n{old}")
    assert rotated.returncode == 0, rotated.stderr
    assert json.loads(rotated.stdout)["database_keys"] == {"rewrapped": 2, "current": 0}
    services = open_services(Settings(data_dir=data_dir, encryption_keys=new))  # type: ignore[arg-type]
    with session_scope(services.session_factory) as session:
        kinds = [
            e.kind for e in session.scalars(select(Event).where(Event.entity_type == "database"))
        ]
        assert kinds == ["columns_sealed", "columns_sealed", "keys_rewrapped", "keys_rewrapped"]
        document = session.get(Document, document_id)
        assert document is not None and document.document_number == number
        person = session.get(Person, document.person_id)
        assert person is not None and person.surname == surname
    services.engine.dispose()
