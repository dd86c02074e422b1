"""Find MRZ-like text lines without a network: morphology on a downscaled grey page.

An MRZ line is a long, dense row of same-height characters at a fixed pitch with small gaps, its
fillers included: dark ink thresholded against its neighbourhood and closed along the line joins
it into one long thin blob, where the visual zone's words, photos and guilloche stay short,
thick or sparse. The blobs come back as text-line quadrilaterals in page coordinates, shaped like
the text detector's (a margin round the ink), for :func:`docproc.reading.mrz.detect.find_zones`.

Lines running across and lines running up or down (a page turned a quarter) are both found: the
binary page is closed once along each axis. Tilts up to about 20 degrees still close into one blob
per line; steeper ones are left to the text detector. Pure: arrays in, arrays out, about 30 ms
of CPU a page (all looks).
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from docproc.reading.ocr.ppocr import Quad

Image = npt.NDArray[np.uint8]
Rect = tuple[tuple[float, float], tuple[float, float], float]  # OpenCV's rotated rectangle

# Longer sides (px) the page is looked at: the closing joins characters whose gaps are at most a
# few pixels, so a document filling the frame is looked at small, one far away large.
LOOK_SIDES = (1024, 640, 400, 256)
# The closing's length along the line (px at the look side): bridges the gap between two
# characters (and between fillers) at pitches of about 6-20 px.
_CLOSE = 9
# A blob is a line candidate when at least this many times as long as thick...
_MIN_ASPECT = 8.0
# ...at least this long (px at the look side: 30 characters at a pitch of 5)...
_MIN_LENGTH = 120
# ...and its rectangle at least this full of ink after the closing.
_MIN_FILL = 0.45
# The text detector's boxes hold the line with a margin: its quads are this much thicker than the
# ink and longer by the same margin (0.3 of the thickness at each end), which the readers' crops
# are made for.
_MARGIN = 1.6


# Ink is a pixel at least _DARKER grey levels darker than the mean of the _BLOCK x _BLOCK pixels
# round it (a few characters' worth at every look side): print on tinted or shaded paper too.
_BLOCK = 31
_DARKER = 12


def _binary(gray: Image) -> Image:
    """Dark ink against its neighbourhood (white on black)."""
    return np.asarray(
        cv2.adaptiveThreshold(
            gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, _BLOCK, _DARKER
        ),
        np.uint8,
    )


def _blobs(binary: Image, across: bool) -> list[Rect]:
    """Rotated rectangles of the blobs closing along one axis makes of the binary page."""
    size = (_CLOSE, 1) if across else (1, _CLOSE)
    closed = cv2.morphologyEx(
        binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, size)
    )
    # opened along the line: strokes crossing it (a stamp's ring, a signature) no longer bridge
    # two lines; then across it: hairlines (guilloche) that touch a line are cut off
    along = (2 * _CLOSE, 1) if across else (1, 2 * _CLOSE)
    closed = cv2.morphologyEx(
        closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, along)
    )
    thin = (1, 3) if across else (3, 1)
    closed = cv2.morphologyEx(
        closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, thin)
    )
    # every component's outer boundary, those inside another's hole too (a page's edge)
    contours, hierarchy = cv2.findContours(closed, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for n, contour in enumerate(contours):
        if hierarchy[0][n][3] != -1:
            continue  # a hole
        _x, _y, w, h = cv2.boundingRect(contour)
        if max(w, h) < _MIN_LENGTH:
            continue
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
        rect: Rect = ((float(cx), float(cy)), (float(rw), float(rh)), float(angle))
        long, short = max(rw, rh), max(1.0, min(rw, rh))
        if long < _MIN_LENGTH or long / short < _MIN_ASPECT or short < 3:
            continue
        fill = float(cv2.contourArea(contour)) / max(1.0, rw * rh)
        if fill < _MIN_FILL or not _characters(binary, rect):
            continue
        out.append(rect)
    return out


# A line of characters: along it, ink comes in runs about as long as the line is thick (a
# character, or two touching), not in dashes several times longer...
_MAX_RUN = 1.6
# ...and not much thinner than that (a stack of rules seen end on: runs as thin as a rule).
_MIN_RUN = 0.25
# ...and there are many of them (an MRZ line has 30-44 characters; a piece of one at least 10).
_MIN_RUNS = 10


def _characters(binary: Image, rect: Rect) -> bool:
    """Whether the ink inside a blob's rectangle is a row of separate characters."""
    corners = _ordered(cv2.boxPoints(rect))
    (x0, y0), (x1, y1), _, (x3, y3) = corners.tolist()
    length = math.hypot(x1 - x0, y1 - y0)
    thick = math.hypot(x3 - x0, y3 - y0)
    if thick > length:
        corners = corners[[1, 2, 3, 0]]
        length, thick = thick, length
    w, h = max(2, round(length)), max(2, round(thick))
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    strip = cv2.warpPerspective(binary, cv2.getPerspectiveTransform(corners, target), (w, h))
    on = (strip > 0).sum(axis=0) > 0
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
    runs = edges[1::2] - edges[0::2]
    if len(runs) < _MIN_RUNS:
        return False
    return _MIN_RUN * h <= float(np.median(runs)) <= _MAX_RUN * h


def _ordered(pts: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Four corners clockwise from the top-left one (the one with the least x + y). In plain
    Python: numpy's overhead on four points was most of the quick look's bookkeeping."""
    corners = [(float(x), float(y)) for x, y in pts.tolist()]
    cx = sum(x for x, _ in corners) / len(corners)
    cy = sum(y for _, y in corners) / len(corners)
    corners.sort(key=lambda c: math.atan2(c[1] - cy, c[0] - cx))
    first = min(range(len(corners)), key=lambda i: corners[i][0] + corners[i][1])
    return np.array(corners[first:] + corners[:first], np.float32)


def _quad(rect: Rect, scale: float) -> Quad:
    """The rectangle with the detector's margin, in page coordinates, clockwise from top-left."""
    (cx, cy), (rw, rh), angle = rect
    if rw >= rh:
        rw, rh = rw + (_MARGIN - 1) * rh, rh * _MARGIN
    else:
        rw, rh = rw * _MARGIN, rh + (_MARGIN - 1) * rw
    return _ordered(cv2.boxPoints(((cx, cy), (rw, rh), angle)) / scale)


def line_quads(image: Image, sides: tuple[int, ...] = LOOK_SIDES) -> list[Quad]:
    """MRZ-like text lines of a page (BGR or grey), as quadrilaterals in page coordinates, from
    every look side at most as large as the page (the page's own size when it is smaller)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    longest = max(gray.shape[:2])
    looks = sorted({min(side, longest) for side in sides}, reverse=True)
    quads: list[Quad] = []
    small = gray
    for side in looks:
        scale = side / longest
        if max(small.shape[:2]) != side:
            # each look from the one before it (largest first): shrinking a 3-megapixel page
            # four times over costs half of all the looks. Bilinear, not by area: a sixth of
            # the time (1.2 against 7.2 ms a generated page's four looks); the looks find the
            # same zones, a pixel or so apart (docs/benchmarks.md, thirteenth session)
            step = side / max(small.shape[:2])
            small = cv2.resize(small, None, fx=step, fy=step, interpolation=cv2.INTER_LINEAR)
        binary = _binary(np.asarray(small, np.uint8))
        for across in (True, False):
            quads += [_quad(rect, scale) for rect in _blobs(binary, across)]
    return quads
