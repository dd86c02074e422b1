"""The calibrated settling rules: when a look-alike, a name or a visa's optional data no check digit
protects may be accepted without a person (docs/benchmarks.md has the calibration)."""

from __future__ import annotations

import numpy as np

from docproc.reading.mrz.confidence import (
    _glyph_sure,
    _lookalike_evidence,
    check_blind_fields,
    field_confidence,
    review_reasons,
)
from docproc.reading.mrz.detect import LineBox, ZoneCandidate
from docproc.reading.mrz.parse import parse_mrz
from docproc.reading.mrz.readings import _Reading, _with_tail
from docproc.reading.mrz.tuning import DEFAULT_TUNING
from docproc.reading.mrz.vote import _ZoneRead

# TD3 with a document number of two zeros at weights 7 and 3 (positions 0 and 1 of the number):
# swapping both for O keeps every check digit (24*7 + 24*3 = 240), so the check digits are blind.
NAME = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
DATA = "00X123456<UTO7408122F1204159ZE184226B<<<<<10"


def _fix_checks(line: str) -> str:
    """``line`` with its check digits recomputed (a valid TD3 data line)."""
    from docproc.reading.mrz.checkdigit import check_digit

    chars = list(line)
    chars[9] = check_digit(line[0:9])
    chars[19] = check_digit(line[13:19])
    chars[27] = check_digit(line[21:27])
    chars[42] = check_digit(line[28:42])
    body = "".join(chars)
    chars[43] = check_digit(body[0:10] + body[13:20] + body[21:43])
    return "".join(chars)


DATA = _fix_checks(DATA)


def _reading(
    text: str, source: str, p: float = 0.99, alt: float = 0.0, at: dict[int, float] | None = None
) -> _Reading:
    probs = [p] * len(text)
    for col, value in (at or {}).items():
        probs[col] = value
    dist = np.zeros((len(text), 1), np.float32) if source == "glyph" else None
    return _Reading(text, probs, source, [alt] * len(text), dist=dist)


def _zone(readings: list[list[_Reading]]) -> _ZoneRead:
    lines = [per[0].text for per in readings]
    parsed = parse_mrz(lines)
    assert parsed is not None and parsed.valid, lines
    box = LineBox(np.array([100.0, 100.0]), np.array([1.0, 0.0]), 600.0, 20.0)
    chosen = [per[0] for per in readings]
    return _ZoneRead(parsed, readings, chosen, ZoneCandidate((box, box), 1.0))


def test_the_check_digits_are_blind_to_two_swapped_zeros() -> None:
    parsed = parse_mrz([NAME, DATA])
    assert parsed is not None and parsed.valid
    assert check_blind_fields(parsed, set(), set()) == ["document_number"]


def test_a_zero_the_glyph_reader_gives_no_chance_of_an_o_is_settled() -> None:
    """The glyph reader read 0 and gave O less than ``glyph_lookalike_settled``: not blind."""
    readings = [
        [_reading(NAME, "ppocr0"), _reading(NAME, "glyph")],
        [_reading(DATA, "glyph", p=0.95, alt=0.0001)],
    ]
    zr = _zone(readings)
    sure = _glyph_sure(zr, DEFAULT_TUNING)
    assert {(1, 0), (1, 1)} <= sure
    assert check_blind_fields(zr.parsed, set(), sure) == []


def test_a_zero_the_glyph_reader_thinks_may_be_an_o_stays_blind() -> None:
    """The calibration saw a printed O read 0 with O at 0.0026 to 0.43: such a 0 is not settled
    and the record goes to review."""
    readings = [
        [_reading(NAME, "ppocr0"), _reading(NAME, "glyph")],
        [_reading(DATA, "glyph", p=0.95, alt=0.003)],
    ]
    zr = _zone(readings)
    sure = _glyph_sure(zr, DEFAULT_TUNING)
    assert (1, 0) not in sure
    reasons = review_reasons(zr.parsed, {}, set(), sure, tuning=DEFAULT_TUNING)
    assert "check_blind:document_number" in reasons


def test_names_two_recognisers_agree_on_are_accepted_though_each_is_unsure() -> None:
    """PP-OCR 0.6 and the glyph reader 0.7 on every letter, the same name: each letter is wrong
    only if both are (1 - 0.4 * 0.3 = 0.88 >= the review threshold)."""
    readings = [
        [_reading(NAME, "ppocr0", p=0.6), _reading(NAME, "glyph", p=0.7)],
        [_reading(DATA, "glyph", alt=0.0)],
    ]
    conf = field_confidence(_zone(readings))
    assert conf["surname"] >= DEFAULT_TUNING.review_threshold
    assert conf["given_names"] >= DEFAULT_TUNING.review_threshold


def test_a_name_read_by_one_recogniser_only_goes_to_review() -> None:
    """Two renderings of PP-OCR are one recogniser's word, however sure."""
    readings = [
        [_reading(NAME, "ppocr0", p=0.99), _reading(NAME, "ppocr2", p=0.99)],
        [_reading(DATA, "glyph", alt=0.0)],
    ]
    conf = field_confidence(_zone(readings))
    assert conf["surname"] < DEFAULT_TUNING.review_threshold


def test_names_the_recognisers_disagree_on_go_to_review() -> None:
    other = NAME.replace("ERIKSSON", "ERIKSEON")
    readings = [
        [_reading(NAME, "ppocr0", p=0.99), _reading(other, "glyph", p=0.99)],
        [_reading(DATA, "glyph", alt=0.0)],
    ]
    conf = field_confidence(_zone(readings))
    assert conf["surname"] < DEFAULT_TUNING.review_threshold


