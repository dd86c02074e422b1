"""Readings of MRZ lines: PP-OCR's (greedy and forced to the MRZ length), the OCR-B glyph
reader's (cells on a fixed-pitch grid), tesseract's; the reading direction; and the glyph-first
path's readings (glyphs for the whole zone, PP-OCR for a line's head only)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from docproc.reading.mrz.detect import LineBox, ZoneCandidate
from docproc.reading.mrz.lines import CROP_SPAN, Image, _complete_lines, _crop
from docproc.reading.mrz.parse import LETTER_FOR_DIGIT, mrz_likelihood, normalise_line
from docproc.reading.mrz.tuning import ReaderTuning
from docproc.reading.ocr.glyphs import (
    CellGrid,
    frame_x,
    get_classifier,
    ink_cells,
    line_ink,
    zone_grids,
)
from docproc.reading.ocr.mrzlines import get_line_reader
from docproc.reading.ocr.ppocr import (
    LOOKALIKE,
    MRZ_ALPHABET,
    PPOCR,
    LineReading,
    ctc_fixed_length,
    ctc_greedy,
)
from docproc.reading.ocr.tesseract import run_tesseract_pages

_MRZ_WIDTHS = (30, 36, 44)
# The small line recogniser's readings (``line0``, forced to a length ``line0L``): one family.
LINE_SOURCE = "line0"


@dataclass
class _Reading:
    """One way of reading one line: its text and a probability per character."""

    text: str
    probs: list[float]
    source: str
    lookalike: list[float] = field(default_factory=list)  # probability of each char's look-alike
    frames: list[int] = field(default_factory=list)  # recogniser frame of each character
    dist: npt.NDArray[np.float32] | None = None  # glyph reader: class probabilities per cell
    # The cells [start, end) this reading saw, the rest set in from the glyph reading (a window,
    # :func:`_spliced`): it is no second reading of the rest. None: the whole line.
    cells: tuple[int, int] | None = None

    def saw(self, col: int) -> bool:
        """This reading read cell ``col`` itself."""
        return self.cells is None or self.cells[0] <= col < self.cells[1]


# ------------------------------------------------------------------------------------------------
# PP-OCR and tesseract


def _from_ppocr(r: LineReading, source: str) -> _Reading:
    return _Reading(
        r.text,
        [c.prob for c in r.chars],
        source,
        [c.alt_prob for c in r.chars],
        [c.frame for c in r.chars],
    )


def _tesseract_lines(crops: Sequence[Image]) -> list[_Reading]:
    """Line crops read by tesseract (one process for them all, each a line of its own: psm 7)."""
    grays = [
        np.asarray(
            cv2.copyMakeBorder(
                cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), 10, 10, 10, 10, cv2.BORDER_REPLICATE
            ),
            np.uint8,
        )
        for crop in crops
    ]
    pages = run_tesseract_pages(grays, psm=7, whitelist=MRZ_ALPHABET, timeout=10 * len(grays))
    # tesseract's word confidences are too coarse for characters; count it as a fair vote
    return [_Reading(text, [0.7] * len(text), "tesseract") for text in map(normalise_line, pages)]


def _greedy(per: Sequence[_Reading]) -> _Reading:
    """A line's plain PP-OCR reading (not forced to a length, not the glyph reader's)."""
    return next(
        (r for r in per if r.source.startswith("ppocr") and not r.source.endswith("L")), per[0]
    )


def _target_width(texts: Sequence[str]) -> int:
    """The MRZ line length (30, 36 or 44) that the greedy readings of a zone point to."""
    lengths = sorted(len(t) for t in texts if t)
    if not lengths:
        return 44
    typical = lengths[len(lengths) // 2] if len(lengths) < 3 else lengths[-2]
    return min(_MRZ_WIDTHS, key=lambda w: (abs(w - typical), -w))


def _decode_lines(
    mats: list[npt.NDArray[np.float32]], chars: str, source: str, width: int | None = None
) -> list[list[_Reading]]:
    """Greedy CTC per line, plus a reading forced to the zone's MRZ length where it differs."""
    greedy = [ctc_greedy(m, chars) for m in mats]
    width = width or _target_width([g.text for g in greedy])
    out: list[list[_Reading]] = []
    for m, g in zip(mats, greedy, strict=True):
        per = [_from_ppocr(g, source)]
        if len(g.text) != width and abs(len(g.text) - width) <= 10:
            fixed = ctc_fixed_length(m, chars, width)
            if fixed is not None:
                per.insert(0, _from_ppocr(fixed, source + "L"))
        out.append(per)
    return out


