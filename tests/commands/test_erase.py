"""``docproc erase`` and ``docproc hold`` as an operator runs them (embedded defaults: SQLite in
a private folder, a folder store)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from docproc.config import Settings
from docproc.db.models import Document
from docproc.db.session import session_scope
from docproc.services import open_services
from tests.casework.conftest import new_birth_date, new_number
from tests.casework.test_erasure import _scan, _store_bytes, _surname, _traces


def _docproc(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    env["DOCPROC_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "docproc.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_erase_a_person_from_the_command_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "docproc-data"
    services = open_services(Settings(data_dir=data_dir), migrate=True)
    surname, number = _surname(), new_number()
    document_id = _scan(services.store, services.session_factory, surname, number, new_birth_date())
    with session_scope(services.session_factory) as session:
        person_id = str(session.get(Document, document_id).person_id)  # type: ignore[union-attr]

    # The database is private: the file (and its WAL) 0600 in a folder made 0700.
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for name in ("docproc.db", "docproc.db-wal"):
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name

    held = _docproc(["hold", "set", "person", person_id, "--actor", "admin"], data_dir)
    assert held.returncode == 0, held.stderr
    refused = _docproc(["erase", "person", person_id, "--reason", "data_subject_request"], data_dir)
    assert refused.returncode == 2 and "[legal_hold]" in refused.stderr
    assert _traces(_store_bytes(services.store), surname, number) == {surname, number}

    assert _docproc(["hold", "clear", "person", person_id], data_dir).returncode == 0
    erased = _docproc(
        ["erase", "person", person_id, "--reason", "data_subject_request", "--reference", "R-1"],
        data_dir,
    )
    assert erased.returncode == 0, erased.stderr
    report = json.loads(erased.stdout)
    assert report["subject"] == "person" and report["erased"]["documents"] == 1
    assert _traces(_store_bytes(services.store), surname, number) == set()
    raw = b"".join(p.read_bytes() for p in data_dir.glob("docproc.db*"))
    assert _traces(raw, surname, number) == set()
    again = _docproc(["erase", "person", person_id, "--reason", "other"], data_dir)
    assert again.returncode == 2 and "[record_not_found]" in again.stderr
