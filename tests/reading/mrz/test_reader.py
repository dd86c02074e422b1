"""End-to-end MRZ reading of the committed samples with the real engines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from docproc.reading.document import ReadStatus, read_file
from docproc.reading.mrz.confidence import check_blind_fields
from docproc.reading.mrz.parse import parse_mrz
from tests.paths import REPO
from tests.reading.mrz.engines import CountingEngine

SAMPLES = REPO / "samples"
FIELDS = (
    "type",
    "issuing_country",
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "birth_date",
    "sex",
    "expiry_date",
    "optional_data",
    "optional_data_2",
)


def _labels() -> list[dict[str, Any]]:
    return list(json.loads((SAMPLES / "labels.json").read_text()))


def _mismatches(got: Any, truth: Any) -> list[str]:
    return [f for f in FIELDS if getattr(got, f) != getattr(truth, f)]


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return {e["file"]: read_file(SAMPLES / e["file"]) for e in _labels()}


@pytest.mark.parametrize("entry", _labels(), ids=lambda e: e["file"])
def test_a_record_accepted_without_review_is_right(
    entry: dict[str, Any], results: dict[str, Any]
) -> None:
    result = results[entry["file"]]
    assert result.status is not ReadStatus.error
    if result.mrz is not None and not result.mrz.needs_review:
        truth = parse_mrz(entry["mrz"])
        assert truth is not None
        assert _mismatches(result.mrz.parsed, truth) == []


def test_most_samples_are_read_fully_right(results: dict[str, Any]) -> None:
    right = 0
    for entry in _labels():
        mrz = results[entry["file"]].mrz
        truth = parse_mrz(entry["mrz"])
        if mrz is not None and truth is not None and not _mismatches(mrz.parsed, truth):
            right += 1
    assert right >= len(_labels()) * 0.6, f"only {right} of {len(_labels())} fully right"


@pytest.mark.parametrize("name", ["02_td1_clean_idn.jpg", "05_mrvb_clean.jpg", "07_td1_rot90.jpg"])
def test_clean_and_rotated_documents_are_read_exactly(name: str, results: dict[str, Any]) -> None:
    entry = next(e for e in _labels() if e["file"].endswith(name))
    mrz = results[entry["file"]].mrz
    assert mrz is not None
    truth = parse_mrz(entry["mrz"])
    assert truth is not None
    assert _mismatches(mrz.parsed, truth) == []
    assert mrz.parsed.valid


def test_page_without_mrz_says_so() -> None:
    result = read_file(SAMPLES / "images" / "neg_letter.jpg")
    assert result.status is ReadStatus.no_mrz
    assert result.mrz is None and result.error is None


def test_quad_and_page_locate_the_zone(results: dict[str, Any]) -> None:
    entry = next(e for e in _labels() if e["file"].endswith("01_td3_clean_idn.jpg"))
    mrz = results[entry["file"]].mrz
    assert mrz is not None and mrz.page == 0
    x0, y0, x1, y1 = entry["viz_boxes"]["mrz"]
    xs = [x for x, _ in mrz.quad]
    ys = [y for _, y in mrz.quad]
    cx, cy = sum(xs) / 4, sum(ys) / 4
    assert x0 <= cx <= x1 and y0 <= cy <= y1


def test_check_blind_field_is_detected() -> None:
    # 'OO' and '00' at check weights 7 and 3 give the same check digit
    parsed = parse_mrz(
        [
            "P<IDNLESTARI<<PUTRI<<<<<<<<<<<<<<<<<<<<<<<<<",
            "S8845081<0IDN7108031F2105057SYU9827<8OO<<<44",
        ]
    )
    assert parsed is not None and parsed.valid
    assert "optional_data" in check_blind_fields(parsed)


def test_all_digit_run_is_not_blind_to_a_letter_inside_it() -> None:
    # swapping 0 -> O inside '0000' would put letters between digits: not a real alternative
    parsed = parse_mrz(
        [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ]
    )
    assert parsed is not None and parsed.valid
    assert "document_number" not in check_blind_fields(parsed, doubtful=set())


def _doc_with_o_and_zero(mrz_type: str) -> Any:
    """A generated document whose document number mixes the letter O and the digit 0."""
    import random

    from docproc.reading.mrz.model import MRZType
    from docproc.synth.mrzgen import random_document

    for i in range(500):
        doc = random_document(random.Random(f"o-and-zero:{i}"), MRZType(mrz_type))
        number = doc.fields["document_number"]
        if "O" in number and "0" in number:
            return doc
    raise AssertionError("the generator made no document number with both O and 0")


@pytest.mark.parametrize("mrz_type", ["TD3", "TD1"])
def test_glyph_reader_tells_o_from_zero(mrz_type: str) -> None:
    """PP-OCR alone cannot tell OCR-B's O from 0; the cell classifier settles them, and where
    it is not sure the check-blind rule still sends the record to review."""
    from docproc.reading.mrz.reader import read_page
    from docproc.synth.generate import make_sample

    doc = _doc_with_o_and_zero(mrz_type)
    image, entry, _ = make_sample(doc, seed=5, opts=None)
    read = read_page(image)
    assert read is not None
    assert read.parsed.document_number == doc.fields["document_number"]
    assert read.parsed.lines == tuple(entry["mrz"])


@pytest.mark.parametrize("turn", [0, 2])
def test_glyph_first_path_reads_a_clean_zone_either_way_up(turn: int) -> None:
    """A clean zone is read by the glyph reader, upright or upside down; the name line's second
    reading (names have no check digit) comes from the small line recogniser, which reads it as
    the glyph reader did, so PP-OCR is not asked at all. Without the line recogniser PP-OCR is
    asked for the name line only."""
    import dataclasses
    import random

    import numpy as np

    from docproc.reading.mrz.detect import find_zones
    from docproc.reading.mrz.model import MRZType
    from docproc.reading.mrz.search import _glyph_first
    from docproc.reading.mrz.tuning import DEFAULT_TUNING
    from docproc.synth.generate import make_sample
    from docproc.synth.mrzgen import random_document

    doc = random_document(random.Random("glyph-first"), MRZType.TD3)
    image, entry, _ = make_sample(doc, seed=3, opts=None)
    image = np.ascontiguousarray(np.rot90(image, turn))
    for tuning, ppocr_lines in (
        (DEFAULT_TUNING, 0),
        (dataclasses.replace(DEFAULT_TUNING, line_reader=False), 1),
    ):
        engine = CountingEngine()
        zones = find_zones(engine.detect(image, 960), max_candidates=4)
        reads = (_glyph_first(image, z, engine, tuning) for z in zones)
        attempt = next(a for a in reads if a is not None)
        assert attempt.result is not None
        assert attempt.result.parsed.lines == tuple(entry["mrz"])
        assert engine.lines == ppocr_lines
        name_line = attempt.readings[0]  # a TD3 names its holder on its first line
        family = "line" if tuning.line_reader else "ppocr"
        assert any(r.source.startswith(family) for r in name_line)


def test_a_name_line_is_reread_only_up_to_its_filler_run() -> None:
    """The glyph reading completes PP-OCR's reading of a line's head; fillers the head crop's
    margin shows are dropped, and unsure fillers are never cut off."""
    from docproc.reading.mrz.readings import _filler_tail, _Reading, _with_tail
    from docproc.reading.mrz.tuning import DEFAULT_TUNING

    line = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    glyph = _Reading(line, [0.99] * len(line), "glyph")
    assert _filler_tail(glyph, DEFAULT_TUNING) == 25
    unsure = _Reading(line, [0.99] * 30 + [0.6] + [0.99] * 13, "glyph")
    assert _filler_tail(unsure, DEFAULT_TUNING) == 31
    head = _Reading(line[:25] + "<", [0.8] * 26, "ppocr0")
    whole = _with_tail(head, glyph)
    assert whole.text == line
    assert whole.probs == [0.8] * 25 + [0.99] * 19
    assert whole.source == "ppocr0"


def test_a_digit_voted_in_a_name_counts_for_its_letter() -> None:
    """The glyph reader's 0 and PP-OCR's O in a name are one vote for O (a name holds letters
    only), so the name's confidence is not split between them."""
    from docproc.reading.mrz.readings import _Reading
    from docproc.reading.mrz.vote import _revote

    lines = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ]
    parsed = parse_mrz(lines)
    assert parsed is not None and parsed.valid
    ppocr = [_Reading(t, [0.6] * len(t), "ppocr0") for t in lines]
    glyph = [_Reading(lines[0].replace("SSON", "SS0N"), [0.6] * 44, "glyph"), ppocr[1]]
    revoted, chosen = _revote(parsed, ppocr, [[ppocr[0], glyph[0]], [ppocr[1], glyph[1]]])
    assert revoted.surname == "ERIKSSON"
    o = lines[0].index("SSON") + 2
    assert chosen[0].text[o] == "O" and chosen[0].probs[o] == pytest.approx(1.0)


