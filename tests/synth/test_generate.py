"""generate() and the ``python -m docproc.synth`` command line."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from docproc.reading.mrz.model import MRZType
from docproc.synth import generate
from docproc.synth.__main__ import main
from docproc.synth.generate import parse_types
from tests.synth.test_mrzgen import mrz_problems


def _check_dir(out: Path, entries: list[dict[str, object]]) -> None:
    on_disk = json.loads((out / "labels.json").read_text())
    assert on_disk == entries
    for e in on_disk:
        img = cv2.imread(str(out / e["file"]))
        assert img is not None, e["file"]
        assert img.shape[1] == e["width"] and img.shape[0] == e["height"]
        assert mrz_problems(e["type"], e["mrz"]) == []
        assert {"file", "type", "mrz", "fields", "viz_boxes", "degradations"} <= set(e)
        x0, y0, x1, y1 = e["viz_boxes"]["mrz"]
        assert 0 <= x0 < x1 <= e["width"] and 0 <= y0 < y1 <= e["height"]


def test_generate_degraded_is_deterministic_and_worker_independent(tmp_path: Path) -> None:
    a = generate(10, 7, tmp_path / "a", workers=1)
    b = generate(10, 7, tmp_path / "b", workers=2)
    assert a == b
    _check_dir(tmp_path / "a", a)
    assert all(e["file"].endswith(".jpg") for e in a)
    assert [e["type"] for e in a[:5]] == ["TD1", "TD2", "TD3", "MRVA", "MRVB"]
    for e in a:
        name = str(e["file"])
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_generate_clean_png_subset(tmp_path: Path) -> None:
    entries = generate(4, 1, tmp_path, degraded=False, types=[MRZType.TD2, MRZType.MRVA])
    _check_dir(tmp_path, entries)
    assert [e["file"] for e in entries] == [
        "images/0000_TD2.png",
        "images/0001_MRVA.png",
        "images/0002_TD2.png",
        "images/0003_MRVA.png",
    ]
    assert all(e["degradations"] == [] for e in entries)


def test_cli(tmp_path: Path) -> None:
    assert (
        main(
            [
                "--count",
                "3",
                "--seed",
                "2",
                "--out",
                str(tmp_path),
                "--clean",
                "--types",
                "TD1,MRV-B",
            ]
        )
        == 0
    )
    labels = json.loads((tmp_path / "labels.json").read_text())
    assert [e["type"] for e in labels] == ["TD1", "MRVB", "TD1"]


def test_parse_types() -> None:
    assert parse_types("td3, mrv_a") == (MRZType.TD3, MRZType.MRVA)
    assert len(parse_types(None)) == 5
    with pytest.raises(ValueError, match="unknown document type"):
        parse_types("TD4")
