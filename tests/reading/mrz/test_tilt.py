"""Pages tilted off the axes: the skew the reader measures, the page it straightens, and
(with the real engines) tilted pages read right with their zone found in the page as given."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import cv2
import numpy as np
import pytest

from docproc.reading.mrz.budget import DESKEW_PIXELS, SKEW_MIN, deskewed, line_skew
from docproc.reading.mrz.model import MRZType
from docproc.reading.mrz.reader import read_page
from docproc.reading.mrz.tuning import DEFAULT_TUNING
from docproc.synth.degrade import DegradeOptions, slanted
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document
from tests.reading.mrz.boxes import box
from tests.reading.mrz.engines import CountingEngine


@pytest.mark.parametrize("angle", [-27.0, -8.0, 0.0, 5.0, 21.5, 44.0])
def test_the_skew_of_lines_that_agree(angle: float) -> None:
    quads = [box(300, 100 + 40 * i, 400 - 30 * i, 20, angle) for i in range(4)]
    skew = line_skew(quads)
    assert skew is not None
    # angles modulo 90 degrees: 44 and -46 are one tilt
    assert abs((skew - angle + 45) % 90 - 45) < 0.5


def test_lines_across_and_lines_down_count_as_one_tilt() -> None:
    """A visa turned a quarter on a ruled page: its lines and the page's meet at right angles."""
    quads = [box(300, 100 + 40 * i, 400, 20, 63.5) for i in range(3)]
    quads += [box(500, 600 + 40 * i, 500, 16, -26.5) for i in range(3)]
    skew = line_skew(quads)
    assert skew is not None and abs(skew - (-26.5)) < 0.5


def test_no_skew_from_too_few_lines_or_lines_that_disagree() -> None:
    assert line_skew([box(300, 100, 400, 20, 20), box(300, 140, 400, 20, 20)]) is None
    scattered = [box(300, 100 + 40 * i, 400, 20, a) for i, a in enumerate((0, 20, 40, 60, 80))]
    assert line_skew(scattered) is None
    squat = [box(300, 100 + 40 * i, 30, 20, 20) for i in range(5)]  # not text lines
    assert line_skew(squat) is None


@pytest.mark.parametrize("skew", [-30.0, 12.0, 25.0])
def test_a_deskewed_page_maps_back_to_the_page_as_given(skew: float) -> None:
    page = np.full((300, 500, 3), 255, np.uint8)
    cv2.line(page, (50, 150), (450, 150), (0, 0, 0), 9)
    tilted_turn = cv2.getRotationMatrix2D((250, 150), -skew, 1.0)
    tilted = np.asarray(
        cv2.warpAffine(page, tilted_turn, (500, 300), borderValue=(255, 255, 255)), np.uint8
    )
    straight, unskew = deskewed(tilted, skew)
    # the whole tilted page is kept: the canvas grows
    assert straight.shape[0] >= tilted.shape[0] and straight.shape[1] >= tilted.shape[1]
    ys, xs = np.nonzero(straight[:, :, 0] < 128)
    # the line runs across again: its ink spans far more columns than rows
    assert np.ptp(xs) > 8 * np.ptp(ys)
    # every inked pixel of the straightened page maps back onto ink of the page as given
    back = unskew @ np.stack([xs, ys, np.ones_like(xs)]).astype(np.float64)
    bx, by = np.clip(np.round(back).astype(int), 0, [[499], [299]])
    assert (tilted[by, bx, 0] < 200).mean() > 0.95


def test_a_large_photo_is_straightened_within_the_pixel_cap() -> None:
    """A 40-megapixel photo is not turned onto a 60-megapixel canvas: the straightened page
    holds at most DESKEW_PIXELS, and its points still map back to the photo."""
    photo = np.full((5000, 8000, 3), 230, np.uint8)
    cv2.line(photo, (1000, 2500), (7000, 2500), (0, 0, 0), 40)
    straight, unskew = deskewed(photo, 20.0)
    assert straight.shape[0] * straight.shape[1] <= DESKEW_PIXELS
    ys, xs = np.nonzero(straight[:, :, 0] < 128)
    back = unskew @ np.stack([xs, ys, np.ones_like(xs)]).astype(np.float64)
    assert np.abs(back[1] - 2500).max() < 40  # every inked pixel maps onto the line drawn


