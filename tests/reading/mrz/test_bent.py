"""Pages that bend (a booklet's data page bowing off the scanner, a photo of an open passport):
the MRZ's lines are arcs, and the detector's box for an arc is mostly empty. With the real
engines on generated pages bent by a known sag."""

from __future__ import annotations

import random
import time

import cv2
import numpy as np

from docproc.reading.mrz.lines import Image
from docproc.reading.mrz.model import MRZType
from docproc.reading.mrz.reader import read_page
from docproc.reading.mrz.tuning import DEFAULT_TUNING
from docproc.reading.ocr.ppocr import get_engine
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document
from tests.reading.mrz.engines import CountingEngine


def bent(image: Image, sag: float) -> Image:
    """``image`` bowed: each column moved down by ``sag * sin(pi * x / width)`` pixels, so a
    straight line becomes an arc ``sag`` pixels deep in the middle (white where nothing maps)."""
    h, w = image.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    down = (sag * np.sin(np.pi * xs / w)).astype(np.float32)
    out = cv2.remap(image, xs, ys - down, cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    return np.ascontiguousarray(out, dtype=np.uint8)


def _bent_td3(name: str, sag: float) -> tuple[Image, dict[str, object]]:
    doc = random_document(random.Random(name), MRZType.TD3)
    image, entry, _ = make_sample(doc, seed=5, opts=None)
    return bent(image, sag), entry


def test_a_bent_mrz_is_found_among_the_lines_a_loose_detection_finds() -> None:
    """Bowed 15 px across a 1476 px page, the MRZ's lines score below the detector's box
    threshold inside their rectangles and the strict search sees no zone; the lines that only
    a loose scoring of the same map finds (each region scored inside its own outline) make the
    zone, and it parses with every check digit passing. (The reader flattens such a page before
    its search; the search alone is what is tested here.)"""
    from docproc.reading.mrz.budget import PageWork
    from docproc.reading.mrz.search import _search

    image, entry = _bent_td3("bend", 15.0)
    assert _search(PageWork(image), get_engine(1), DEFAULT_TUNING, loose=False) is None
    engine = CountingEngine()
    attempt = _search(PageWork(image), engine, DEFAULT_TUNING)
    assert attempt is not None and attempt.result is not None
    assert attempt.result.parsed.valid
    assert attempt.result.parsed.lines[1] == entry["mrz"][1]  # type: ignore[index]
    assert engine.loose_sides == [DEFAULT_TUNING.detect_side]


def test_a_flat_page_needs_no_loose_detection() -> None:
    image, entry = _bent_td3("bend", 0.0)
    engine = CountingEngine()
    read = read_page(image, engine=engine, budget=None)
    assert read is not None and read.parsed.lines == tuple(entry["mrz"])  # type: ignore[arg-type]
    assert engine.loose_sides == []


def test_the_bend_of_a_bowed_page_is_measured_and_a_flat_page_has_none() -> None:
    from docproc.reading.mrz.bend import page_bend

    engine = get_engine(1)
    flat, _ = _bent_td3("bow", 0.0)
    assert page_bend(engine.text_map(flat, 960), flat.shape) is None
    for sag in (25.0, -30.0):
        image, _ = _bent_td3("bow", sag)
        bend = page_bend(engine.text_map(image, 960), image.shape)
        assert bend is not None
        # the MRZ spans most of the page: its arc sags most of the page's sine
        assert 0.6 * abs(sag) < abs(bend.sag) < 1.1 * abs(sag)
        assert np.sign(bend.sag) == np.sign(sag)


def test_a_page_bowed_past_what_a_crop_absorbs_is_flattened_and_read() -> None:
    """Bowed 40 px (up or down), no zone of the page as given parses; flattened by its measured
    bend, the page reads right and is accepted, and the zone is given in the bent page's own
    pixels: its corners lie on the arcs, not on the straightened lines."""
    for sag in (40.0, -30.0):
        image, entry = _bent_td3("curl", sag)
        read = read_page(image, budget=None)
        assert read is not None
        assert read.parsed.lines == tuple(entry["mrz"])  # type: ignore[arg-type]
        assert not read.needs_review
        w = image.shape[1]
        want = np.array(entry["mrz_quad"], dtype=np.float64)
        want[:, 1] += sag * np.sin(np.pi * want[:, 0] / w)  # the corners moved with the page
        got = np.array(read.quad)
        assert np.abs(got - want).max() < 15  # pixels of a 1476 px page


def _arc_map(width: int, height: int, sag: float, thickness: int = 12) -> np.ndarray:
    """A text map with one long arc (a bowed line) and one short straight line."""
    m = np.zeros((height, width), np.float32)
    xs = np.arange(40, width - 40)
    ys = height / 2 + sag * (1 - ((xs - width / 2) / (width / 2 - 40)) ** 2)
    for x, y in zip(xs, ys, strict=True):
        m[int(y - thickness / 2) : int(y + thickness / 2), x] = 0.9
    m[40:52, 60:200] = 0.9  # short: not measured
    return m


def test_the_bend_is_the_longest_lines_sag_off_its_chord_in_page_pixels() -> None:
    from docproc.reading.mrz.bend import page_bend

    m = _arc_map(640, 320, 20.0)
    bend = page_bend(m, (640, 1280, 3))  # the page is twice the map's size
    assert bend is not None
    assert abs(bend.sag - 40.0) < 3.0
    assert abs(bend.at(640) - 40.0) < 3.0 and abs(bend.at(90)) < 3.0
    assert page_bend(_arc_map(640, 320, 2.0), (640, 1280, 3)) is None  # within a line's height
    assert page_bend(np.zeros((320, 640), np.float32), (640, 1280, 3)) is None


def test_a_flattened_page_has_its_arc_straight() -> None:
    from docproc.reading.mrz.bend import page_bend, unbent

    m = _arc_map(640, 320, -25.0)
    page = np.where(m[:, :, None] > 0.5, 0, 255).astype(np.uint8).repeat(3, axis=2)
    bend = page_bend(m, page.shape)
    assert bend is not None
    flat = unbent(page, bend)
    long_line = flat[:, 220:600, 0] < 128  # past the short line's end
    rows = [np.flatnonzero(long_line[:, i]).mean() for i in range(0, 380, 20)]
    assert max(rows) - min(rows) < 3.0  # the arc runs straight along its chord


def test_a_bowed_page_is_flattened_after_its_first_detection() -> None:
    """Bowed 15 px (its zone found only by the loose detection, its names then in doubt), the
    page's bend is measured on the map of its first detection and every later step reads the
    flattened page: the zone is found by the strict detection and accepted."""
    from docproc.reading.mrz.reader import _look

    image, entry = _bent_td3("bow", 15.0)
    engine = CountingEngine()
    work, attempt = _look(image, engine, DEFAULT_TUNING, None, time.process_time())
    assert work.bend is not None and 8.0 < work.bend.sag < 16.0
    assert attempt is not None and attempt.result is not None
    assert engine.loose_sides == []
    read = read_page(image, budget=None)
    assert read is not None
    assert read.parsed.lines == tuple(entry["mrz"])  # type: ignore[arg-type]
    assert not read.needs_review


def test_a_bowed_page_photographed_sideways_is_flattened_once_turned_upright() -> None:
    """Bowed 25 px and turned a quarter: the page turned upright has no detection of its own
    yet; it is detected at the reader's first side to measure its bend (the glance or the search
    reuse that detection), flattened, and read right."""
    from docproc.reading.mrz.reader import _look

    image, entry = _bent_td3("bow", 25.0)
    turned = np.ascontiguousarray(np.rot90(image, 1))
    work, attempt = _look(turned, get_engine(1), DEFAULT_TUNING, None, time.process_time())
    assert work.turns in (1, 3) and work.bend is not None  # flattened before the glance
    assert attempt is not None and attempt.result is not None and attempt.result.parsed.valid
    read = read_page(turned, budget=None)
    assert read is not None
    assert read.parsed.lines == tuple(entry["mrz"])  # type: ignore[arg-type]
    assert not read.needs_review
