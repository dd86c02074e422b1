"""``docproc tag`` and ``docproc extract`` end to end, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.paths import REPO

ROOT = REPO
SAMPLE = ROOT / "samples" / "images" / "01_td3_clean_idn.jpg"


def _docproc(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docproc.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )


def test_tag_reads_stdin_and_prints_language_and_entities() -> None:
    text = "Nama saya Putri Lestari, lahir di Tanjungpinang. Telepon +62 812 3456 7890."
    proc = _docproc("tag", "-", "--json", stdin=text)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["language"] == "id"
    assert set(result) == {"language", "entities"}
    for ent in result["entities"]:
        assert set(ent) == {"start", "end", "label", "text", "sentence"}
        assert text[ent["start"] : ent["end"]] == ent["text"]
        assert ent["text"] in ent["sentence"]
    assert {"label": "PHONE", "text": "+62 812 3456 7890"} in [
        {"label": e["label"], "text": e["text"]} for e in result["entities"]
    ]


def test_tag_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Mohammad Rahman arrived in Medan on 4 July 2018.", encoding="utf-8")
    proc = _docproc("tag", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["language"] == "en"
    assert any(e["label"] == "PERSON" for e in result["entities"])


def test_tag_missing_file_is_an_error_with_a_reason(tmp_path: Path) -> None:
    proc = _docproc("tag", str(tmp_path / "missing.txt"))
    assert proc.returncode != 0
    assert "error [" in proc.stderr


def test_extract_gives_one_record_per_document(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    proc = _docproc("extract", str(SAMPLE), str(bad), "--json", "--today", "2026-01-01")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(records) == 2
    rec = records[0]
    assert rec["status"] == "ok" and rec["kind"] == "identity"
    assert rec["mrz"]["surname"] == "LESTARI" and rec["mrz"]["valid"]
    fields = rec["fields"]
    assert fields["name"]["value"] == "PUTRI LESTARI"
    assert fields["birth_date"]["value"] == "1971-08-03"
    assert fields["expiry_date"]["value"] == "2021-05-05"
    assert fields["sex"]["value"] == "F"
    for f in fields.values():
        assert set(f) >= {"value", "confidence", "source", "page", "box"}
        assert f["source"] == "viz" and f["page"] == 0 and len(f["box"]) == 4
    assert "PUTRI LESTARI" in rec["text"]
    assert all(set(e) == {"start", "end", "label", "text", "sentence"} for e in rec["entities"])
    # a fact about the document, not a doubt about the reading: a warning, not a review reason
    assert "expired" in rec["warnings"] and "expired" not in rec["review_reasons"]
    assert records[1]["status"] == "error"
    assert records[1]["error"]["reason"] == "unsupported_format"
    assert records[1]["needs_review"] is True
