"""Voting among line readings: the glyph reader settles look-alikes only where it reads the
line aligned with the chosen reading. Pure (no engine)."""

from __future__ import annotations

import numpy as np

from docproc.reading.mrz.detect import LineBox, ZoneCandidate
from docproc.reading.mrz.parse import parse_mrz
from docproc.reading.mrz.readings import _Reading
from docproc.reading.mrz.tuning import DEFAULT_TUNING
from docproc.reading.mrz.vote import _arbitrate, _choose

# a TD2 card of Germany (issuing country "D<<") on seed 5656's degraded page: PP-OCR read it
# right; the glyph reader's grid on line 1 was a cell off (a stamp beside it), so it dropped
# the "RD" and every later character stands one cell to the left of where it belongs
LINE_1 = "IRD<<AL<JUBOURI<<ALI<HUSSEIN<<<<<<<<"
LINE_2 = "B81R801828PAK5106273M2505222<<<<<<<2"
SHIFTED = "IN<<AL<JUBOURI<<ALI<HUSSEIN<<<<<<<<<"


def _glyph(text: str) -> _Reading:
    return _Reading(text, [0.999] * len(text), "glyph", dist=np.zeros((len(text), 37), np.float32))


def _ppocr(text: str) -> _Reading:
    return _Reading(text, [0.97] * len(text), "ppocr0")


def test_a_glyph_reading_a_cell_off_does_not_overwrite_the_line() -> None:
    parsed = parse_mrz([LINE_1, LINE_2])
    assert parsed is not None and parsed.valid and parsed.issuing_country == "D"
    chosen = [_ppocr(LINE_1), _ppocr(LINE_2)]
    readings = [[chosen[0], _glyph(SHIFTED)], [chosen[1], _glyph(LINE_2)]]
    kept, _ = _arbitrate(parsed, chosen, readings, DEFAULT_TUNING)
    # before: the sure glyph reader swapped every filler it saw beside a letter, and the line
    # came out "IRD<AA<JJUBOUR<<AAL<HHUSSEI<<<<<<<<<" (valid: line 1 of a TD2 has no check digit)
    assert kept.lines == (LINE_1, LINE_2)


def test_an_aligned_glyph_reading_still_settles_a_look_alike() -> None:
    """PP-OCR's O for the digit 0 in the document number; the glyph reader, aligned and sure,
    reads 0 and the check digit agrees."""
    misread = LINE_2.replace("B81R801828", "B81R8O1828")
    parsed = parse_mrz([LINE_1, misread])
    assert parsed is not None
    chosen = [_ppocr(LINE_1), _ppocr(misread)]
    readings = [[chosen[0], _glyph(LINE_1)], [chosen[1], _glyph(LINE_2)]]
    settled, _ = _arbitrate(parsed, chosen, readings, DEFAULT_TUNING)
    assert settled.lines == (LINE_1, LINE_2) and settled.valid


def test_the_whole_vote_keeps_the_right_line() -> None:
    lines = [
        LineBox(np.array([400.0, 100.0 + 50 * i]), np.array([1.0, 0.0]), 800.0, 40.0)
        for i in range(2)
    ]
    zone = ZoneCandidate(tuple(lines), 1.0)
    readings = [[_ppocr(LINE_1), _glyph(SHIFTED)], [_ppocr(LINE_2), _glyph(LINE_2)]]
    zr = _choose(readings, zone, lines, DEFAULT_TUNING)
    assert zr is not None
    assert zr.parsed.lines == (LINE_1, LINE_2)
    assert not any(w.startswith("unknown_country") for w in zr.parsed.warnings)