# ------------------------------------------------------------------------------------------------
# The glyph reader


def glyph_anchors(
    readings: Sequence[_Reading], width: int, shape: tuple[int, ...]
) -> list[tuple[int, float]] | None:
    """Where the line recogniser saw each character of a line (crop pixels), from the first
    reading of the MRZ length; anchors for the glyph reader's cell grid."""
    h, w = shape[:2]
    for r in readings:
        if len(r.text) == width and len(r.frames) == width:
            return [
                (i, frame_x(f, w, h))
                for i, (f, p) in enumerate(zip(r.frames, r.probs, strict=True))
                if f >= 0 and p >= 0.5
            ]
    return None


def _glyph_readings(
    image: Image, lines: Sequence[LineBox], readings: Sequence[list[_Reading]], width: int
) -> list[_Reading | None]:
    """One reading per line from the OCR-B cell classifier (None where no grid could be fit)."""
    clf = get_classifier()
    inks: list[npt.NDArray[np.float32]] = []
    anchors: list[list[tuple[int, float]] | None] = []
    for ln, per in zip(lines, readings, strict=True):
        gray = np.asarray(cv2.cvtColor(_crop(image, ln, 0), cv2.COLOR_BGR2GRAY), np.uint8)
        inks.append(line_ink(gray))
        anchors.append(glyph_anchors(per, width, gray.shape))
    grids = zone_grids(inks, width, anchors)
    empty = np.zeros((0, 1, 1), np.float32)
    cells = [
        _aligned(ink, grid)[1] if grid is not None else empty
        for ink, grid in zip(inks, grids, strict=True)
    ]
    filled = [c for c in cells if len(c)]
    if not filled:
        return [None] * len(lines)
    dist = clf.classify(np.concatenate(filled))
    out: list[_Reading | None] = []
    at = 0
    for c in cells:
        if not len(c):
            out.append(None)
            continue
        out.append(_glyph_reading(dist[at : at + len(c)], clf.alphabet))
        at += len(c)
    return out


def _aligned(
    ink: npt.NDArray[np.float32], grid: CellGrid
) -> tuple[CellGrid, npt.NDArray[np.float32]]:
    """Cells of the grid, or of the grid one pitch left or right when that one has a glyph in
    both end cells and this one does not (every MRZ position holds a glyph, fillers included;
    anchors from a reading that put a character in the wrong place shift the whole grid); and
    the grid the cells were cut from. ``ink`` is the line's :func:`line_ink`."""
    best: tuple[float, CellGrid, npt.NDArray[np.float32]] | None = None
    for k in (0, -1, 1):
        moved = grid.moved(k)
        cells = ink_cells(ink, moved)
        per_cell = cells.reshape(len(cells), -1).sum(axis=1)
        typical = float(np.median(per_cell)) or 1.0
        ends = min(float(per_cell[0]), float(per_cell[-1])) / typical
        if ends >= 0.3:
            return moved, cells
        if best is None or ends > best[0]:
            best = (ends, moved, cells)
    assert best is not None
    return best[1], best[2]


def _glyph_reading(d: npt.NDArray[np.float32], alphabet: str) -> _Reading:
    top = d.argmax(axis=1)
    text = "".join(alphabet[k] for k in top)
    alt = [alphabet.find(LOOKALIKE.get(ch, "")) for ch in text]
    return _Reading(
        text,
        [float(d[i, k]) for i, k in enumerate(top)],
        "glyph",
        [float(d[i, a]) if a >= 0 else 0.0 for i, a in enumerate(alt)],
        dist=d,
    )


def _add_glyph_readings(
    image: Image, lines: Sequence[LineBox], readings: Sequence[list[_Reading]]
) -> None:
    width = _target_width([_greedy(per).text for per in readings])
    for per, g in zip(readings, _glyph_readings(image, lines, readings, width), strict=True):
        if g is not None:
            per.append(g)