def test_a_country_both_recognisers_read_with_a_zero_is_the_letter_o() -> None:
    """UT0 read by PP-OCR and the glyph reader alike: OCR-B's O and 0 look alike, the parser makes
    it UTO (the only known code), and two readings make it sure."""
    data = DATA.replace("UTO", "UT0")
    readings = [
        [_reading(NAME, "ppocr0"), _reading(NAME, "glyph")],
        [_reading(data, "ppocr0", p=0.95), _reading(data, "glyph", p=0.8)],
    ]
    zr = _zone(readings)
    assert zr.parsed.nationality == "UTO"
    assert field_confidence(zr)["nationality"] >= DEFAULT_TUNING.review_threshold
    alone = _zone([readings[0], [readings[1][1]]])
    assert field_confidence(alone)["nationality"] < DEFAULT_TUNING.review_threshold


VISA_NAME = "VNUSATRAVELER<<HAPPY<<<<<<<<<<<<<<<<<<<<<<<<"
VISA_DATA = "1234567897CAN6612120M1407282B3XLC000FD142955"


def test_a_visas_optional_data_is_settled_by_two_readings_and_a_sure_glyph_reader() -> None:
    """No check digit covers a visa's optional data: accepted only when PP-OCR agrees with a
    glyph reader sure of every look-alike (B/8, 1/I, 5/S, 2/Z, 0/O)."""
    both = [
        [_reading(VISA_NAME, "ppocr0"), _reading(VISA_NAME, "glyph")],
        [_reading(VISA_DATA, "ppocr0"), _reading(VISA_DATA, "glyph", p=0.95, alt=0.0001)],
    ]
    assert field_confidence(_zone(both))["optional_data"] >= DEFAULT_TUNING.review_threshold
    glyph_only = [both[0], [both[1][1]]]
    assert field_confidence(_zone(glyph_only))["optional_data"] < DEFAULT_TUNING.review_threshold
    unsure = [both[0], [both[1][0], _reading(VISA_DATA, "glyph", p=0.6, alt=0.0001)]]
    assert field_confidence(_zone(unsure))["optional_data"] < DEFAULT_TUNING.review_threshold


def test_a_line_head_completed_by_glyphs_keeps_its_look_alike_chances() -> None:
    """Without them every position of the line counted as doubtful."""
    head = _Reading("P<UTOERIKSSON<<ANNA<MARIA", [0.9] * 25, "ppocr0", [0.01] * 25)
    glyph = _reading(NAME, "glyph", alt=0.002)
    joined = _with_tail(head, glyph)
    assert joined.text == NAME
    assert len(joined.lookalike) == len(joined.text)
    zr = _zone([[joined, glyph], [_reading(DATA, "glyph")]])
    assert (0, 0) not in _lookalike_evidence(zr, DEFAULT_TUNING)


def test_a_passport_line_cut_to_36_characters_is_no_visa() -> None:
    """A TD3 whose detector box stopped where the fillers start reads 36 characters wide; as an
    MRV-B (no composite) it parsed valid by chance. A code starting with P is never a visa."""
    data = _fix_checks("L898902C36UTO7408122F1204159<<<<<<<<<<<<<<02")
    assert parse_mrz([NAME, data]) is not None
    cut = [NAME[:36], data[:36]]
    parsed = parse_mrz(cut)
    assert parsed is None or parsed.type.value != "MRVB"
    assert parsed is None or not parsed.valid


# The same data line with its document number's first character a K: K counts 20 and a filler
# 0, the same at every weight, so a K read as a filler leaves every check digit passing.
KDATA = _fix_checks("K5A2CB85<" + DATA[9:])
FILLED = "<" + KDATA[1:]


def test_a_filler_read_inside_a_document_number_where_a_k_was_printed_goes_to_review() -> None:
    """A cell cut across a K (the grid half a cell off at a line's start) reads as a filler, the
    glyph reader unsure of it: the check digits are blind to that, the record goes to review."""
    readings = [
        [_reading(NAME, "line0"), _reading(NAME, "glyph")],
        [_reading(FILLED, "glyph", p=0.98, at={0: 0.52})],
    ]
    zr = _zone(readings)
    sure = _glyph_sure(zr, DEFAULT_TUNING)
    assert (1, 0) not in sure
    reasons = review_reasons(zr.parsed, {}, set(), sure, tuning=DEFAULT_TUNING)
    assert "check_blind:document_number" in reasons


def test_a_filler_the_glyph_reader_is_sure_of_is_no_k() -> None:
    """Fillers inside a field do occur (a specimen card's number starts with one): read at least
    ``glyph_decisive`` sure, such a filler is settled; trailing fillers never count."""
    readings = [
        [_reading(NAME, "line0"), _reading(NAME, "glyph")],
        [_reading(FILLED, "glyph", p=0.98, at={0: 0.95})],
    ]
    zr = _zone(readings)
    sure = _glyph_sure(zr, DEFAULT_TUNING)
    assert (1, 0) in sure
    assert check_blind_fields(zr.parsed, set(), sure) == []
    k_read = _zone([readings[0], [_reading(KDATA, "glyph", p=0.98, at={8: 0.5})]])
    assert check_blind_fields(k_read.parsed, set(), _glyph_sure(k_read, DEFAULT_TUNING)) == []
