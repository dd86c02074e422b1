"""A 2x44 zone the detector cut to 36 characters a line reads as a valid 2x36 one (the check
digits cover the same 28 characters in both layouts). The reader sees the lines go on and reads
them whole; a real 2x36 zone is left as it is. Real engines, generated pages."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from docproc.reading.mrz.detect import ZoneCandidate, line_from_quad
from docproc.reading.mrz.model import MRZType
from docproc.reading.mrz.search import _first_pass, _goes_on, _widened
from docproc.reading.mrz.tuning import DEFAULT_TUNING
from docproc.reading.ocr.ppocr import get_engine
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document


def _zone(boxes: list[list[float]], keep: float) -> ZoneCandidate:
    """Detector-like boxes round the MRZ lines (a margin of 0.3 of the thickness at each end),
    cut to the first ``keep`` share of each line."""
    lines = []
    for x0, y0, x1, y1 in boxes:
        thick = (y1 - y0) * 1.6
        cy = (y0 + y1) / 2
        x1 = x0 + (x1 - x0) * keep
        pad = 0.3 * thick
        quad = np.array(
            [
                [x0 - pad, cy - thick / 2],
                [x1 + pad, cy - thick / 2],
                [x1 + pad, cy + thick / 2],
                [x0 - pad, cy + thick / 2],
            ],
            np.float32,
        )
        lines.append(line_from_quad(quad))
    return ZoneCandidate(tuple(lines), 1.0)


def test_a_visa_cut_to_36_characters_is_seen_to_go_on_and_read_whole() -> None:
    doc = random_document(random.Random("cut-short"), MRZType.MRVA)
    image, entry, _ = make_sample(doc, seed=3, opts=None)
    attempt = _first_pass(
        image, _zone(entry["mrz_line_boxes"], 36 / 44), get_engine(1), DEFAULT_TUNING
    )
    assert attempt is not None and attempt.result is not None
    short = attempt.result
    # the trap: the first 36 characters of each line parse as a valid MRV-B
    assert short.parsed.type is MRZType.MRVB and short.parsed.valid
    assert short.parsed.lines[1] != entry["mrz"][1]
    assert _goes_on(image, short)
    wide = _widened(image, short, get_engine(1), DEFAULT_TUNING)
    assert wide is not None
    assert wide.parsed.lines == tuple(entry["mrz"]) and wide.parsed.type is MRZType.MRVA


@pytest.mark.parametrize("mrz_type", [MRZType.TD2, MRZType.MRVB])
def test_a_real_2x36_zone_does_not_go_on(mrz_type: MRZType) -> None:
    doc = random_document(random.Random(f"whole-{mrz_type.value}"), mrz_type)
    image, entry, _ = make_sample(doc, seed=3, opts=None)
    attempt = _first_pass(image, _zone(entry["mrz_line_boxes"], 1.0), get_engine(1), DEFAULT_TUNING)
    assert attempt is not None and attempt.result is not None
    assert attempt.result.parsed.lines == tuple(entry["mrz"])
    assert not _goes_on(image, attempt.result)


def test_a_visa_cut_where_only_fillers_run_on_is_read_whole(tmp_path: Path) -> None:
    """The harder trap: synthetic seed 9494's ``0043_MRVA`` (a visa on a page, JPEG) was
    detected cut at 36 characters a line where only fillers run on, and **accepted** as an
    MRV-B. A filler's thin strokes fill too little of any column to count as a character
    there; each ``<`` is still one character-sized mark, the lines go on, and the visa reads
    whole as the MRV-A it is."""
    from docproc.reading.intake import load_path
    from docproc.reading.mrz.reader import read_page
    from docproc.synth.generate import _one

    entry = _one((43, 9494, str(tmp_path), True, MRZType.MRVA))
    image = next(iter(load_path(tmp_path / entry["file"]))).image
    read = read_page(image, budget=None)
    assert read is not None
    assert read.parsed.type is MRZType.MRVA
    assert read.parsed.lines == tuple(entry["mrz"])
