"""A second MRZ recogniser: fixed-pitch cells classified one glyph at a time.

OCR-B in a machine readable zone is monospaced: every line has a known number of characters
(30, 36 or 44) at one pitch. Once a line is rectified, its cells can be cut out and each one
classified on its own by a small convolutional network trained on rendered OCR-B (see
``models/glyphs/``: the training script, its data generator and its figures; the model ships in
``docproc/reading/assets/glyphs/``). This reading
fails differently from the PP-OCR line recogniser: it cannot drop or double a character, and it
tells the round ``O`` from the narrower ``0`` and the chevron ``<`` from ``K`` or ``Z``, which a
general-purpose CTC model trained on mixed fonts confuses.

Pure functions for the geometry (no I/O); :class:`GlyphClassifier` loads the ONNX model once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from docproc.reading.assets import glyph_model, require
from docproc.reading.ocr.levels import percentiles
from docproc.reading.ocr.onnx import Once, cpu_session, model_meta

CELL_H, CELL_W = 32, 24  # classifier input, pixels
_REC_STRIDE = 8  # PP-OCRv4's recogniser emits one frame per 8 input pixels
_REC_HEIGHT = 48
MODEL_FILE = glyph_model().path

Gray = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class CellGrid:
    """Where the ``n`` character cells of a rectified line are: the border before cell ``k`` is
    at ``x0 + pitch * (k + drift * k**2 / 2)`` (:meth:`border`); glyphs span rows ``top`` to
    ``bottom``. ``drift`` is the pitch's change from one cell to the next, as a share of
    ``pitch``: a line photographed at a slant, its far end smaller (0: a fixed pitch)."""

    x0: float
    pitch: float
    n: int
    top: float
    bottom: float
    drift: float = 0.0

    def border(self, k: Any) -> Any:
        """The x of the border before cell ``k`` (a number or an array; fractions too)."""
        return self.x0 + self.pitch * (k + self.drift * k * k / 2)

    def centre(self, i: int) -> float:
        return float(self.border(i) + self.border(i + 1)) / 2

    def moved(self, cells: int) -> CellGrid:
        """The grid moved ``cells`` cells along the line (left when negative), its pitch
        changing on as before: cell ``i`` of the result is cell ``i + cells`` of this one."""
        stretch = 1.0 + self.drift * cells
        return CellGrid(
            float(self.border(cells)),
            self.pitch * stretch,
            self.n,
            self.top,
            self.bottom,
            self.drift / stretch,
        )


def frame_x(frame: int, crop_width: int, crop_height: int) -> float:
    """The x (crop pixels) of a PP-OCR recogniser frame, for a crop fed at its aspect ratio."""
    fed_width = max(1, int(np.ceil(_REC_HEIGHT * crop_width / max(1, crop_height))))
    return (frame + 0.5) * _REC_STRIDE * crop_width / fed_width


def line_ink(gray: Gray) -> Floats:
    """Ink per pixel, 0 (paper) to 1 (darkest print), robust to the line's contrast. The grid
    fit and every cut of a line's cells work on it: a caller cutting one line several times makes
    it once and uses :func:`ink_grid` and :func:`ink_cells`."""
    g = gray.astype(np.float32)
    if g.size == 0:
        return g  # an empty crop: no ink (no grid fits it either)
    paper, dark = percentiles(gray, (90, 3))
    span = max(paper - dark, 16.0)
    return np.asarray(np.clip((paper - g) / span, 0.0, 1.0), np.float32)


# A glyph's strokes are thinner than this share of the crop's height (the crop holds the line
# with a margin): ink that holds a square this large is a dark margin, the page's edge, a tinted
# band or a photo beside the line, not print.
_STROKE_SHARE = 0.3
# Print, for the line's extent: strokes at least this share as dark as the darkest near them.
_PRINT = 0.5
# A glyph band this share of the crop's height or more is no band: ink beside the line fills the
# rows above and below its glyphs.
_BROKEN_BAND = 0.9
# An end of the line's ink set apart from the rest by a gap at least this many glyph heights is
# not part of the line (an MRZ has no gap wider than a filler's): a mark, a card's edge.
_APART = 0.9
# ...or one run of ink longer than this many glyph heights (no glyph, nor two touching, is).
_WALL = 2.5
# Clear paper: a column with less than this share of the most ink in the line's glyph band.
_PAPER = 0.04
# What is left of a line once its stray ends are dropped holds at least this share of its
# glyph-sized runs of ink...
_KEPT_GLYPHS = 0.75
# ...and a piece dropped holds at most this many (a rule, a mark, a block's ragged edge): a
# stretch of the line itself can look apart when glare or wear leaves a gap of clear paper in it.
_STRAY_GLYPHS = 3


def _glyph_ink(ink: Floats) -> Floats:
    """The line's ink less what no stroke can be: a white top-hat (the ink less its opening by
    a square :data:`_STROKE_SHARE` of the crop's height). A dark block beside the line (the
    background past the page's edge, a tinted band) no longer fills the rows above and below
    the glyphs, so the glyph band and the line's extent are found on it."""
    k = max(3, round(_STROKE_SHARE * ink.shape[0]))
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    return np.asarray(cv2.morphologyEx(ink, cv2.MORPH_TOPHAT, square), np.float32)


