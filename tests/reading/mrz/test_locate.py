"""The quick look: MRZ lines found by morphology alone, and pages read without the text detector.
With the real engines on generated pages (several seeds, every format, turned and tilted)."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import cv2
import numpy as np
import pytest

from docproc.reading.mrz.detect import find_zones
from docproc.reading.mrz.locate import line_quads
from docproc.reading.mrz.model import MRZType
from docproc.reading.mrz.reader import read_page
from docproc.reading.mrz.tuning import DEFAULT_TUNING
from docproc.reading.ocr.ppocr import Quad
from docproc.synth.degrade import random_options
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document
from tests.reading.mrz.engines import CountingEngine


def _page(mrz_type: MRZType, name: str, degraded: bool = False) -> tuple[Any, dict[str, Any]]:
    rng = random.Random(name)
    doc = random_document(rng, mrz_type)
    image, entry, _ = make_sample(doc, seed=11, opts=random_options(rng) if degraded else None)
    return image, entry


def _inside(quad: Quad, box: list[list[float]]) -> bool:
    """The quad's centre lies within the MRZ's ground-truth quadrilateral."""
    centre = quad.mean(axis=0)
    contour = np.array(box, np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(contour, (float(centre[0]), float(centre[1])), False) >= 0


@pytest.mark.parametrize("mrz_type", list(MRZType))
def test_every_line_of_a_clean_zone_is_found_in_place(mrz_type: MRZType) -> None:
    image, entry = _page(mrz_type, f"locate-{mrz_type}")
    zones = find_zones(line_quads(image), max_candidates=3)
    lines = len(entry["mrz"])
    best = next(z for z in zones if len(z.lines) == lines)
    assert all(_inside(ln.quad(), entry["mrz_quad"]) for ln in best.lines)
    # as long as the printed lines (a line may stop short; the reader stretches the zone's lines
    # to its longest), never much longer
    width = float(np.linalg.norm(np.subtract(entry["mrz_quad"][1], entry["mrz_quad"][0])))
    longest = max(ln.length for ln in best.lines)
    assert 0.85 * width <= longest <= 1.25 * width


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_a_zone_turned_a_quarter_or_upside_down_is_found(turns: int) -> None:
    image, _ = _page(MRZType.TD3, "locate-turned")
    turned = np.ascontiguousarray(np.rot90(image, turns))
    zones = find_zones(line_quads(turned), max_candidates=3)
    assert any(len(z.lines) == 2 for z in zones)
    angle = abs(next(z for z in zones if len(z.lines) == 2).lines[0].angle) % 180
    assert (angle < 5 or angle > 175) if turns == 2 else 85 < angle < 95


def test_a_tilted_zone_is_found_at_its_angle() -> None:
    image, _ = _page(MRZType.TD1, "locate-tilt")
    image = cv2.copyMakeBorder(image, 200, 200, 200, 200, cv2.BORDER_CONSTANT, value=(90, 90, 90))
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 12, 1.0)
    tilted = np.asarray(cv2.warpAffine(image, m, (w, h), borderValue=(90, 90, 90)), np.uint8)
    zones = find_zones(line_quads(tilted), max_candidates=3)
    three = next(z for z in zones if len(z.lines) == 3)
    assert abs(abs(three.lines[0].angle) - 12) < 3


def test_rules_dashes_and_blank_pages_give_no_line() -> None:
    page = np.full((900, 1300, 3), 235, np.uint8)
    assert line_quads(page) == []
    for y in range(100, 800, 40):  # dashed rules and solid rules, MRZ-long
        for x in range(60, 1200, 70):
            cv2.line(page, (x, y), (x + 45, y + 0), (20, 20, 20), 6)
    cv2.rectangle(page, (80, 830), (1200, 850), (30, 30, 30), -1)
    assert line_quads(page) == []
    assert line_quads(np.zeros((3, 3), np.uint8)) == []


@pytest.mark.parametrize("name", ["quick-a", "quick-b", "quick-c"])
def test_a_clean_page_is_read_without_the_text_detector(name: str) -> None:
    mrz_type = random.Random(name).choice(list(MRZType))
    image, entry = _page(mrz_type, name)
    engine = CountingEngine()
    read = read_page(image, engine=engine)
    assert read is not None and read.parsed.lines == tuple(entry["mrz"])
    assert engine.detections == 0
    off = read_page(image, engine=engine, tuning=_without_quick_look())
    assert off is not None and off.parsed.lines == read.parsed.lines
    assert engine.detections >= 1


def _without_quick_look() -> Any:
    return dataclasses.replace(DEFAULT_TUNING, quick_zones=0)


def test_a_page_the_quick_look_cannot_settle_goes_on_to_the_text_detector() -> None:
    """The composite check digit wiped off the page: no zone settles on the quick look, the
    detector's path reads the page and sends it to review."""
    image, entry = _page(MRZType.TD3, "quick-fallback")
    x0, y0, x1, y1 = (int(v) for v in entry["mrz_line_boxes"][1])
    cell = (x1 - x0) / 44
    wiped = image.copy()
    paper = [int(v) for v in image[y0 - 3, x1 - int(3 * cell)]]
    cv2.rectangle(wiped, (int(x1 - 1.1 * cell), y0 - 2), (x1 + 3, y1 + 2), paper, -1)
    engine = CountingEngine()
    read = read_page(wiped, engine=engine)
    assert engine.detections >= 1
    assert read is not None and read.needs_review
    assert read.parsed.document_number == entry["fields"]["document_number"]


