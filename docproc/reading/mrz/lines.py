"""Geometry of MRZ lines: a zone's lines made equal in length, a line missed beside them, and
the rectified crop of one line."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from docproc.reading.mrz.detect import LineBox, ZoneCandidate
from docproc.reading.ocr.ppocr import warp_quad

Image = npt.NDArray[np.uint8]


def _complete_lines(zone: ZoneCandidate) -> list[LineBox]:
    """All MRZ lines have the same length: stretch every line to the zone's extent along u."""
    u = zone.lines[0].u
    ends = [
        (float(np.dot(ln.center, u)) - ln.length / 2, float(np.dot(ln.center, u)) + ln.length / 2)
        for ln in zone.lines
    ]
    lo, hi = min(e[0] for e in ends), max(e[1] for e in ends)
    out = []
    for ln in zone.lines:
        shift = (lo + hi) / 2 - float(np.dot(ln.center, u))
        out.append(LineBox(ln.center + u * shift, u, hi - lo, ln.thickness))
    return out


def _neighbour_lines(lines: Sequence[LineBox], above: bool) -> list[LineBox]:
    """Line boxes one pitch above the first line or below the last one. With a single line the
    pitch is unknown: detector boxes run 1-1.8 times as thick as the line spacing, so try a few."""
    v = lines[0].v
    if len(lines) >= 2:
        pitches = [float(np.dot(lines[-1].center - lines[0].center, v)) / (len(lines) - 1)]
    else:
        pitches = [f * lines[0].thickness for f in (1.05, 1.3, 1.75)]
    ref = lines[0] if above else lines[-1]
    return [
        LineBox(ref.center + v * (-p if above else p), ref.u, ref.length, ref.thickness)
        for p in pitches
    ]


# The margin variant 0 of :func:`_crop` adds at each end of a line, as a share of its length: the
# crop spans ``CROP_SPAN`` times the line (what maps a crop's pixels back onto the line).
_CROP_END = 0.01
CROP_SPAN = 1 + 2 * _CROP_END


def _crop(image: Image, line: LineBox, variant: int) -> Image:
    """Rectified crop of one line. Variants differ in scale and margins; they fail differently."""
    if variant == 0:
        return warp_quad(image, line.quad(), 48, (_CROP_END, 0.0))
    if variant == 1:
        return warp_quad(image, line.quad(), 32, (0.01, 0.0))
    if variant == 2:
        return warp_quad(image, line.quad(), 48, (0.02, 0.08))
    return warp_quad(image, line.quad(), 40, (0.015, -0.06))