# ------------------------------------------------------------------------------------------------
# Reading direction


def _orient(
    image: Image, zone: ZoneCandidate, engine: PPOCR
) -> tuple[ZoneCandidate, list[LineBox], list[LineReading], list[list[_Reading]]]:
    """Read every line the way the detector found it; if that does not read like an MRZ, fix the
    reading direction (0 or 180 degrees) and read again.

    The direction test reads the middle third of the longest line both ways round (a third of a
    line costs a third of the recogniser's time); text upside down reads as low-probability noise.
    """
    lines = _complete_lines(zone)
    mats, chars = engine.recognise_matrices([_crop(image, ln, 0) for ln in lines])
    first = [ctc_greedy(m, chars) for m in mats]
    if _reads_well(first):
        return zone, lines, first, _decode_lines(mats, chars, "ppocr0")
    probe = max(lines, key=lambda ln: ln.length)
    crop = _crop(image, probe, 0)
    w = crop.shape[1]
    part = np.ascontiguousarray(crop[:, w // 3 : 2 * w // 3])
    pm, chars = engine.recognise_matrices([part, np.ascontiguousarray(part[::-1, ::-1])])
    fwd_probe, back_probe = (ctc_greedy(m, chars) for m in pm)

    def score(r: LineReading) -> float:
        return float(r.mean_prob * max(1, len(r.text)) ** 0.5)

    if score(back_probe) <= score(fwd_probe):
        return zone, lines, first, _decode_lines(mats, chars, "ppocr0")
    zone = zone.flipped()
    lines = _complete_lines(zone)
    mats, chars = engine.recognise_matrices([_crop(image, ln, 0) for ln in lines])
    return zone, lines, [ctc_greedy(m, chars) for m in mats], _decode_lines(mats, chars, "ppocr0")


def _filler_sides(image: Image, zone: ZoneCandidate) -> tuple[bool, bool]:
    """Whether the line recogniser reads ``<<`` in any line of the zone as found, and in any
    line of it turned round (a few milliseconds): every MRZ has it (the name line's separator,
    its fillers), the lines of a letter or a form do not. The full path reads a zone with
    PP-OCR (0.3-1 s) only when either does, and a zone that shows it only turned round is
    read turned round (on the real specimens turned each quarter, 16 zones of 16 that showed
    fillers only that way were upside down)."""
    crops = [_crop(image, ln, 0) for ln in _complete_lines(zone)]
    both = crops + [np.ascontiguousarray(c[::-1, ::-1]) for c in crops]
    mats, chars = get_line_reader().recognise_matrices(both)
    shows = ["<<" in ctc_greedy(m, chars).text for m in mats]
    return any(shows[: len(crops)]), any(shows[len(crops) :])


def _reads_well(reads: Sequence[LineReading]) -> bool:
    """Confidently read MRZ-like text: the direction is right."""
    return all(r.mean_prob >= 0.8 for r in reads) and any(
        mrz_likelihood(r.text) >= 0.6 for r in reads
    )


def _looks_like_mrz(reads: Sequence[LineReading]) -> bool:
    return any(mrz_likelihood(r.text) >= 0.25 or "<<" in r.text for r in reads)


# ------------------------------------------------------------------------------------------------
# The glyph-first path: glyphs for the zone, PP-OCR for a line's head


@dataclass
class _GlyphZone:
    """A zone's lines read by the glyph reader alone: readings, cell grids, crop widths."""

    readings: list[_Reading]
    grids: list[CellGrid]
    crop_widths: list[int]
    inks: list[npt.NDArray[np.float32]] = field(default_factory=list)  # each line's line_ink

    @property
    def mean(self) -> float:
        return min(float(np.mean(r.probs)) for r in self.readings)

    def shifted(self) -> list[_GlyphZone]:
        """The zone read again with each line's grid moved one cell left or right, every
        combination but the one already read: a stray mark beside a line (a guilloche stroke,
        the card's edge) can pull the grid off by a cell, which no later step repairs."""
        if not self.inks:
            return []
        clf = get_classifier()
        options: list[list[tuple[CellGrid, _Reading | None]]] = []
        moved_cells: list[npt.NDArray[np.float32]] = []
        for ink, grid in zip(self.inks, self.grids, strict=True):
            per: list[tuple[CellGrid, _Reading | None]] = [(grid, None)]
            for k in (-1, 1):
                moved = grid.moved(k)
                moved_cells.append(ink_cells(ink, moved))
                per.append((moved, None))
            options.append(per)
        dist = clf.classify(np.concatenate(moved_cells))
        n, at = self.grids[0].n, 0
        for per in options:
            for j in (1, 2):
                per[j] = (per[j][0], _glyph_reading(dist[at : at + n], clf.alphabet))
                at += n
        out: list[_GlyphZone] = []
        for choice in itertools.product(range(3), repeat=len(options)):
            if not any(choice):
                continue
            out.append(
                _GlyphZone(
                    [
                        per[c][1] or self.readings[i]
                        for i, (per, c) in enumerate(zip(options, choice, strict=True))
                    ],
                    [per[c][0] for per, c in zip(options, choice, strict=True)],
                    self.crop_widths,
                )
            )
        return out


# A line box is levelled when the print's middle drifts across it by at least this many crop
# pixels from its middle to an end (of a 48 px crop: a box found from ink alone, or at a small
# detection size, may lie a degree off its line, and the glyphs at its ends then sit low or high
# in their cells, cut off).
_DRIFT_PX = 3.0
_STRIPS = 8


def _print_drift(ink: npt.NDArray[np.float32]) -> tuple[float, float] | None:
    """The middle of the print along the crop: (its height at the crop's middle, its rise per
    pixel along), fit to the ink's band in each of :data:`_STRIPS` strips (the run of rows round
    the strip's inkiest, where rows hold at least a third of its ink); None with too little."""
    h, w = ink.shape
    xs, ys, ws = [], [], []
    for k in range(_STRIPS):
        strip = ink[:, k * w // _STRIPS : (k + 1) * w // _STRIPS]
        prof = strip.sum(axis=1)
        peak = int(np.argmax(prof))
        if prof[peak] <= 0:
            continue
        on = prof >= prof[peak] / 3
        lo, hi = peak, peak
        while lo > 0 and on[lo - 1]:
            lo -= 1
        while hi < h - 1 and on[hi + 1]:
            hi += 1
        rows = np.arange(lo, hi + 1, dtype=np.float64)
        weight = prof[lo : hi + 1].astype(np.float64)
        xs.append((k + 0.5) * w / _STRIPS)
        ys.append(float((rows * weight).sum() / weight.sum()))
        ws.append(float(weight.sum()))
    if len(xs) < _STRIPS - 2:
        return None
    slope, mid = np.polyfit(np.array(xs) - w / 2, ys, 1, w=np.sqrt(ws))
    return float(mid), float(slope)


def _levelled(line: LineBox, ink: npt.NDArray[np.float32]) -> LineBox | None:
    """The line box turned and moved so that the print runs along its middle, when ``ink`` (its
    crop's) shows the print drifting across it (:data:`_DRIFT_PX`); None when it does not."""
    drift = _print_drift(ink)
    if drift is None:
        return None
    mid, slope = drift
    h, w = ink.shape
    if abs(slope) * w / 2 < _DRIFT_PX:
        return None
    along = line.length * CROP_SPAN / w  # page pixels a crop pixel spans along the line
    across = line.thickness / h  # ...and across it
    rise = slope * across / along
    u = line.u + line.v * rise
    u = u / float(np.linalg.norm(u))
    center = line.center + line.v * (mid - h / 2) * across
    return LineBox(center, u, line.length, line.thickness)


def _levelled_lines(
    image: Image, lines: Sequence[LineBox]
) -> tuple[list[LineBox], list[npt.NDArray[np.float32]]]:
    """The lines levelled (:func:`_levelled`) where their print drifts across them, and each
    line's ink (:func:`_line_inks`) cut from its final box."""
    inks = _line_inks(image, lines)
    out_lines, out_inks = [], []
    for line, ink in zip(lines, inks, strict=True):
        level = _levelled(line, ink)
        if level is None:
            out_lines.append(line)
            out_inks.append(ink)
        else:
            out_lines.append(level)
            out_inks.append(_line_inks(image, [level])[0])
    return out_lines, out_inks


def _line_inks(image: Image, lines: Sequence[LineBox]) -> list[npt.NDArray[np.float32]]:
    """Each line's ink (:func:`line_ink` of its crop), what every glyph reading of it starts
    from whatever the number of cells."""
    return [
        line_ink(np.asarray(cv2.cvtColor(_crop(image, ln, 0), cv2.COLOR_BGR2GRAY), np.uint8))
        for ln in lines
    ]


def _glyph_zone(
    image: Image,
    lines: Sequence[LineBox],
    width: int,
    inks: Sequence[npt.NDArray[np.float32]] | None = None,
) -> _GlyphZone | None:
    """Every line of a zone read by the glyph reader alone, on grids fit to the ink (``inks``:
    the lines' :func:`_line_inks`, made here if not given)."""
    clf = get_classifier()
    inks = list(inks) if inks is not None else _line_inks(image, lines)
    grids = zone_grids(inks, width)
    fitted = [g for g in grids if g is not None]
    if len(fitted) != len(grids):
        return None
    aligned = [_aligned(ink, grid) for ink, grid in zip(inks, fitted, strict=True)]
    dist = clf.classify(np.concatenate([cells for _, cells in aligned]))
    return _GlyphZone(
        [
            _glyph_reading(dist[i * width : (i + 1) * width], clf.alphabet)
            for i in range(len(lines))
        ],
        [grid for grid, _ in aligned],
        [ink.shape[1] for ink in inks],
        inks,
    )


def _filler_tail(glyph: _Reading, tuning: ReaderTuning) -> int:
    """Where the run of sure fillers that ends a line starts (the line's length if none)."""
    end = len(glyph.text)
    while end > 0 and glyph.text[end - 1] == "<" and glyph.probs[end - 1] >= tuning.sure_filler:
        end -= 1
    return end


def _head(line: LineBox, grid: CellGrid, crop_width: int, cells: float) -> LineBox:
    """The line box cut down to its first ``cells`` cells (the crop of :func:`_crop` variant 0
    spans the line's length plus 1 % each side)."""
    return _cells_box(line, grid, crop_width, None, cells)


def _cells_box(
    line: LineBox, grid: CellGrid, crop_width: int, first: float | None, last: float
) -> LineBox:
    """The line box cut down to its cells ``first`` to ``last`` (cell units on the glyph grid;
    ``first`` None: from the line's start, or a cell before its first glyph where the box
    starts further out: a box found from ink alone can run on into the page's edge)."""
    padded = line.length * CROP_SPAN

    def at(cells: float) -> float:
        return float(grid.border(cells)) / crop_width * padded - padded / 2

    left = max(-line.length / 2, at(-1.0)) if first is None else at(first)
    right = at(last)
    return LineBox(line.center + line.u * (left + right) / 2, line.u, right - left, line.thickness)


def _cells_zone(zone: ZoneCandidate, lines: Sequence[LineBox], gz: _GlyphZone) -> ZoneCandidate:
    """The zone's lines cut to their glyph cells and half a cell round them: where the glyphs
    of a glyph reading lie (a box found from ink alone can run on past a line's end)."""
    n = len(gz.readings[0].text)
    return ZoneCandidate(
        tuple(
            _cells_box(line, grid, width, -0.5, n + 0.5)
            for line, grid, width in zip(lines, gz.grids, gz.crop_widths, strict=True)
        ),
        zone.score,
    )


def _with_tail(head: _Reading, glyph: _Reading) -> _Reading:
    """A reading of a line's head (up to its filler run) completed by the glyph reading."""
    n = min(len(head.text.rstrip("<")), len(glyph.text))
    lookalike: list[float] = []
    if len(head.lookalike) >= n and len(glyph.lookalike) == len(glyph.text):
        lookalike = head.lookalike[:n] + glyph.lookalike[n:]  # else: unknown (every one doubtful)
    return _Reading(
        head.text[:n] + glyph.text[n:], head.probs[:n] + glyph.probs[n:], head.source, lookalike
    )


def _head_readings(
    m: npt.NDArray[np.float32], chars: str, head: int, source: str = "ppocr0"
) -> list[_Reading]:
    """A CTC recogniser's readings of a line's head that hold ``head`` characters before any
    fillers the crop's margin shows: the greedy one, else ones forced to that length (or one
    more)."""
    greedy = _from_ppocr(ctc_greedy(m, chars), source)
    if len(greedy.text.rstrip("<")) == head:
        return [greedy]
    forced = [ctc_fixed_length(m, chars, n) for n in (head, head + 1)]
    out = [_from_ppocr(f, source + "L") for f in forced if f is not None]
    return [r for r in out if len(r.text.rstrip("<")) == head] + [greedy]


# Cells a line needs a second reading of: [start, end), end None for "up to the run of sure
# fillers that ends the line" (a name line).
Window = tuple[int, int | None]
# A window starting this close to the line's start is read as a name line is, from the start up
# to the line's sure fillers.
_WINDOW_FROM_START = 3
# A window is widened to at least this many cells: PP-OCR misreads a glyph or two cut out alone
# (a TD1's document code read from its first two cells: ``LD`` for ``ID``).
_WINDOW_MIN = 10


def _window_readings(
    m: npt.NDArray[np.float32], chars: str, n: int, source: str = "ppocr0"
) -> list[_Reading]:
    """A CTC recogniser's readings of a window of ``n`` cells: the greedy one when it holds
    ``n`` characters, else the one forced to that length."""
    greedy = _from_ppocr(ctc_greedy(m, chars), source)
    if len(greedy.text) == n:
        return [greedy]
    forced = ctc_fixed_length(m, chars, n)
    return [] if forced is None else [_from_ppocr(forced, source + "L")]


def _spliced(part: _Reading, glyph: _Reading, start: int) -> _Reading:
    """A reading of cells ``start`` to ``start + len(part)`` set into the glyph reading of the
    rest of the line; it records the cells it saw, so that the rest never counts as a second
    reading (:meth:`_Reading.saw`)."""
    end = start + len(part.text)
    lookalike: list[float] = []
    if len(part.lookalike) == len(part.text) and len(glyph.lookalike) == len(glyph.text):
        lookalike = glyph.lookalike[:start] + part.lookalike + glyph.lookalike[end:]
    return _Reading(
        glyph.text[:start] + part.text + glyph.text[end:],
        glyph.probs[:start] + part.probs + glyph.probs[end:],
        part.source,
        lookalike,
        cells=(start, end),
    )


@dataclass(frozen=True)
class _Cut:
    """What PP-OCR reads of one line of a glyph-read zone: cells ``start`` to ``stop``, from the
    line's start up to its sure fillers (``head``; the whole line when no fillers end it) or as
    a window set into the glyph reading; ``name``: a name line, read at ``quick_height`` first."""

    line: int
    start: int
    stop: int
    head: bool
    name: bool


def _cuts(
    gz: _GlyphZone, lines: Sequence[LineBox], windows: Mapping[int, Window], tuning: ReaderTuning
) -> list[tuple[_Cut, LineBox]]:
    """The cut of each line a window names, with the line box to crop for it."""
    width = len(gz.readings[0].text)
    out: list[tuple[_Cut, LineBox]] = []
    for i, (start, end) in sorted(windows.items()):
        grid, crop_width = gz.grids[i], gz.crop_widths[i]
        if end is None or start <= _WINDOW_FROM_START:
            stop = _filler_tail(gz.readings[i], tuning)
            stop = stop if stop <= width - 4 else width
            cut = _Cut(i, 0, stop, True, end is None)
            box = (
                lines[i]
                if stop == width
                else _head(lines[i], grid, crop_width, stop + tuning.head_margin)
            )
        else:
            stop = max(end, min(width, start + _WINDOW_MIN))
            cut = _Cut(i, max(0, min(start, stop - _WINDOW_MIN)), stop, False, False)
            margin = tuning.window_margin
            box = _cells_box(lines[i], grid, crop_width, cut.start - margin, stop + margin)
        out.append((cut, box))
    return out


def _cut_readings(
    cut: _Cut, m: npt.NDArray[np.float32], chars: str, glyph: _Reading, source: str = "ppocr0"
) -> list[_Reading]:
    """A CTC recogniser's readings of a cut as whole lines, the glyph reading supplying the
    rest."""
    width = len(glyph.text)
    if cut.head and cut.stop == width:
        return _decode_lines([m], chars, source, width)[0]
    if cut.head:
        return [_with_tail(r, glyph) for r in _head_readings(m, chars, cut.stop, source)]
    n = cut.stop - cut.start
    return [_spliced(r, glyph, cut.start) for r in _window_readings(m, chars, n, source)]


def _letters_only(line: int, lines: int) -> bool:
    """The zone's name line, which holds letters and fillers only: a TD1's third, a TD2's,
    TD3's or visa's first (document code, issuing state, names)."""
    return line == (2 if lines == 3 else 0)


def _as_read(text: str, letters: bool) -> str:
    """A reading as the parser takes it: on a letters-only line a digit stands for its
    look-alike letter (the glyph reader often gives OCR-B's O as 0 in a name; the parser, the
    vote and the confidence rules all read it as O)."""
    return "".join(LETTER_FOR_DIGIT.get(c, c) for c in text) if letters else text


def _reread(
    image: Image,
    lines: Sequence[LineBox],
    gz: _GlyphZone,
    windows: Mapping[int, Window],
    engine: PPOCR,
    tuning: ReaderTuning,
) -> list[list[_Reading]]:
    """PP-OCR readings of some cells of a glyph-read zone's lines, each with the glyph reading
    beside it; the glyph reading supplies the cells PP-OCR did not read.

    A name line (window end None) that ends in a run of fillers the glyph reader is sure of is
    read up to half a cell into that run (a name line is often half fillers, and the
    recogniser's time grows with the width). Another window (a code, a visa's optional data) is
    read with ``window_margin`` of a cell each side: a TD3's nationality and sex are 11 of its
    second line's 44 cells. A name line's head is read at ``quick_height`` first, and again at
    the recogniser's own height only when that reading differs from the glyph reader's.

    Before PP-OCR, the small line recogniser (:mod:`docproc.reading.ocr.mrzlines`) reads every
    cut (``tuning.line_reader``): a cut it reads as the glyph reader did (on the name line, as
    the parser takes them: :func:`_as_read`) has its two independent readings, and PP-OCR
    reads only the rest."""
    planned = _cuts(gz, lines, windows, tuning)
    crops = [_crop(image, box, 0) for _, box in planned]
    readings: list[list[_Reading]] = [[r] for r in gz.readings]
    pending = list(range(len(planned)))
    width = len(gz.readings[0].text)
    if tuning.line_reader and planned:
        mats, chars = get_line_reader().recognise_matrices(crops)
        for k, m in enumerate(mats):
            cut = planned[k][0]
            glyph = gz.readings[cut.line]
            per = _cut_readings(cut, m, chars, glyph, LINE_SOURCE)
            letters = _letters_only(cut.line, len(lines))
            if any(_as_read(r.text, letters) == _as_read(glyph.text, letters) for r in per):
                readings[cut.line] = [*per, glyph]
                pending.remove(k)
    quick = [
        k
        for k, (cut, _) in enumerate(planned)
        if k in pending and tuning.quick_height and cut.name and cut.stop < width
    ]
    if quick:
        mats, chars = engine.recognise_matrices(
            [crops[k] for k in quick], height=tuning.quick_height
        )
        for k, m in zip(quick, mats, strict=True):
            cut = planned[k][0]
            glyph = gz.readings[cut.line]
            per = _cut_readings(cut, m, chars, glyph)
            if any(r.text == glyph.text for r in per):
                readings[cut.line] = [*per, glyph]
                pending.remove(k)
    mats, chars = engine.recognise_matrices([crops[k] for k in pending])
    for k, m in zip(pending, mats, strict=True):
        cut = planned[k][0]
        glyph = gz.readings[cut.line]
        readings[cut.line] = [*_cut_readings(cut, m, chars, glyph), glyph]
    return readings