def test_degraded_pages_read_by_the_quick_look_are_right() -> None:
    """Fresh degraded pages (seeded, every format): whatever the quick look settles is the
    document's MRZ exactly; the rest goes on to the detector."""
    engine = CountingEngine()
    settled = 0
    for k, mrz_type in enumerate(list(MRZType) * 2):
        image, entry = _page(mrz_type, f"quick-degraded-{k}", degraded=True)
        before = engine.detections
        read = read_page(image, engine=engine)
        if engine.detections == before:
            settled += 1
            assert read is not None and read.parsed.lines == tuple(entry["mrz"])
    assert settled >= 3


def _printed(mrz_type: MRZType, name: str, edit: Any) -> tuple[Any, tuple[str, ...]]:
    """A clean page whose MRZ is printed with ``edit`` applied to its lines."""
    doc = random_document(random.Random(name), mrz_type)
    lines = tuple(edit(list(doc.mrz)))
    image, _, _ = make_sample(dataclasses.replace(doc, mrz=lines), seed=11, opts=None)
    return image, lines


def _made_up_state(lines: list[str]) -> list[str]:
    """No check digit covers the issuing state: a made-up code (a specimen's)."""
    return [lines[0][:2] + "QQX" + lines[0][5:], *lines[1:]]


def _nationality(code: str) -> Any:
    """A TD1 card whose nationality is printed as ``code`` (no check digit covers it)."""

    def edit(lines: list[str]) -> list[str]:
        return [lines[0], lines[1][:15] + code + lines[1][18:], lines[2]]

    return edit


def _wrong_birth_check(lines: list[str]) -> list[str]:
    """A TD1 card printed with a wrong birth-date check digit (a void specimen's)."""
    second = lines[1]
    digit = str((int(second[6]) + 3) % 10)
    return [lines[0], second[:6] + digit + second[7:], *lines[2:]]


@pytest.mark.parametrize(
    ("mrz_type", "edit", "reason"),
    [
        (MRZType.TD3, _made_up_state, "unknown_country:QQX"),
        (MRZType.TD1, _wrong_birth_check, "check_failed:birth_date"),
    ],
)
def test_a_fault_printed_so_goes_to_review_without_the_search(
    mrz_type: MRZType, edit: Any, reason: str
) -> None:
    """Both recognisers read the fault alike: the record is the print as it is, with its
    reason, at once (no text detection, no harder reading)."""
    image, lines = _printed(mrz_type, f"printed-{reason}", edit)
    engine = CountingEngine()
    read = read_page(image, engine=engine)
    assert read is not None and read.parsed.lines == lines
    assert reason in read.review_reasons and read.needs_review
    assert engine.detections == 0


def test_a_made_up_code_no_slip_makes_known_is_taken_on_the_glyph_reader() -> None:
    """``QQX``: no look-alike slip gives a known code, the glyph reader is sure of it, and the
    record goes to review for it whatever a second reading says: PP-OCR reads nothing."""
    image, lines = _printed(MRZType.TD1, "made-up-nationality", _nationality("QQX"))
    engine = CountingEngine()
    read = read_page(image, engine=engine)
    assert read is not None and read.parsed.lines == lines
    assert "unknown_country:QQX" in read.review_reasons
    assert engine.detections == 0 and engine.lines == 0
