"""Zone detection geometry: pure functions over text-line boxes, no engine needed."""

from __future__ import annotations

import numpy as np
import pytest

from docproc.reading.mrz.detect import find_zones, line_from_quad, merge_collinear
from tests.reading.mrz.boxes import box


@pytest.mark.parametrize("angle", [0.0, 7.0, -12.0, 90.0, 180.0, 270.0])
def test_line_from_quad_keeps_length_thickness_and_points_rightwards(angle: float) -> None:
    line = line_from_quad(box(100, 50, 400, 20, angle))
    assert line.length == pytest.approx(400, rel=1e-3)
    assert line.thickness == pytest.approx(20, rel=1e-3)
    assert line.u[0] > -1e-6  # reading direction normalised (0 vs 180 is left to the reader)


def test_pieces_of_one_line_are_merged() -> None:
    pieces = [line_from_quad(box(100, 50, 200, 20)), line_from_quad(box(320, 51, 200, 20))]
    merged = merge_collinear(pieces)
    assert len(merged) == 1
    assert merged[0].length == pytest.approx(420, rel=0.02)


def test_parallel_lines_far_apart_are_not_merged() -> None:
    lines = [line_from_quad(box(100, 50, 200, 20)), line_from_quad(box(100, 90, 200, 20))]
    assert len(merge_collinear(lines)) == 2


@pytest.mark.parametrize("angle", [0.0, 5.0, 90.0, 200.0])
def test_two_long_stacked_lines_rank_first_at_any_rotation(angle: float) -> None:
    rot = np.radians(angle)
    r = np.array([[np.cos(rot), -np.sin(rot)], [np.sin(rot), np.cos(rot)]])

    def placed(cx: float, cy: float, length: float, thick: float) -> np.ndarray:
        quad = box(cx, cy, length, thick)
        return np.asarray(quad @ r.T, dtype=np.float32)

    quads = [
        placed(300, 100, 120, 18),  # a short visual-zone label
        placed(300, 140, 160, 18),
        placed(300, 400, 600, 24),  # MRZ line 1
        placed(300, 440, 600, 24),  # MRZ line 2
    ]
    zones = find_zones(quads)
    assert zones, "no zone found"
    best = zones[0]
    assert len(best.lines) == 2
    assert all(ln.length == pytest.approx(600, rel=0.02) for ln in best.lines)


def test_no_elongated_lines_means_no_zone() -> None:
    assert find_zones([box(50, 50, 40, 30), box(200, 200, 60, 40)]) == []


@pytest.mark.parametrize("angle", [0.0, 180.0])
def test_pieces_of_one_line_side_by_side_are_never_two_lines_of_a_zone(angle: float) -> None:
    """A stamp split MRZ line 2 into two pieces too far apart to be joined; both are neighbours
    of line 1, so all three fall into one group. A zone of the two pieces would be stretched to
    two full lines that are one line read twice (seed 5454's TD2 turned 180 degrees: its names
    came out as line 2's digits read as letters)."""
    rot = np.radians(angle)
    r = np.array([[np.cos(rot), -np.sin(rot)], [np.sin(rot), np.cos(rot)]])

    def placed(cx: float, cy: float, length: float) -> np.ndarray:
        return np.asarray(box(cx, cy, length, 40) @ r.T, dtype=np.float32)

    piece_a, piece_b = placed(160, 425, 320), placed(860, 430, 300)
    line_1 = placed(500, 474, 1000)
    zones = find_zones([piece_a, piece_b, line_1], max_candidates=10)
    assert zones, "the zone of a piece and line 1 is still offered"
    for zone in zones:
        centres = [ln.center for ln in zone.lines]
        for i, a in enumerate(centres):
            for b in centres[i + 1 :]:
                # no two lines of a zone at (nearly) one height: each lies below the other
                gap = abs(float(np.dot(b - a, zone.lines[0].v)))
                assert gap >= 0.7 * 40
