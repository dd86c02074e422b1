"""The two-readings rule for codes no check digit covers (countries, sex, document code)."""

from __future__ import annotations

import numpy as np

from docproc.reading.mrz.confidence import known_by_a_slip, lookalike_codes, review_reasons
from docproc.reading.mrz.detect import LineBox, ZoneCandidate
from docproc.reading.mrz.parse import parse_mrz
from docproc.reading.mrz.readings import _Reading
from docproc.reading.mrz.tuning import DEFAULT_TUNING
from docproc.reading.mrz.vote import _ZoneRead

NAME_LINE = "V<CHNBHUIYAN<<ROKSANA<<<<<<<<<<<<<<<"
DATA_LINE = "E455778886{nat}9604032F26061740154<<<<"  # MRV-B: no check digit on the nationality


def _reading(
    text: str, source: str, sure: float = 0.99, at: dict[int, float] | None = None
) -> _Reading:
    probs = [sure] * len(text)
    for col, p in (at or {}).items():
        probs[col] = p
    dist = np.zeros((len(text), 1), np.float32) if source == "glyph" else None
    return _Reading(text, probs, source, [0.0] * len(text), dist=dist)


def _zone(readings: list[list[_Reading]], chosen_line: str) -> _ZoneRead:
    parsed = parse_mrz([NAME_LINE, chosen_line])
    assert parsed is not None and parsed.valid
    box = LineBox(np.array([100.0, 100.0]), np.array([1.0, 0.0]), 600.0, 20.0)
    chosen = [readings[0][0], _reading(chosen_line, "ppocr0")]
    return _ZoneRead(parsed, readings, chosen, ZoneCandidate((box, box), 1.0))


def test_a_nationality_look_alike_on_one_reading_goes_to_review() -> None:
    """PHL misread MHL (P/M) by the line recogniser, the glyph reader unsure of its P: both are
    real codes, no check digit can tell, so a person looks."""
    misread = DATA_LINE.format(nat="MHL")
    readings = [
        [_reading(NAME_LINE, "ppocr0"), _reading(NAME_LINE, "glyph")],
        [_reading(misread, "ppocr0"), _reading(DATA_LINE.format(nat="PHL"), "glyph", at={10: 0.6})],
    ]
    zr = _zone(readings, misread)
    assert zr.parsed.nationality == "MHL"
    assert lookalike_codes(zr, DEFAULT_TUNING) == ["nationality"]
    reasons = review_reasons(
        zr.parsed, {}, tuning=DEFAULT_TUNING, lookalike=lookalike_codes(zr, DEFAULT_TUNING)
    )
    assert "lookalike_code:nationality" in reasons


def test_two_recognisers_that_agree_settle_a_code() -> None:
    line = DATA_LINE.format(nat="PHL")
    readings = [
        [_reading(NAME_LINE, "ppocr0"), _reading(NAME_LINE, "glyph")],
        [_reading(line, "ppocr0"), _reading(line, "glyph", at={10: 0.7})],
    ]
    assert lookalike_codes(_zone(readings, line), DEFAULT_TUNING) == []


def test_renderings_of_one_recogniser_are_not_two_readings() -> None:
    """PP-OCR's renderings agreeing with one another are still one recogniser's word."""
    line = DATA_LINE.format(nat="PHL")
    readings = [
        [_reading(NAME_LINE, "ppocr0"), _reading(NAME_LINE, "glyph")],
        [
            _reading(line, "ppocr0"),
            _reading(line, "ppocr2"),
            _reading(DATA_LINE.format(nat="MHL"), "glyph", at={10: 0.6}),
        ],
    ]
    assert lookalike_codes(_zone(readings, line), DEFAULT_TUNING) == ["nationality"]


def test_a_sure_glyph_reader_settles_a_code_alone() -> None:
    line = DATA_LINE.format(nat="PHL")
    readings = [
        [_reading(NAME_LINE, "ppocr0"), _reading(NAME_LINE, "glyph")],
        [_reading(line, "glyph", at={10: 0.999})],
    ]
    zr = _zone(readings, line)
    assert lookalike_codes(zr, DEFAULT_TUNING) == []
    stricter = DEFAULT_TUNING.__class__(code_glyph_sure=0.9999)
    assert lookalike_codes(zr, stricter) == ["nationality"]


def test_a_code_whose_look_alike_is_no_code_needs_one_reading() -> None:
    """BGD: B, G->C gives BCD, not a country; D->O/Q gives BGO/BGQ, not countries either."""
    line = DATA_LINE.format(nat="BGD")
    readings = [
        [_reading(NAME_LINE, "ppocr0"), _reading(NAME_LINE, "glyph")],
        [_reading(line, "glyph", sure=0.9)],
    ]
    codes = lookalike_codes(_zone(readings, line), DEFAULT_TUNING)
    assert "nationality" not in codes


def test_a_window_is_no_second_reading_of_the_cells_it_did_not_see() -> None:
    """PP-OCR read only a window of the data line (its document number); the nationality in that
    reading was set in from the glyph reading, so it does not settle the code: one reading of a
    look-alike is still a review reason. Had PP-OCR seen the code, the two would settle it."""
    from dataclasses import replace

    line = DATA_LINE.format(nat="PHL")
    glyph = _reading(line, "glyph", at={10: 0.7})
    window = replace(_reading(line, "ppocr0"), cells=(0, 10))
    readings = [[_reading(NAME_LINE, "ppocr0"), _reading(NAME_LINE, "glyph")], [window, glyph]]
    assert lookalike_codes(_zone(readings, line), DEFAULT_TUNING) == ["nationality"]
    seen = replace(window, cells=(0, 21))
    readings[1] = [seen, glyph]
    assert lookalike_codes(_zone(readings, line), DEFAULT_TUNING) == []


def test_a_window_adds_no_agreement_to_a_field_outside_it() -> None:
    from dataclasses import replace

    from docproc.reading.mrz.confidence import _agreed_confidence
    from docproc.reading.mrz.parse import field_spans

    line = DATA_LINE.format(nat="PHL")
    glyph = _reading(line, "glyph")
    names = [_reading(NAME_LINE, "ppocr0"), _reading(NAME_LINE, "glyph")]
    window = replace(_reading(line, "ppocr0"), cells=(10, 21))
    zr = _zone([names, [window, glyph]], line)
    spans = field_spans(zr.parsed)
    assert _agreed_confidence(zr, spans["sex"], name=False) > 0.99  # sex (col 20) was seen
    assert _agreed_confidence(zr, spans["document_number"], name=False) == 0.0


def test_a_slip_of_look_alikes_can_make_an_unknown_code_known() -> None:
    assert known_by_a_slip("PHI")  # I/L: PHL
    assert known_by_a_slip("8GD")  # 8/B: BGD
    assert known_by_a_slip("AFC")  # C/G: AFG
    assert known_by_a_slip("0MN")  # 0/O: OMN
    assert known_by_a_slip("UT0")  # 0/O: UTO
    assert known_by_a_slip("D<K")  # K/<: D<<


def test_a_code_no_slip_makes_known_is_printed_so() -> None:
    for code in ("COU", "SI<", "BDR", "QQX", "132"):
        assert not known_by_a_slip(code), code