def _edges(on: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Starts and ends (exclusive) of the runs of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
    return edges[0::2], edges[1::2]


def _text_span(cols: Floats, height: float) -> tuple[float, float] | None:
    """Left and right of the line's glyphs in a column ink profile: the first and last column
    with at least 15 % of the most ink, once the line's ends are rid of ink that is set apart
    from the rest by clear paper (:data:`_APART`; a card's edge, a mark) or runs on too long for
    a glyph (:data:`_WALL`), while what is left holds most of the line's glyphs. Clear paper is
    a column with under 4 % of the most ink: a glyph's thin strokes (the foot of an ``L``) are
    more, so a glyph is never set apart from its neighbour."""
    peak = float(cols.max())
    if peak <= 0:
        return None
    starts, ends = _edges(cols >= _PAPER * peak)  # pieces of ink between clear paper
    ink_starts, ink_ends = _edges(cols >= 0.15 * peak)
    # per piece: its runs of ink as long as a glyph, and whether one is longer (a wall)
    owner = np.searchsorted(starts, ink_starts, side="right") - 1
    wall = (ink_ends - ink_starts) > _WALL * height
    glyphs = np.bincount(owner[~wall], minlength=len(starts))
    walls = np.bincount(owner[wall], minlength=len(starts)) > 0
    before = np.concatenate([[0], np.cumsum(glyphs)])  # glyph runs before piece k: before[k]
    total = float(before[-1])
    first, last = 0, len(starts) - 1

    def stray(k: int, gap: int) -> bool:
        return bool(glyphs[k] <= _STRAY_GLYPHS and (gap >= _APART * height or walls[k]))

    def kept(lo: int, hi: int) -> bool:
        return float(before[hi + 1] - before[lo]) >= _KEPT_GLYPHS * total

    while first < last and stray(first, int(starts[first + 1] - ends[first])):
        if not kept(first + 1, last):
            break
        first += 1
    while first < last and stray(last, int(starts[last] - ends[last - 1])):
        if not kept(first, last - 1):
            break
        last -= 1
    lo, hi = int(starts[first]), int(ends[last])
    on = np.flatnonzero(cols[lo:hi] >= 0.15 * peak)
    if len(on) < 2:
        return None
    return float(lo + on[0]), float(lo + on[-1] + 1)


def _print_columns(strokes: Floats) -> Floats:
    """Per column of a line's glyph band (its :func:`_glyph_ink` rows), the pixels of print:
    strokes at least :data:`_PRINT` as dark as the darkest stroke within two glyph heights
    (and a quarter of the line's darkest). A guilloche or a shading of the paper at the line's
    ends is lighter than the print beside it, so it does not stretch the grid; print that a
    gradient across the page makes lighter at one end is still print."""
    height = max(1, strokes.shape[0])
    darkest = np.asarray(strokes.max(axis=0, keepdims=True), np.float32)
    reach = np.ones((1, 4 * height + 1), np.uint8)
    near = np.asarray(cv2.dilate(darkest, reach), np.float32)
    floor = 0.25 * float(darkest.max())
    return np.asarray((strokes >= _PRINT * np.maximum(near, floor)).sum(axis=0), np.float32)


def _glyph_band(ink: Floats) -> tuple[Floats, Floats, float, float]:
    """A line's ink to fit cells on, its strokes (:func:`_glyph_ink`) and the top and bottom of
    its glyph band. Where ink fills every row of the crop (:data:`_BROKEN_BAND`: a dark block
    beside the line, the page's edge, a tinted band) the band and the ink are the strokes'."""
    top, bottom = _band(ink)
    strokes = _glyph_ink(ink)
    if bottom - top >= _BROKEN_BAND * ink.shape[0]:
        ink = strokes
        top, bottom = _band(strokes)
    return ink, strokes, top, bottom


def _rows(top: float, bottom: float) -> slice:
    return slice(int(top), max(int(bottom), int(top) + 1))


def print_runs(ink: Floats) -> int:
    """How many runs of print a line's ink (:func:`line_ink`) shows along its glyph band: about
    one a glyph, fillers included (a glyph of two strokes may make two, glyphs blurred together
    one), so a line of 36 characters shows 36-45 and one of 44 at least 44."""
    _ink, strokes, top, bottom = _glyph_band(ink)
    cols = _print_columns(strokes[_rows(top, bottom)])
    if cols.max() <= 0:
        return 0
    return len(_edges(cols >= 0.15 * float(cols.max()))[0])


def _band(ink: Floats) -> tuple[float, float]:
    """Top and bottom of the glyph band: rows holding a fair share of the line's ink."""
    rows = ink.sum(axis=1)
    if rows.max() <= 0:
        return 0.0, float(ink.shape[0])
    on = np.flatnonzero(rows >= 0.35 * rows.max())
    return float(on[0]), float(on[-1] + 1)


def fit_grid(gray: Gray, n: int, xs: list[tuple[int, float]] | None = None) -> CellGrid | None:
    """Cells of a rectified line image holding ``n`` characters (:func:`ink_grid` of its ink)."""
    return ink_grid(line_ink(gray), n, xs)


def ink_grid(
    ink: Floats, n: int, xs: list[tuple[int, float]] | None = None, *, drift: bool = True
) -> CellGrid | None:
    """Cells of a rectified line's ink (:func:`line_ink`) holding ``n`` characters.

    ``xs`` are (index, x) anchors, e.g. where the line recogniser peaked for each character; a
    robust line fit through them gives the pitch and offset. Without anchors the ink's extent
    does. Either way the grid is then nudged so that cell borders fall on the gaps between
    glyphs (the column ink profile's minima), its pitch drifting along the line where that fits
    clearly better (:func:`_drifted`; ``drift`` False: one fixed pitch).
    """
    w = ink.shape[1]
    if n <= 0 or w < n * 3:
        return None
    ink, strokes, top, bottom = _glyph_band(ink)
    rows = _rows(top, bottom)
    cols = ink[rows].sum(axis=0)
    pitch = x0 = None
    if xs and len(xs) >= max(6, n // 3):
        idx = np.array([i for i, _ in xs], np.float64)
        pos = np.array([x for _, x in xs], np.float64)
        keep = np.ones(len(idx), bool)
        for _ in range(3):
            slope, icpt = np.polyfit(idx[keep], pos[keep], 1)
            resid = np.abs(pos - (slope * idx + icpt))
            keep = resid <= max(2.0, 0.35 * slope)
            if keep.sum() < max(6, n // 3):
                break
        else:
            pitch = float(slope)
            x0 = float(icpt) - 0.5 * pitch
    if pitch is None or x0 is None or pitch <= 2:
        span = _text_span(_print_columns(strokes[rows]), bottom - top)
        if span is None:
            return None
        left, right = span
        pitch = (right - left) / (n - 0.25)  # the last glyph leaves about a quarter cell empty
        x0 = left - 0.12 * pitch
    fixed = _refine(cols, n, pitch, x0)
    if not drift:
        return CellGrid(fixed[1], fixed[0], n, top, bottom)
    pitch, x0, change = _drifted(cols, n, (pitch, x0), fixed)
    return CellGrid(x0, pitch, n, top, bottom, change)


# The lines of one zone photographed at a slant drift alike: the same way, within this much.
_DRIFT_SPREAD = 0.002


def drifts_agree(grids: list[CellGrid]) -> bool:
    """Whether the grids of a zone's lines drift alike (:data:`_DRIFT_SPREAD`), or none
    drifts: a slant shrinks every line of a zone alike, while one line's grid drifting alone
    (its box cut short, a mark beside it) is no slant."""
    drifts = [g.drift for g in grids]
    if not any(drifts):
        return True
    if not all(d * drifts[0] > 0 for d in drifts):
        return False
    return max(drifts) - min(drifts) <= _DRIFT_SPREAD + 1e-9


def zone_grids(
    inks: Sequence[Floats], n: int, anchors: Sequence[list[tuple[int, float]] | None] | None = None
) -> list[CellGrid | None]:
    """The grids of a zone's lines (:func:`ink_grid` of each ink, with its ``anchors`` if any;
    None where none fits): their pitch drifts only where every line that fits drifts alike
    (:func:`drifts_agree`), else each line is on one fixed pitch."""
    xs = list(anchors) if anchors is not None else [None] * len(inks)
    grids = [ink_grid(ink, n, a) for ink, a in zip(inks, xs, strict=True)]
    if drifts_agree([g for g in grids if g is not None]):
        return grids
    return [
        g if g is None or not g.drift else ink_grid(ink, n, a, drift=False)
        for ink, g, a in zip(inks, grids, xs, strict=True)
    ]


def _sampled(prof: Floats, xs: npt.NDArray[np.float64]) -> Any:
    """``prof`` at the columns ``xs``, linear between columns, 0 outside them: exactly
    ``np.interp(xs, arange(len(prof)), prof, left=0, right=0)`` without its search for each
    point's column (4.5 ms against 0.75 ms for a drift search's 50,000 borders)."""
    prof = np.asarray(prof, np.float64)  # as np.interp reads it
    last = len(prof) - 1
    x = np.clip(xs, 0, last)
    i = np.minimum(x.astype(np.intp), last - 1)
    value = prof[i] + (prof[i + 1] - prof[i]) * (x - i)
    return np.where((xs >= 0) & (xs <= last), value, 0.0)


def _refine(cols: Floats, n: int, pitch: float, x0: float) -> tuple[float, float]:
    """Search pitch and offset near the estimate for borders on the least ink: 11 pitches by
    25 offsets, every candidate's borders looked up in one go (the first least cost wins, in
    pitch-major order)."""
    if cols.max() <= 0:
        return pitch, x0
    prof = cols / float(cols.max())
    ks = np.arange(n + 1, dtype=np.float64)
    pitches = pitch * np.linspace(0.975, 1.025, 11)
    offsets = x0 + pitch * np.linspace(-0.3, 0.3, 25)
    borders = offsets[None, :, None] + ks[None, None, :] * pitches[:, None, None]
    cost = _sampled(prof, borders).sum(axis=2)
    # prefer the estimate when the profile is flat (blur): a small pull towards it
    cost += (
        0.02
        * n
        * (np.abs(offsets[None, :] - x0) / pitch + np.abs(pitches[:, None] - pitch) / pitch * n)
    )
    i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
    return float(pitches[i]), float(offsets[j])


# Pitch drifts tried (a share of the pitch, cell to cell): up to 0.8 % a cell, a TD3 line's last
# cell a third wider or narrower than its first (a page photographed at a slant, its far edge a
# fifth shorter than its near one).
_DRIFTS = np.linspace(-0.008, 0.008, 17)
# A drifting grid is taken only when its borders fall on this much less ink than the fixed
# pitch's: a line printed straight keeps its grid.
_DRIFT_GAIN = 0.25


def _drifted(
    cols: Floats, n: int, estimate: tuple[float, float], fixed: tuple[float, float]
) -> tuple[float, float, float]:
    """The refined fixed-pitch grid (``fixed``: pitch, x0), or one whose pitch drifts along
    the line (:attr:`CellGrid.drift`) when its borders fall on clearly less ink
    (:data:`_DRIFT_GAIN`). Searched round the grid's first ``estimate`` (pitch, x0: the print's
    extent or the anchors), which the fixed pitch's refinement may have pulled off to split the
    difference: each drift of :data:`_DRIFTS` with its pitch set to end the line where the
    estimate does, 5 pitches by 13 offsets round that."""
    pitch, x0 = fixed
    if cols.max() <= 0:
        return pitch, x0, 0.0
    prof = cols / float(cols.max())
    ks = np.arange(n + 1, dtype=np.float64)
    cost_fixed = float(_sampled(prof, x0 + ks * pitch).sum())
    first_pitch, first_x0 = estimate
    drifts = _DRIFTS[:, None, None, None]
    # the same line end: pitch * (n + d n^2 / 2) == the estimate's pitch * n
    base = first_pitch * n / (n + drifts * n * n / 2)
    pitches = base * np.linspace(0.98, 1.02, 5)[None, :, None, None]
    offsets = first_x0 + first_pitch * np.linspace(-0.3, 0.3, 13)[None, None, :, None]
    borders = offsets + pitches * (ks + drifts * ks * ks / 2)
    cost = _sampled(prof, borders).sum(axis=3)
    d, i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
    if float(cost[d, i, j]) > (1.0 - _DRIFT_GAIN) * cost_fixed or _DRIFTS[d] == 0.0:
        return pitch, x0, 0.0
    return float(pitches[d, i, 0, 0]), float(offsets[0, 0, j, 0]), float(_DRIFTS[d])


def cut_cells(gray: Gray, grid: CellGrid) -> Floats:
    """The ``n`` cells of a rectified line image (:func:`ink_cells` of its ink)."""
    return ink_cells(line_ink(gray), grid)


def ink_cells(ink: Floats, grid: CellGrid) -> Floats:
    """The ``n`` cells of a line's ink (:func:`line_ink`) as a float32 array
    (n, CELL_H, CELL_W), 0..1: each cell's box, 1.1 pitches wide and the glyph's height plus a
    fifth above and below, scaled to CELL_W x CELL_H (bilinear; ink outside the line is 0).
    Every cell of the line is sampled by one remap."""
    if grid.n <= 0:
        return np.zeros((0, CELL_H, CELL_W), np.float32)
    glyph_h = max(4.0, grid.bottom - grid.top)
    y0 = grid.top - 0.2 * glyph_h
    y1 = grid.bottom + 0.2 * glyph_h
    borders = grid.border(np.arange(grid.n + 1, dtype=np.float64))
    half = (0.55 * np.diff(borders))[:, None]
    # pixel u of a cell's row samples x = left + u * (2 half / CELL_W): an affine warp per cell
    centres = ((borders[:-1] + borders[1:]) / 2)[:, None]
    xs = (centres - half) + np.arange(CELL_W) * (2.0 * half / CELL_W)
    ys = y0 + np.arange(CELL_H) * ((y1 - y0) / CELL_H)
    map_x = np.broadcast_to(xs.reshape(1, -1), (CELL_H, grid.n * CELL_W)).astype(np.float32)
    map_y = np.broadcast_to(ys.reshape(-1, 1), (CELL_H, grid.n * CELL_W)).astype(np.float32)
    strip = cv2.remap(
        ink, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )
    return np.ascontiguousarray(
        strip.reshape(CELL_H, grid.n, CELL_W).transpose(1, 0, 2), dtype=np.float32
    )


class GlyphClassifier:
    """The trained cell classifier (ONNX, CPU). Use :func:`get_classifier`."""

    def __init__(self, model: Path = MODEL_FILE, threads: int = 1) -> None:
        self._session = cpu_session(model, threads)
        self.alphabet: str = model_meta(model)["alphabet"]

    def classify(self, cells: Floats) -> Floats:
        """Class probabilities (n, len(alphabet)) for cells from :func:`cut_cells`."""
        if len(cells) == 0:
            return np.zeros((0, len(self.alphabet)), np.float32)
        logits = self._session.run(None, {"cells": cells[:, None, :, :].astype(np.float32)})[0]
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True), np.float32)


_classifier = Once(lambda: GlyphClassifier(require(glyph_model())))


def get_classifier() -> GlyphClassifier:
    """The process-wide classifier; :class:`~docproc.errors.MissingModel` if the shipped model
    is not in the installed package (the reader never runs without it)."""
    return _classifier.get()


def model_info() -> dict[str, Any]:
    return model_meta(MODEL_FILE)