def _tilted(
    mrz_type: MRZType, name: str, angle: float, opts: DegradeOptions | None
) -> tuple[Any, dict[str, Any], Any]:
    """A generated page turned by ``angle`` degrees (counter-clockwise, white corners), as a
    phone held askew sees it, and its MRZ's corners in the tilted picture."""
    doc = random_document(random.Random(name), mrz_type)
    image, entry, _ = make_sample(doc, seed=11, opts=opts)
    h, w = image.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    nw, nh = int(w * cos + h * sin), int(w * sin + h * cos)
    turn[0, 2] += (nw - w) / 2
    turn[1, 2] += (nh - h) / 2
    tilted = cv2.warpAffine(image, turn, (nw, nh), borderValue=(255, 255, 255))
    quad = np.array([turn @ np.array([x, y, 1.0]) for x, y in entry["mrz_quad"]])
    return np.ascontiguousarray(tilted), entry, quad


# a card or visa lying on a printed page, turned a quarter, in uneven light: the page's text lines
# and the document's cross at right angles, and at a small side the detector fuses the tilted
# document's lines into blocks (seed 5757's visas read no MRZ at all before the page was
# straightened)
_ON_A_PAGE = DegradeOptions(background="page", rotate=90, lighting=0.5, noise_sigma=3.0)


@pytest.mark.parametrize(
    ("mrz_type", "angle", "opts"),
    [
        (MRZType.MRVA, -16.0, None),
        (MRZType.TD3, 24.0, None),
        (MRZType.MRVB, 26.5, _ON_A_PAGE),
        (MRZType.MRVA, -27.0, _ON_A_PAGE),
        (MRZType.TD1, -28.0, None),
    ],
)
def test_a_tilted_page_is_read_and_its_zone_found_where_it_lies(
    mrz_type: MRZType, angle: float, opts: DegradeOptions | None
) -> None:
    image, entry, want = _tilted(mrz_type, f"tilt-{mrz_type.value}", angle, opts)
    assert abs(angle) >= SKEW_MIN
    read = read_page(image)
    assert read is not None
    assert read.parsed.lines == tuple(entry["mrz"]) and read.parsed.valid
    got = np.array(read.quad)
    # the zone's centre and size in the tilted picture, within a few characters
    assert np.abs(got.mean(axis=0) - want.mean(axis=0)).max() < 25
    assert abs(_top_edge(got) - _top_edge(want)) < 0.15 * _top_edge(want)


def _top_edge(quad: np.ndarray) -> float:
    return float(np.linalg.norm(quad[1] - quad[0]))


def test_a_small_photo_turned_and_tilted_is_read_enlarged() -> None:
    """A card photographed small (300 px, its characters 7-8 px tall) and lying at 118 degrees:
    the detector, which never enlarges a page, finds no line in it; read once more enlarged, it
    reads right, and the zone is given in the small photo's own pixels."""
    image, entry, want = _tilted(MRZType.TD1, "small-card", 118.0, None)
    scale = 300 / max(image.shape[:2])
    small = np.asarray(
        cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), np.uint8
    )
    assert max(small.shape[:2]) < DEFAULT_TUNING.small_side
    read = read_page(small)
    assert read is not None
    assert read.parsed.lines == tuple(entry["mrz"])
    got = np.array(read.quad)
    assert np.abs(got.mean(axis=0) - want.mean(axis=0) * scale).max() < 10
    assert read_page(small, tuning=replace(DEFAULT_TUNING, small_side=0)) is None


def _slanted_page(seed: int, shrink: float) -> tuple[np.ndarray, tuple[str, ...]]:
    """A clean generated document photographed at a slant: its right edge ``shrink`` shorter
    than its left (and a third of that nearer), on a dark desk."""
    rng = random.Random(seed)
    doc = random_document(rng, rng.choice([MRZType.TD3, MRZType.TD1, MRZType.TD2]))
    image, _, _ = make_sample(doc, seed=seed, opts=None)
    page = slanted(image, shrink, desk=(90, 80, 70))
    return np.asarray(page, np.uint8), tuple(doc.mrz)


@pytest.mark.parametrize("seed", [101, 104, 107])
def test_a_page_photographed_at_a_slant_is_read_on_a_drifting_grid(seed: int) -> None:
    """The far edge a tenth shorter: the MRZ's pitch shrinks along its lines, and one fixed
    pitch puts its end cells a third of a glyph off. The glyph grid follows the drift: the
    quick look reads it, no text detection runs, and it is accepted."""
    page, lines = _slanted_page(seed, 0.1)
    engine = CountingEngine()
    read = read_page(page, engine=engine)
    assert read is not None and read.parsed.lines == lines
    assert not read.needs_review, read.review_reasons
    assert engine.detections == 0
