"""One page's reading: which way up it is read, what it may spend, the detections made of it.

A page whose text lines run up or down is turned a quarter before the full search; a picture of the
zone alone gets a margin of paper (:func:`upright_work`).

The budget counts CPU seconds of this process (``time.process_time``): on a busy machine a
document is not cut short because others took the cores. It never stops the reader before the
first reading of a candidate zone, so a page with an MRZ always yields its best reading so far.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from docproc.reading.mrz.bend import Bend, page_bend, unbent
from docproc.reading.mrz.detect import line_from_quad
from docproc.reading.mrz.lines import Image
from docproc.reading.ocr.ppocr import PPOCR, Quad


@dataclass
class PageWork:
    """One page's reading: its image (turned so that text lines run across), the detections made
    of it so far by side, the CPU budget and whether it ran out."""

    image: Image
    budget: float | None = None  # CPU seconds; None or 0: no budget
    turns: int = 0  # quarter turns counter-clockwise applied to the page (np.rot90's k)
    pad: int = 0  # paper added round a crop of the zone alone (pixels each side)
    detections: dict[int, list[Quad]] = field(default_factory=dict)
    loose: dict[int, list[Quad]] = field(default_factory=dict)  # lines only a loose one finds
    started: float = field(default_factory=time.process_time)
    ran_out: bool = False
    checked: float = -1.0  # CPU time of the last budget check (-1: none yet)
    step: float = 0.0  # CPU seconds between the last two checks: what the next step may take

    detect_seconds: dict[int, float] = field(default_factory=dict)  # CPU per detection side
    # a page whose lines were tilted off the axes was straightened first (:func:`deskewed`):
    # ``unskew`` maps that page's points back to the page as given, and ``skewed_width`` is its
    # width (what the quarter turns then turned)
    unskew: npt.NDArray[np.float64] | None = None
    skewed_width: int = 0
    # a page whose long lines bent was flattened last (:func:`flattened`): a point (x, y) of this
    # image is (x, y + bend.at(x)) of the image it was flattened from
    bend: Bend | None = None

    @property
    def straightened(self) -> bool:
        """The page as given was tilted, and this one is it straightened."""
        return self.unskew is not None

    def detect(self, engine: PPOCR, side: int) -> list[Quad]:
        if side not in self.detections:
            began = time.process_time()
            self.detections[side] = engine.detect(self.image, side)
            self.detect_seconds[self._effective(side)] = time.process_time() - began
        return self.detections[side]

    def detect_loose(self, engine: PPOCR, side: int) -> list[Quad]:
        """The text lines of the detection at ``side`` that only a region's own outline scores
        high enough (``PPOCR.detect(loose=True)``): lines that bend or tilt, which the strict
        detection dropped. Right after that detection, its map is reused."""
        strict = self.detect(engine, side)
        if side not in self.loose:
            known = {tuple(np.round(q).astype(int).ravel()) for q in strict}
            self.loose[side] = [
                q
                for q in engine.detect(self.image, side, loose=True)
                if tuple(np.round(q).astype(int).ravel()) not in known
            ]
        return self.loose[side]

    def _effective(self, side: int) -> int:
        """The side a detection at ``side`` runs at (a page is never enlarged for it)."""
        return min(side, int(max(self.image.shape[:2])))

    def detection_fits(self, side: int) -> bool:
        """Whether a detection at ``side`` would end within the budget: its CPU time forecast
        from the detections made of this page, by area (a 1600 px detection costs about six
        times a 640 px one), so that one large detection does not run the document past its
        budget. True without a budget, for a detection made already, or with none to go by."""
        if not self.budget or side in self.detections or not self.detect_seconds:
            return True
        known, seconds = max(self.detect_seconds.items())
        forecast = seconds * (self._effective(side) / max(1, known)) ** 2
        return time.process_time() - self.started + forecast <= self.budget

    def out_of_time(self) -> bool:
        """True (and remembered) once the budget is spent, or would be by a step as long as the
        last one (the time between the last two checks): the document ends within its budget
        instead of starting a step it cannot finish."""
        now = time.process_time()
        if self.checked >= 0:
            self.step = now - self.checked
        self.checked = now
        if self.budget and now - self.started + self.step > self.budget:
            self.ran_out = True
        return self.ran_out

    def original_point(self, x: float, y: float, width: int) -> tuple[float, float]:
        """A point of the (padded, turned, deskewed) work image in the page as given
        (``width``: its width)."""
        if self.bend is not None:
            y += self.bend.at(x)
        x, y = x - self.pad, y - self.pad
        if self.turns == 1:  # np.rot90 put (x, y) of the page at (y, width - x)
            x, y = (self.skewed_width or width) - y, x
        elif self.turns == 3:  # and with k=3 at (height - y, x): x' = height - y, y' = x
            x, y = y, self.image.shape[1] - 2 * self.pad - x
        if self.unskew is not None:
            x, y = (float(v) for v in self.unskew @ np.array([x, y, 1.0]))
        return x, y


# A picture this many times as long as it is wide is a crop of the zone (no page is so narrow).
_CROP_ASPECT = 3.0
# Paper added round such a crop, as a share of its longer side.
_CROP_PAD = 0.04

# A page whose long detected lines run this much more up-and-down than across is turned.
_DOWN_OVER_ACROSS = 1.5


def quarter_turns(quads: list[Quad], width: int) -> int:
    """How many quarter turns counter-clockwise (``np.rot90``'s ``k``) bring a page whose lines
    run up or down upright, guessed from where its longest line is: an MRZ runs along the foot of
    its page, and a page turned counter-clockwise has its foot on the right. A wrong guess costs
    only the 0/180 degree test that follows."""
    lines = [line_from_quad(q) for q in quads]
    down = [ln for ln in lines if abs(float(ln.u[1])) > np.sin(np.radians(45))]
    longest = max(down, key=lambda ln: ln.length, default=None)
    if longest is None:
        return 1
    return 3 if float(longest.center[0]) > width / 2 else 1


# A page whose text lines lie at least this many degrees off the nearest axis is deskewed before
# the search: the text detector fuses or cuts lines tilted by 15-30 degrees, and the quick look's
# closings run along the axes.
SKEW_MIN = 3.0
# ...when its long lines agree on the tilt (the length-weighted resultant of their angles taken
# four times round, 1 when every line lies the same way modulo 90 degrees).
_SKEW_AGREEMENT = 0.8
_SKEW_ASPECT = 2.0


def line_skew(quads: list[Quad]) -> float | None:
    """How far the page's long text lines lie off the nearest axis, in degrees in (-45, 45]
    (positive: turned clockwise as seen), or None with fewer than three boxes of text at least
    twice as long as thick, or boxes that do not agree. Lines across and lines up or down count
    alike (angles modulo 90)."""
    lines = [line_from_quad(q) for q in quads]
    # boxes of text twice as long as thick: at a small side a tilted page's lines come fused
    # into blocks, whose long side still runs along them
    lines = [ln for ln in lines if ln.aspect >= _SKEW_ASPECT]
    if len(lines) < 3:
        return None
    weights = np.array([ln.length for ln in lines])
    angles = np.radians([4.0 * ln.angle for ln in lines])
    c, s = float(np.sum(weights * np.cos(angles))), float(np.sum(weights * np.sin(angles)))
    if np.hypot(c, s) < _SKEW_AGREEMENT * float(weights.sum()):
        return None
    return float(np.degrees(np.arctan2(s, c)) / 4.0)


# A straightened page holds at most this many pixels: a larger photo is made smaller as it is
# turned (its canvas grows by up to half; an MRZ is still 4,000 px wide at this size).
DESKEW_PIXELS = 16_000_000


def deskewed(image: Image, skew: float) -> tuple[Image, npt.NDArray[np.float64]]:
    """The page turned by ``skew`` degrees so that its lines run along the axes, on a canvas
    large enough to hold all of it (the corners filled with the paper's colour, the median of
    its edge) and of at most :data:`DESKEW_PIXELS`, and the 2x3 map of the turned page's points
    back to the page as given."""
    h, w = image.shape[:2]
    cos, sin = abs(np.cos(np.radians(skew))), abs(np.sin(np.radians(skew)))
    canvas_w, canvas_h = w * cos + h * sin, w * sin + h * cos
    # (a shade under the cap: the canvas's sides are rounded up)
    scale = min(1.0, 0.995 * float(np.sqrt(DESKEW_PIXELS / max(1.0, canvas_w * canvas_h))))
    nw, nh = int(np.ceil(canvas_w * scale)), int(np.ceil(canvas_h * scale))
    turn = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), skew, scale)
    turn[0, 2] += (nw - w) / 2.0
    turn[1, 2] += (nh - h) / 2.0
    edge = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    paper = tuple(int(v) for v in np.median(edge, axis=0).reshape(-1))
    out = cv2.warpAffine(
        image,
        turn,
        (nw, nh),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=paper,
    )
    return np.asarray(out, np.uint8), np.asarray(cv2.invertAffineTransform(turn), np.float64)


def enlarged(image: Image, side: int) -> tuple[Image, float]:
    """A small page enlarged (cubic) to ``side`` px long, at most three times, and by how much:
    the text detector never enlarges a page."""
    factor = min(3.0, side / max(1, max(image.shape[:2])))
    big = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return np.asarray(big, np.uint8), factor


def lines_run_down(quads: list[Quad]) -> bool:
    """Whether the text lines the detector found mostly run up or down the page (a page turned
    a quarter), weighing each line by its length."""
    across = down = 0.0
    for quad in quads:
        line = line_from_quad(quad)
        if line.aspect < 4:
            continue
        if abs(float(line.u[1])) > np.sin(np.radians(45)):
            down += line.length
        else:
            across += line.length
    return down > _DOWN_OVER_ACROSS * across


def _long_lines(quads: list[Quad]) -> int:
    """How many of the detected boxes are text lines (long and thin)."""
    return sum(1 for quad in quads if line_from_quad(quad).aspect >= 4)


def _turned_if_lines(image: Image, engine: PPOCR, side: int, probe: PageWork) -> PageWork:
    """A page on which the detector found fewer than two text lines either way: on a small card
    turned a quarter it finds none at all (its lines are a few pixels wide, on their side). Turned
    a quarter, a page whose lines then run across is read turned (the 0/180 degree test that
    follows settles which quarter); any other stays as it is. One more detection, only on pages
    that showed no text lines."""
    turned = np.ascontiguousarray(np.rot90(image, 1))
    quads = engine.detect(turned, side)
    if _long_lines(quads) < 2 or lines_run_down(quads):
        return probe
    work = PageWork(turned, probe.budget, turns=1, started=probe.started)
    work.detections[side] = quads
    return work


def flattened(work: PageWork, engine: PPOCR, side: int) -> PageWork:
    """``work`` with its image flattened when the longest text line of its latest detection's
    map bends (:func:`~docproc.reading.mrz.bend.page_bend`: a booklet's page bowing), so that
    every later step reads straight lines; else ``work`` itself. A page turned a quarter has no
    detection yet: it is detected at ``side`` (kept for the steps that follow). The flattened
    page is detected afresh when a step needs it."""
    if not work.detections:
        work.detect(engine, side)
    side = next(reversed(work.detections))  # the latest: its map is the engine's last
    bend = page_bend(engine.text_map(work.image, side), work.image.shape)
    if bend is None:
        return work
    flat = PageWork(
        unbent(work.image, bend), work.budget, turns=work.turns, pad=work.pad, started=work.started
    )
    flat.unskew, flat.skewed_width, flat.bend = work.unskew, work.skewed_width, bend
    flat.detect_seconds = dict(work.detect_seconds)  # what detections cost, for the forecast
    return flat


def upright_work(
    image: Image,
    engine: PPOCR,
    first_side: int,
    budget: float | None,
    started: float | None = None,
    *,
    deskew: bool = True,
    skew_side: int = 0,
) -> PageWork:
    """The page made ready: detected once at ``first_side`` (the reader's first detection, kept
    for it); a page whose lines lie tilted off the axes (:func:`line_skew`, at least
    :data:`SKEW_MIN` degrees) is turned by that much and detected again, and a page whose lines
    run up or down is turned a quarter so that they run across. When the first detection shows
    no text line at all (a small side fuses a tilted page's lines into blocks), the tilt is
    looked for at ``skew_side`` (kept: the search would detect there next anyway).

    The text detector finds lines of characters turned on their side far worse than upright
    ones (two MRZ lines fused into one box, or one of them missed); the recogniser's 0/180
    degree test then settles the reading direction. A picture of the zone alone (far longer than
    wide) is turned by its shape and given a margin of paper: the detector misses lines that
    touch the picture's edges."""
    started = time.process_time() if started is None else started
    h, w = image.shape[:2]
    turned, turns = False, 1
    if max(h, w) >= _CROP_ASPECT * min(h, w):
        # a crop of the zone alone: lines that touch the edges are missed by the detector;
        # the crop's long side tells how it is turned
        turned = h > w
    else:
        probe = PageWork(image, budget, started=started)
        quads = probe.detect(engine, first_side)
        skew = line_skew(quads) if deskew else None
        if deskew and skew is None and skew_side > first_side and _long_lines(quads) == 0:
            skew = line_skew(probe.detect(engine, skew_side))
        if skew is not None and abs(skew) >= SKEW_MIN:
            straight, unskew = deskewed(image, skew)
            work = upright_work(straight, engine, first_side, budget, started, deskew=False)
            work.unskew, work.skewed_width = unskew, straight.shape[1]
            return work
        if not lines_run_down(quads):
            if _long_lines(quads) >= 2:
                return probe
            return _turned_if_lines(image, engine, first_side, probe)
        turned = True
        turns = quarter_turns(quads, w)
    work_image = np.ascontiguousarray(np.rot90(image, turns)) if turned else image
    pad = 0
    if max(h, w) >= _CROP_ASPECT * min(h, w):
        pad = round(_CROP_PAD * max(h, w))
        edge = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
        paper = [int(v) for v in np.median(edge, axis=0)]
        work_image = np.asarray(
            cv2.copyMakeBorder(work_image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=paper),
            np.uint8,
        )
    return PageWork(work_image, budget, turns=turns if turned else 0, pad=pad, started=started)