def test_a_large_clean_page_is_read_from_a_glance() -> None:
    """A large page whose zone the glyph reader settles needs one small detection only (the
    quick look, which would settle it with none, turned off: tests/reading/mrz/test_locate.py)."""
    import dataclasses
    import random

    import cv2
    import numpy as np

    from docproc.reading.mrz.model import MRZType
    from docproc.reading.mrz.reader import read_page
    from docproc.reading.mrz.tuning import DEFAULT_TUNING
    from docproc.synth.generate import make_sample
    from docproc.synth.mrzgen import random_document

    doc = random_document(random.Random("glance"), MRZType.TD1)
    image, entry, _ = make_sample(doc, seed=4, opts=None)
    big = cv2.resize(image, None, fx=1.6, fy=1.6, interpolation=cv2.INTER_CUBIC)
    assert max(big.shape[:2]) > DEFAULT_TUNING.glance_side * DEFAULT_TUNING.glance_over
    engine = CountingEngine()
    no_quick_look = dataclasses.replace(DEFAULT_TUNING, quick_zones=0)
    read = read_page(np.asarray(big, np.uint8), engine=engine, tuning=no_quick_look)
    assert read is not None
    assert read.parsed.lines == tuple(entry["mrz"])
    assert engine.sides == [DEFAULT_TUNING.glance_side]


