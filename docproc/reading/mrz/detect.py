"""Find machine readable zones on a page at any rotation.

The page is searched with the PP-OCR text detector (a DB segmentation network that returns a
quadrilateral per text line whatever its angle). MRZ lines are long, thin, parallel and stacked at a
regular pitch, so line boxes are merged when collinear, grouped when parallel and adjacent, and the
groups are ranked by how MRZ-like their geometry is. Reading direction (0 vs 180 degrees) is left to
the recogniser, which tries both ways on ambiguous candidates.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from docproc.reading.ocr.ppocr import Quad

# A single MRZ line of 30 OCR-B characters is about 20 times as long as it is tall, and the DB
# detector's boxes are padded, so 6 leaves room for short or partly detected lines.
MIN_LINE_ASPECT = 6.0
MAX_ANGLE_DIFF_DEG = 6.0
# Two lines of a zone: one below the other by at least this share of a line's thickness.
MIN_LINE_GAP = 0.7


@dataclass(frozen=True)
class LineBox:
    """A text line: centre, unit direction ``u`` (reading direction up to 180 degrees), normal
    ``v``, length along ``u`` and thickness along ``v``."""

    center: npt.NDArray[np.float64]
    u: npt.NDArray[np.float64]
    length: float
    thickness: float

    @property
    def v(self) -> npt.NDArray[np.float64]:
        return np.array([-self.u[1], self.u[0]])

    @property
    def aspect(self) -> float:
        return self.length / max(1.0, self.thickness)

    @property
    def angle(self) -> float:
        return float(np.degrees(np.arctan2(self.u[1], self.u[0])))

    def quad(self) -> Quad:
        """Corners clockwise from top-left in the line's own frame."""
        hu = self.u * self.length / 2
        hv = self.v * self.thickness / 2
        c = self.center
        return np.array([c - hu - hv, c + hu - hv, c + hu + hv, c - hu + hv], dtype=np.float32)

    def flipped(self) -> LineBox:
        return LineBox(self.center, -self.u, self.length, self.thickness)


@dataclass(frozen=True)
class ZoneCandidate:
    """Parallel lines that may form an MRZ, ordered top to bottom in the line frame."""

    lines: tuple[LineBox, ...]
    score: float

    def quad(self) -> Quad:
        return zone_quad(self.lines)

    def flipped(self) -> ZoneCandidate:
        return ZoneCandidate(tuple(ln.flipped() for ln in reversed(self.lines)), self.score)


def line_from_quad(quad: Quad) -> LineBox:
    """A :class:`LineBox` from any 4-point box; the long side becomes ``u`` pointing rightwards."""
    pts = quad.astype(np.float64)
    e0 = (pts[1] - pts[0] + pts[2] - pts[3]) / 2
    e1 = (pts[3] - pts[0] + pts[2] - pts[1]) / 2
    long_edge, short_edge = (e0, e1) if np.linalg.norm(e0) >= np.linalg.norm(e1) else (e1, e0)
    length = float(np.linalg.norm(long_edge))
    u = long_edge / max(1e-9, length)
    if u[0] < -1e-6 or (abs(u[0]) <= 1e-6 and u[1] > 0):
        u = -u
    return LineBox(pts.mean(axis=0), u, length, float(np.linalg.norm(short_edge)))


def _extent(
    lines: Sequence[LineBox], u: npt.NDArray[np.float64]
) -> tuple[float, float, float, float]:
    v = np.array([-u[1], u[0]])
    corners = np.concatenate([ln.quad().astype(np.float64) for ln in lines])
    pu, pv = corners @ u, corners @ v
    return float(pu.min()), float(pu.max()), float(pv.min()), float(pv.max())


def zone_quad(lines: Sequence[LineBox]) -> Quad:
    u = lines[0].u
    v = np.array([-u[1], u[0]])
    u0, u1, v0, v1 = _extent(lines, u)
    return np.array(
        [u * u0 + v * v0, u * u1 + v * v0, u * u1 + v * v1, u * u0 + v * v1], dtype=np.float32
    )


def _merge(a: LineBox, b: LineBox) -> LineBox:
    u = a.u if a.length >= b.length else b.u
    u0, u1, v0, v1 = _extent([a, b], u)
    v = np.array([-u[1], u[0]])
    center = u * (u0 + u1) / 2 + v * (v0 + v1) / 2
    thickness = max(a.thickness, b.thickness)
    return LineBox(center, u, u1 - u0, thickness)


def _parallel(a: LineBox, b: LineBox) -> bool:
    return abs(float(np.dot(a.u, b.u))) >= float(np.cos(np.radians(MAX_ANGLE_DIFF_DEG)))


