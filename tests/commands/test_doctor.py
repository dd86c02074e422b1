"""``docproc doctor`` says what is broken and exits non-zero for required checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from docproc.db.session import migrate


def _doctor(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    base.update(DOCPROC_DATA_DIR=str(tmp_path / "data"), **env)
    return subprocess.run(
        [sys.executable, "-m", "docproc.cli", "doctor", *args],
        cwd=tmp_path,
        env=base,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_doctor_reports_unmigrated_database_and_unreachable_broker(tmp_path: Path) -> None:
    result = _doctor(tmp_path, "--require-broker", DOCPROC_BROKER_URL="redis://127.0.0.1:9/0")
    assert result.returncode == 4
    assert "[FAIL] database" in result.stdout and "migrat" in result.stdout
    assert "[FAIL] broker" in result.stdout and "fix:" in result.stdout
    assert "[ok  ] storage" in result.stdout


def test_doctor_passes_on_a_migrated_embedded_install(tmp_path: Path) -> None:
    migrate(f"sqlite:///{tmp_path / 'data' / 'docproc.db'}")
    result = _doctor(tmp_path, DOCPROC_BROKER_URL="redis://127.0.0.1:9/0")
    assert "[ok  ] database" in result.stdout
    assert "[warn] broker" in result.stdout  # optional without --require-broker
    tesseract_ok = "[ok  ] tesseract:" in result.stdout
    assert (result.returncode == 0) == tesseract_ok, result.stdout


def test_doctor_refuses_a_malformed_form_definition(tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "office.json").write_text('{"fields": {"camp": {"labels": {"en": ["Camp"]}}}}')
    result = _doctor(tmp_path, DOCPROC_FORM_DEFINITIONS_DIR=str(folder))
    assert result.returncode == 4
    assert "[FAIL] form definitions" in result.stdout
    assert "office.json" in result.stdout and 'needs a "type"' in result.stdout
