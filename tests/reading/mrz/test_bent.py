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
from docproc.reading.mrz.reader import _look, read_page
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
    zone, and it reads with every check digit passing."""
    image, entry = _bent_td3("bend", 15.0)
    _, strict = _look(image, get_engine(1), DEFAULT_TUNING, None, time.process_time(), loose=False)
    assert strict is None
    engine = CountingEngine()
    read = read_page(image, engine=engine, budget=None)
    assert read is not None and read.parsed.valid
    assert read.parsed.lines[1] == entry["mrz"][1]  # type: ignore[index]
    assert engine.loose_sides == [DEFAULT_TUNING.detect_side]


def test_a_flat_page_needs_no_loose_detection() -> None:
    image, entry = _bent_td3("bend", 0.0)
    engine = CountingEngine()
    read = read_page(image, engine=engine, budget=None)
    assert read is not None and read.parsed.lines == tuple(entry["mrz"])  # type: ignore[arg-type]
    assert engine.loose_sides == []