def merge_collinear(lines: Sequence[LineBox]) -> list[LineBox]:
    """Join pieces of one text line that the detector split (e.g. at a long run of fillers)."""
    pending = sorted(lines, key=lambda ln: -ln.length)
    merged: list[LineBox] = []
    while pending:
        cur = pending.pop(0)
        changed = True
        while changed:
            changed = False
            for i, other in enumerate(pending):
                if not _parallel(cur, other):
                    continue
                d = other.center - cur.center
                perp = abs(float(np.dot(d, cur.v)))
                along = abs(float(np.dot(d, cur.u))) - (cur.length + other.length) / 2
                t = max(cur.thickness, other.thickness)
                ratio = min(cur.thickness, other.thickness) / max(1.0, t)
                if perp < 0.45 * t and along < 1.5 * t and ratio > 0.55:
                    cur = _merge(cur, other)
                    pending.pop(i)
                    changed = True
                    break
        merged.append(cur)
    return merged


def _neighbours(a: LineBox, b: LineBox) -> bool:
    if not _parallel(a, b):
        return False
    t = max(a.thickness, b.thickness)
    if min(a.thickness, b.thickness) / max(1.0, t) < 0.55:
        return False
    d = b.center - a.center
    perp = abs(float(np.dot(d, a.v)))
    if not MIN_LINE_GAP * t <= perp <= 2.6 * t:
        return False
    # overlapping along the line direction, by at least half of the shorter line
    ua = float(np.dot(a.center, a.u))
    ub = float(np.dot(b.center, a.u))
    lo = max(ua - a.length / 2, ub - b.length / 2)
    hi = min(ua + a.length / 2, ub + b.length / 2)
    return hi - lo >= 0.5 * min(a.length, b.length)


def find_zones(quads: Sequence[Quad], max_candidates: int = 4) -> list[ZoneCandidate]:
    """Rank groups of parallel text lines by how much they look like an MRZ."""
    lines = merge_collinear([line_from_quad(q) for q in quads])
    lines = [ln for ln in lines if ln.aspect >= MIN_LINE_ASPECT and ln.thickness >= 4]
    if not lines:
        return []
    # connected components of the neighbour graph
    parent = list(range(len(lines)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            if _neighbours(lines[i], lines[j]):
                parent[find(i)] = find(j)
    groups: dict[int, list[LineBox]] = {}
    for i, ln in enumerate(lines):
        groups.setdefault(find(i), []).append(ln)

    candidates: list[ZoneCandidate] = []
    for members in groups.values():
        ref = max(members, key=lambda ln: ln.length)
        # near-vertical lines can come out of line_from_quad pointing either way: align them
        members = [ln if float(np.dot(ln.u, ref.u)) >= 0 else ln.flipped() for ln in members]
        members.sort(key=lambda ln: float(np.dot(ln.center, ref.v)))
        for window in _windows(members):
            if _stacked(window):
                candidates.append(ZoneCandidate(tuple(window), _score(window)))
    candidates.sort(key=lambda c: -c.score)
    return candidates[:max_candidates]


# A line of a group shorter than this share of its longest line may be other text beside the
# MRZ (a visual-zone line just above it): its group is offered without it too.
SHORT_LINE = 0.7


def _windows(members: list[LineBox]) -> list[list[LineBox]]:
    """Runs of 1-3 consecutive lines; an MRZ has 2 or 3 lines but one may be missed. Three lines
    one of which is short are also offered as the two long ones (a TD3 zone under a line of the
    visual zone would otherwise be read only as a three-line TD1)."""
    if len(members) <= 3:
        out = [members]
        longest = max(ln.length for ln in members)
        if len(members) == 3 and min(ln.length for ln in members) < SHORT_LINE * longest:
            out += [members[:2], members[1:]]
        return out
    out = [members[i : i + 3] for i in range(len(members) - 2)]
    out += [members[i : i + 2] for i in range(len(members) - 1)]
    return out


def _stacked(window: Sequence[LineBox]) -> bool:
    """Every line of the window lies below the one before it, as an MRZ's lines do (at least
    :data:`MIN_LINE_GAP` of a line's thickness apart). Two pieces of one line that a stamp or a
    fold split too far apart to be joined are side by side: they are neighbours of the line
    above or below them, so they fall into one group, but a window holding both is no zone
    (stretched to full lines, both pieces would read the same line twice)."""
    for a, b in itertools.pairwise(window):
        t = max(a.thickness, b.thickness)
        if abs(float(np.dot(b.center - a.center, a.v))) < MIN_LINE_GAP * t:
            return False
    return True


def _score(lines: Sequence[LineBox]) -> float:
    lengths = np.array([ln.length for ln in lines])
    thick = float(np.median([ln.thickness for ln in lines]))
    aspect = float(lengths.max()) / max(1.0, thick)
    similarity = float(lengths.min() / lengths.max())
    count_bonus = {1: 0.5, 2: 1.0, 3: 1.0}.get(len(lines), 0.6)
    # long lines of similar length, many characters (aspect), 2-3 lines
    return float(lengths.sum()) * min(aspect, 30.0) / 30.0 * (0.5 + similarity) * count_bonus
