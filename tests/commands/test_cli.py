"""``docproc batch`` and ``docproc process`` as a user runs them (embedded defaults)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from docproc.db.models import Document
from docproc.db.session import make_engine, make_session_factory
from tests.paths import REPO
from tests.processing.conftest import SAMPLES

pytestmark = pytest.mark.slow


def _docproc(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    env["DOCPROC_DATA_DIR"] = str(cwd / "docproc-data")
    env["OMP_THREAD_LIMIT"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "docproc.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_batch_marks_bad_files_failed_and_rerun_skips_everything(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    for name in ("01_td3_clean_idn.jpg", "02_td1_clean_idn.jpg", "03_td2_clean.jpg"):
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(3000))
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.txt").write_text("not a scan\n")
    first = _docproc(["batch", str(folder), "--workers", "2", "--json"], tmp_path)
    assert first.returncode == 6, first.stderr  # ExitCode.files_failed: 3 bad files
    # Not a terminal: progress as lines on stderr, the last one with every file.
    assert "batch: 6/6 files" in first.stderr
    summary = json.loads(first.stdout)
    assert summary["total"] == 6
    assert summary["failed_files"] == 3
    assert summary["counts"].get("failed") == 3, summary
    assert summary["counts"].get("done", 0) + summary["counts"].get("needs_review", 0) == 3
    engine = make_engine(f"sqlite:///{tmp_path / 'docproc-data' / 'docproc.db'}")
    with make_session_factory(engine)() as session:
        rows = {
            d.original_filename: (d.status.value, d.status_reason)
            for d in session.scalars(select(Document))
        }
    engine.dispose()
    assert rows["corrupt.jpg"] == ("failed", "corrupt_image")
    assert rows["empty.png"] == ("failed", "empty_file")
    assert rows["notes.txt"] == ("failed", "unsupported_format")
    for name in ("01_td3_clean_idn.jpg", "02_td1_clean_idn.jpg", "03_td2_clean.jpg"):
        assert rows[name][0] in {"done", "needs_review"}
    again = _docproc(["batch", str(folder), "--json"], tmp_path)
    assert again.returncode == 6, again.stderr  # the bad files are still failed (permanent)
    assert json.loads(again.stdout)["counts"] == {"skipped": 6}


def test_process_prints_the_record(tmp_path: Path) -> None:
    labels = json.loads((REPO / "samples" / "labels.json").read_text())
    fields = next(x for x in labels if x["file"].endswith("01_td3_clean_idn.jpg"))["fields"]
    result = _docproc(["process", str(SAMPLES / "01_td3_clean_idn.jpg")], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # the record is printed whether it was accepted or routed to review
    assert ("done" in out or "needs_review" in out) and "TD3" in out
    assert fields["document_number"] in out
    assert fields["surname"] in out
    assert fields["birth_date"] in out
    assert (tmp_path / "docproc-data" / "docproc.db").exists()


HEAVY_ENGINES = ("cv2", "onnxruntime", "rapidocr_onnxruntime", "spacy", "sqlalchemy", "celery")


@pytest.mark.parametrize("argv", [["--help"], ["user", "--help"], ["doctor", "--help"]])
def test_help_imports_no_engine(argv: list[str], tmp_path: Path) -> None:
    """``docproc --help`` and commands' help load no OCR, NLP or database engine (fast start)."""
    script = (
        "import sys\n"
        "from docproc.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY_ENGINES!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "usage: docproc" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def test_case_work_and_services_import_no_reading_engine(tmp_path: Path) -> None:
    """``docproc user``, ``serve``'s case pages and exports run without OpenCV, ONNX or spaCy."""
    modules: tuple[str, ...] = ("services", "casework.auth", "casework.review", "casework.cases")
    modules += ("casework.merges", "casework.export", "casework.people", "db.session")
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module('docproc.' + name)\n"
        "print(sorted(m for m in ('cv2', 'onnxruntime', 'spacy', 'numpy') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stdout