def test_tesseract_reads_a_name_line_as_the_last_resort_vote() -> None:
    """The real tesseract (LSTM, MRZ whitelist, one line) reads a clean name line's words; it
    loses count in filler runs and reads them as K, and may slip a letter into the header, which
    is why it is only a last vote among other readings (``deep`` reads)."""
    import random

    from docproc.reading.mrz.detect import find_zones
    from docproc.reading.mrz.lines import _complete_lines, _crop
    from docproc.reading.mrz.model import MRZType
    from docproc.reading.mrz.readings import _tesseract_lines
    from docproc.reading.ocr.ppocr import get_engine
    from docproc.synth.generate import make_sample
    from docproc.synth.mrzgen import random_document

    doc = random_document(random.Random("tesseract"), MRZType.TD3)
    image, entry, _ = make_sample(doc, seed=2, opts=None)
    zone = find_zones(get_engine(1).detect(image, 960), max_candidates=1)[0]
    name_line = _complete_lines(zone)[0]
    (reading,) = _tesseract_lines([_crop(image, name_line, 0)])
    words = entry["mrz"][0][5:].replace("<", " ").split()
    assert reading.source == "tesseract"
    assert words and all(word in reading.text for word in words)
    assert set(reading.text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


Box = tuple[float, float, float, float]


def _td3_page(name: str, seed: int) -> tuple[Any, dict[str, Any], Box]:
    """A clean generated TD3 page (a copy to draw on), its label and its MRZ's bounding box
    (x0, y0, x1, y1) in the page."""
    import random

    import numpy as np

    from docproc.reading.mrz.model import MRZType
    from docproc.synth.generate import make_sample
    from docproc.synth.mrzgen import random_document

    doc = random_document(random.Random(name), MRZType.TD3)
    image, entry, _ = make_sample(doc, seed=seed, opts=None)
    zone = np.array(entry["mrz_quad"], float)
    x0, y0 = zone.min(axis=0)
    x1, y1 = zone.max(axis=0)
    return image.copy(), entry, (float(x0), float(y0), float(x1), float(y1))


def test_a_zone_read_glyph_first_is_reported_where_its_cells_lie() -> None:
    """Dark marks just past the end of a TD3's second line run the ink's box on by three cells;
    the record is read from the glyph cells, and its zone is reported where they lie (half a
    cell round them), not where the box ran on (it was, before the cells' extent was used)."""
    import cv2
    import numpy as np

    from docproc.reading.mrz.reader import read_page

    page, entry, (x0, y0, x1, y1) = _td3_page("cells", 7)
    pitch = (x1 - x0) / 44
    top, foot = int(y0 + 0.55 * (y1 - y0)), int(y1 - 0.05 * (y1 - y0))
    for k in range(3):  # three glyph-sized blocks, the first half a cell past the line's end
        left, right = int(x1 + (0.5 + k) * pitch), int(x1 + (1.3 + k) * pitch)
        cv2.rectangle(page, (left, top), (right, foot), (20, 20, 20), -1)
    read = read_page(page)
    assert read is not None and read.parsed.lines == tuple(entry["mrz"])
    got = np.array(read.quad)
    assert abs(got[:, 0].max() - x1) < pitch  # 0.7 of a cell past; 3.1 on the box
    assert abs(got[:, 0].min() - x0) < pitch


def _smudged_td3(seed: int) -> tuple[Any, dict[str, Any]]:
    """A generated TD3 page with ink spilt over its document number and its birth date: the
    check digits fail whatever is read, and the reader reads it harder, tesseract last."""
    import cv2

    page, entry, (x0, y0, x1, y1) = _td3_page(f"smudge{seed}", seed)
    pitch = (x1 - x0) / 44
    for cell in (3, 15):  # the second line's document number, then its birth date
        centre = (int(x0 + (cell + 1) * pitch), int(y0 + 0.75 * (y1 - y0)))
        axes = (int(1.1 * pitch), int(0.3 * (y1 - y0)))
        cv2.ellipse(page, centre, axes, 0, 0, 360, (60, 60, 60), -1)
    return page, entry


def test_no_tesseract_on_a_zone_whose_line_the_recognisers_read_far_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pen line scrawled over half of a TD3's second line: PP-OCR and the glyph reader read
    that line more than a quarter otherwise, a third reading cannot settle it, and the record
    goes to review as read, without tesseract's 0.2-0.5 s (the smudged page of the test below,
    two cells spoilt, does go to tesseract)."""
    import cv2
    import numpy as np

    from docproc.reading.mrz import search
    from docproc.reading.mrz.reader import read_page
    from docproc.reading.mrz.readings import _tesseract_lines
    from docproc.reading.mrz.tuning import DEFAULT_TUNING

    page, entry, (x0, y0, x1, y1) = _td3_page("scrawl0", 0)
    pitch = (x1 - x0) / 44
    ys = (int(y0 + 0.62 * (y1 - y0)), int(y0 + 0.95 * (y1 - y0)))
    zigzag = np.array([[int(x0 + (4 + k) * pitch), ys[k % 2]] for k in range(23)], np.int32)
    cv2.polylines(page, [zigzag], False, (30, 30, 30), max(2, int(0.35 * pitch)))
    shares: list[float] = []
    asked: list[int] = []
    share, tesseract = search._disputed_share, _tesseract_lines

    def measured(per: Any) -> float:
        shares.append(share(per))
        return shares[-1]

    def counted(crops: Any) -> Any:
        asked.append(len(crops))
        return tesseract(crops)

    monkeypatch.setattr(search, "_disputed_share", measured)
    monkeypatch.setattr(search, "_tesseract_lines", counted)
    read = read_page(page, budget=0)
    assert max(shares) > DEFAULT_TUNING.tesseract_dispute
    assert asked == []
    assert read is not None and read.needs_review
    assert read.parsed.lines[0] == entry["mrz"][0]  # the name line, untouched, read as printed


def test_a_tesseract_that_fails_costs_the_last_vote_not_the_reading(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tesseract is the last vote on a zone that goes to review anyway: when it exits with an
    error on the crops (here a stand-in that answers ``--version`` as tesseract 5.3 does and
    fails on anything else), the reading is returned for review as it stands, not lost."""
    from docproc.config import get_settings
    from docproc.reading.mrz.reader import read_page
    from docproc.reading.ocr.tesseract import tesseract_version

    page, entry = _smudged_td3(0)
    calls = tmp_path / "calls"
    fake = tmp_path / "tesseract"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {calls}\n'
        'if [ "$1" = "--version" ]; then echo "tesseract 5.3.0"; exit 0; fi\n'
        'echo "Error: this stand-in reads nothing" >&2; exit 1\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("DOCPROC_TESSERACT_CMD", str(fake))
    get_settings.cache_clear()
    tesseract_version.cache_clear()
    try:
        read = read_page(page, budget=0)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        tesseract_version.cache_clear()
    assert "stdin stdout" in calls.read_text()  # the reader did ask tesseract, which failed
    assert read is not None and read.needs_review
    assert any(r.startswith("check_failed:") for r in read.review_reasons)
    assert read.parsed.lines[0] == entry["mrz"][0]  # the unspoilt name line is read as printed
