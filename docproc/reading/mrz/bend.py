"""Pages that bend: a booklet's data page bowing off the glass, a photo of an open passport.

The MRZ's lines are then arcs, not lines: a detector's box for an arc is mostly empty, a crop of
it cuts the characters at the ends or in the middle, and a cell grid fits no arc. The page's
bend is measured on the detector's text probability map, from the longest text regions (an
MRZ's lines are the longest on a data page): each region's centre line, column by column, fitted
by a parabola; its sag off the chord is how far each column of the page is moved down. The page
is then flattened (:func:`unbent`) and read as any other. Pure functions: no I/O, no engines.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from docproc.reading.mrz.lines import Image

Floats = npt.NDArray[np.float64]

# A text region this wide (of the map's width) or wider is long enough to measure a bend on.
_LONG = 0.3
# A bend is a sag at least this many times the region's mean thickness (its line height on the
# map): a smaller one the crops and the cell grid absorb.
_SAG_MIN = 0.35
# The parabola fits the centre line within this many times the thickness (root mean square):
# otherwise the region is not one bent line (two lines touching, a line and a picture).
_FIT_MAX = 0.25
_PROB = 0.3  # the map's threshold for text (the detector's own)


@dataclass(frozen=True)
class Bend:
    """How far each column of a page is moved down off the straight (``down[x]`` pixels)."""

    down: Floats
    sag: float  # the deepest sag, in page pixels (negative: the arc bows upwards)

    def at(self, x: float) -> float:
        """The displacement at a page column (clamped to the page)."""
        i = round(min(max(x, 0.0), len(self.down) - 1.0))
        return float(self.down[i])


def page_bend(text_map: npt.NDArray[np.float32], shape: tuple[int, ...]) -> Bend | None:
    """The bend of a page of ``shape`` (height, width, ...) from its text probability map, or
    None when its long text regions run straight (or there are none to tell by)."""
    h, w = int(shape[0]), int(shape[1])
    mh, mw = text_map.shape[:2]
    mask = (text_map > _PROB).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    fits: list[tuple[int, Floats, int, int, float]] = []
    for i in range(1, n):
        x, y, width, height, area = (int(v) for v in stats[i])
        if width < _LONG * mw:
            continue
        thickness = area / width
        region = labels[y : y + height, x : x + width] == i
        cols = region.sum(axis=0)
        seen = cols > 0
        if seen.sum() < 0.8 * width:
            continue
        rows = np.arange(height, dtype=np.float64)[:, None]
        centre = (region * rows).sum(axis=0)[seen] / cols[seen] + y
        xs = np.arange(width, dtype=np.float64)[seen] + x
        coef = np.polyfit(xs, centre, 2)
        if float(np.sqrt(np.mean((np.polyval(coef, xs) - centre) ** 2))) > _FIT_MAX * thickness:
            continue
        fits.append((width, coef, x, x + width - 1, thickness))
    if not fits:
        return None
    width, coef, x0, x1, thickness = max(fits, key=lambda f: f[0])
    xs = np.arange(mw, dtype=np.float64).clip(x0, x1)
    curve = np.polyval(coef, xs)
    chord = curve[x0] + (curve[x1] - curve[x0]) * (xs - x0) / max(1, x1 - x0)
    off = curve - chord  # map pixels, zero at the region's ends and beyond them
    deepest = float(off[np.argmax(np.abs(off))])
    if abs(deepest) < _SAG_MIN * thickness:
        return None
    # to the page's pixels: the map is the page resized to multiples of 32 on each side
    page_x = (np.arange(w, dtype=np.float64) + 0.5) * mw / w - 0.5
    down = np.interp(page_x, np.arange(mw, dtype=np.float64), off) * h / mh
    return Bend(down=down, sag=deepest * h / mh)


def unbent(image: Image, bend: Bend) -> Image:
    """``image`` flattened: each column moved up by its displacement, so that the measured arcs
    run straight (white where nothing maps). A point (x, y) of the result is (x, y +
    ``bend.at(x)``) of ``image``."""
    h, w = image.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    src_y = ys + bend.down.astype(np.float32)[None, :]
    flat = cv2.remap(image, xs, src_y, cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    return np.ascontiguousarray(flat, dtype=np.uint8)
