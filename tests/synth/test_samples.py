"""The committed ``samples/`` set matches its labels and can be rebuilt from one command."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import cv2
import pytest

from docproc.synth.samples import build
from tests.paths import REPO
from tests.synth.test_mrzgen import mrz_problems

SAMPLES = REPO / "samples"


def _labels() -> list[dict[str, Any]]:
    return list(json.loads((SAMPLES / "labels.json").read_text()))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_labels_match_files_on_disk() -> None:
    labels = _labels()
    listed = {e["file"] for e in labels}
    negatives = json.loads((SAMPLES / "negatives.json").read_text())
    listed |= {e["file"] for e in negatives}
    on_disk = {
        p.relative_to(SAMPLES).as_posix()
        for p in SAMPLES.rglob("*")
        if p.is_file() and p.suffix.lower() in (".jpg", ".png", ".pdf")
    }
    assert listed == on_disk
    for e in [*labels, *negatives]:
        path = SAMPLES / e["file"]
        assert path.stat().st_size == e["bytes"], e["file"]
        assert _sha(path) == e["sha256"], e["file"]


def test_images_are_small_and_sized_as_labelled() -> None:
    for e in _labels():
        path = SAMPLES / e["file"]
        if path.suffix == ".pdf":
            continue
        assert path.stat().st_size < 250_000, e["file"]
        img = cv2.imread(str(path))
        assert img is not None
        assert (img.shape[1], img.shape[0]) == (e["width"], e["height"])
        x0, y0, x1, y1 = e["viz_boxes"]["mrz"]
        assert 0 <= x0 < x1 <= e["width"] and 0 <= y0 < y1 <= e["height"]


def test_every_label_has_a_valid_mrz() -> None:
    for e in _labels():
        assert mrz_problems(e["type"], e["mrz"]) == [], e["file"]


def test_coverage_of_the_set() -> None:
    labels = _labels()
    assert {e["type"] for e in labels} == {"TD1", "TD2", "TD3", "MRVA", "MRVB"}
    images = [e for e in labels if e["file"].endswith(".jpg")]
    assert 12 <= len(images) <= 16
    degr = [d for e in images for d in e["degradations"]]
    assert any(not e["degradations"] for e in images)
    for needed in ("rotate=180", "rotate=90", "perspective=", "lowres=", "stamp"):
        assert any(d.startswith(needed) for d in degr), needed


def test_pdf_entry() -> None:
    pdfs = [e for e in _labels() if e["file"].endswith(".pdf")]
    assert len(pdfs) == 1
    e = pdfs[0]
    assert e["file"] == "two_page_passport.pdf" and e["page"] == 2 and e["page_index"] == 1
    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(str(SAMPLES / e["file"]))
    try:
        assert len(doc) == 2
    finally:
        doc.close()


@pytest.mark.slow
def test_samples_rebuild_identically(tmp_path: Path) -> None:
    build(tmp_path)
    fresh = json.loads((tmp_path / "labels.json").read_text())
    ignore = {"bytes", "sha256"}  # JPEG bytes may differ between libjpeg builds
    strip = [{k: v for k, v in e.items() if k not in ignore} for e in fresh]
    assert strip == [{k: v for k, v in e.items() if k not in ignore} for e in _labels()]
