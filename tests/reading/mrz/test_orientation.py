"""Pages turned a quarter, and the reader's CPU budget, with the real engines."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from docproc.reading.mrz.budget import PageWork, lines_run_down
from docproc.reading.mrz.detect import find_zones
from docproc.reading.mrz.lines import _complete_lines
from docproc.reading.mrz.locate import line_quads
from docproc.reading.mrz.model import MRZType
from docproc.reading.mrz.reader import read_page
from docproc.reading.mrz.readings import _glyph_zone
from docproc.reading.mrz.search import _quick_look
from docproc.reading.mrz.tuning import DEFAULT_TUNING
from docproc.reading.ocr.ppocr import get_engine
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document


def _clean(mrz_type: MRZType, name: str) -> tuple[Any, dict[str, Any], tuple[float, ...]]:
    doc = random_document(random.Random(name), mrz_type)
    image, entry, _ = make_sample(doc, seed=7, opts=None)
    return image, entry, tuple(v for point in entry["mrz_quad"] for v in point)


@pytest.mark.parametrize("turns", [1, 3])
def test_a_clean_page_turned_a_quarter_is_read_upright(turns: int) -> None:
    """A large, clean passport page turned 90 or 270 degrees (the MRZ across the long side)."""
    image, entry, _ = _clean(MRZType.TD3, "quarter-turn")
    turned = np.ascontiguousarray(np.rot90(image, turns))
    assert lines_run_down(get_engine(1).detect(turned, 640))
    read = read_page(turned)
    assert read is not None
    assert read.parsed.lines == tuple(entry["mrz"]) and read.parsed.valid


@pytest.mark.parametrize(("mrz_type", "name"), [(MRZType.TD3, "d"), (MRZType.MRVA, "a")])
def test_an_upside_down_page_is_settled_by_the_quick_look(mrz_type: MRZType, name: str) -> None:
    """Turned OCR-B does not always read as noise to the glyph reader: on these clean pages
    turned 180 degrees its fillers and symmetric glyphs keep the zone's mean above 0.6. A zone
    too unsure to read as found is read the other way round too, so the quick look (no text
    detector) settles the page instead of leaving it to the detector's search."""
    doc = random_document(random.Random(name), mrz_type)
    image, entry, _ = make_sample(doc, seed=7, opts=None)
    turned = np.ascontiguousarray(np.rot90(image, 2))
    zone = find_zones(line_quads(turned), max_candidates=1)[0]
    as_found = _glyph_zone(turned, _complete_lines(zone), 44)
    assert as_found is not None
    assert 0.6 <= as_found.mean < DEFAULT_TUNING.glyph_first_mean  # not noise-low, not sure
    attempt = _quick_look(PageWork(turned), get_engine(1), DEFAULT_TUNING)
    assert attempt is not None and attempt.result is not None
    assert attempt.result.parsed.lines == tuple(entry["mrz"])


def test_a_turned_crop_of_a_large_mrz_with_no_margin_is_read() -> None:
    """The zone fills the picture (a phone held close to the booklet), cut at its edges."""
    image, entry, _ = _clean(MRZType.TD3, "no-margin")
    xs = [p[0] for p in entry["mrz_quad"]]
    ys = [p[1] for p in entry["mrz_quad"]]
    crop = image[int(min(ys)) - 4 : int(max(ys)) + 4, int(min(xs)) - 4 : int(max(xs)) + 4]
    turned = np.ascontiguousarray(np.rot90(crop, 1))
    read = read_page(turned)
    assert read is not None
    assert read.parsed.lines == tuple(entry["mrz"])


def test_the_quad_of_a_turned_page_is_in_the_page_as_given() -> None:
    image, entry, _ = _clean(MRZType.TD1, "quad-back")
    width = image.shape[1]
    turned = np.ascontiguousarray(np.rot90(image, 1))
    read = read_page(turned)
    assert read is not None
    # np.rot90 turns counter-clockwise: (x, y) of the upright page lands at (y, width - x)
    want = np.array([(y, width - x) for x, y in entry["mrz_quad"]])
    got = np.array(read.quad)
    assert np.abs(got.mean(axis=0) - want.mean(axis=0)).max() < 15
    assert np.abs(np.ptp(got, axis=0) - np.ptp(want, axis=0)).max() < 30


def test_upright_text_lines_do_not_turn_the_page() -> None:
    image, _, _ = _clean(MRZType.TD2, "upright")
    assert not lines_run_down(get_engine(1).detect(image, 960))


def test_the_budget_ends_a_hard_page_with_its_best_reading() -> None:
    """A pathological page: an MRZ printed with a wrong check digit never settles, so (with the
    shortcut for a zone read alike as printed turned off: ``tests/reading/mrz/test_locate.py``)
    it would be read harder (more renderings, tesseract); with the budget spent the reading so
    far goes to review with ``time_budget``."""
    from dataclasses import replace

    from docproc.reading.mrz.tuning import DEFAULT_TUNING

    read_on = replace(DEFAULT_TUNING, as_printed=False)

    doc = random_document(random.Random("budget"), MRZType.TD3)
    line = doc.mrz[1]
    wrong = str((int(line[9]) + 1) % 10)  # the document number's check digit
    doc = replace(doc, mrz=(doc.mrz[0], line[:9] + wrong + line[10:]))
    image, _, _ = make_sample(doc, seed=9, opts=None)
    unlimited = read_page(image, budget=None, tuning=read_on)
    assert unlimited is not None and "time_budget" not in unlimited.review_reasons
    read = read_page(image, budget=1e-4, tuning=read_on)
    assert read is not None and read.needs_review
    assert "time_budget" in read.review_reasons
    assert "check_failed:document_number" in read.review_reasons


def test_a_turned_page_is_turned_back_by_where_its_longest_line_is() -> None:
    """An MRZ runs along the foot of its page: on the right of a page turned counter-clockwise
    (three more quarter turns bring it upright), on the left of one turned clockwise."""
    from docproc.reading.mrz.budget import quarter_turns

    def vertical(x: float, length: float) -> Any:
        return np.array([[x, 100], [x, 100 + length], [x + 20, 100 + length], [x + 20, 100]], float)

    assert quarter_turns([vertical(900, 800), vertical(300, 200)], width=1000) == 3
    assert quarter_turns([vertical(80, 800), vertical(600, 200)], width=1000) == 1


@pytest.mark.parametrize("angle", [90, 270])
@pytest.mark.parametrize(
    ("name", "number"),
    [("pe_100_id-che.jpg", "S0002068"), ("mrzlib_id_cards_Monaco.png", "029067")],
)
def test_a_small_card_turned_a_quarter_is_read(name: str, number: str, angle: int) -> None:
    """A 282x179 card turned a quarter: the text detector finds no line at all on it (its lines
    are a few pixels wide, lying on their side), so nothing said the page was turned. A page with
    no text lines is detected once more turned a quarter."""
    from PIL import Image, ImageOps

    from tests.paths import REPO

    path = REPO.parent / "shared/specimens/images" / name
    if not path.exists():
        pytest.skip("shared/specimens not available")
    with Image.open(path) as raw:
        upright = ImageOps.exif_transpose(raw).convert("RGB")
    turned = upright.rotate(angle, expand=True, fillcolor=(255, 255, 255))
    image = np.ascontiguousarray(np.asarray(turned)[:, :, ::-1])
    read = read_page(image, budget=0)
    assert read is not None and read.parsed.valid
    assert read.parsed.document_number == number
