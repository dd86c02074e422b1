"""Line boxes a degree off their print are levelled before the glyph reader cuts cells: the
glyphs at a tilted box's ends sit low or high in their cells, cut off (a P read as D). With the
real glyph reader on generated pages."""

from __future__ import annotations

import random

import numpy as np
import pytest

from docproc.reading.mrz.detect import LineBox, find_zones
from docproc.reading.mrz.lines import _complete_lines
from docproc.reading.mrz.locate import line_quads
from docproc.reading.mrz.model import MRZType
from docproc.reading.mrz.parse import parse_mrz
from docproc.reading.mrz.readings import _glyph_zone, _levelled_lines, _line_inks
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document


def _zone_lines(name: str) -> tuple[np.ndarray, list[LineBox], list[str]]:
    rng = random.Random(name)
    doc = random_document(rng, MRZType.TD3)
    image, entry, _ = make_sample(doc, seed=5, opts=None)
    zone = next(z for z in find_zones(line_quads(image), max_candidates=3) if len(z.lines) == 2)
    return image, _complete_lines(zone), list(entry["mrz"])


def _turned(line: LineBox, degrees: float) -> LineBox:
    a = np.radians(degrees)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return LineBox(line.center, rot @ line.u, line.length, line.thickness)


@pytest.mark.parametrize("degrees", [-1.0, 1.0])
def test_a_box_a_degree_off_its_print_is_levelled_and_reads_the_line(degrees: float) -> None:
    image, lines, truth = _zone_lines(f"level-{degrees}")
    tilted = [_turned(ln, degrees) for ln in lines]
    levelled, inks = _levelled_lines(image, tilted)
    for straight, level in zip(lines, levelled, strict=True):
        assert abs(level.angle - straight.angle) < 0.25  # back along the print
        assert float(np.abs(level.center - straight.center).max()) < 0.1 * straight.thickness
    read = _glyph_zone(image, levelled, 44, inks)
    assert read is not None
    assert [r.text for r in read.readings] == truth
    parsed = parse_mrz([r.text for r in read.readings])
    assert parsed is not None and parsed.valid
    # the box as tilted reads its ends worse
    as_tilted = _glyph_zone(image, tilted, 44)
    assert as_tilted is None or as_tilted.mean < read.mean


def test_a_box_along_its_print_is_left_as_it_is() -> None:
    image, lines, _ = _zone_lines("level-straight")
    levelled, inks = _levelled_lines(image, lines)
    assert all(a is b for a, b in zip(levelled, lines, strict=True))  # not moved by noise
    for ink, again in zip(inks, _line_inks(image, lines), strict=True):
        assert np.array_equal(ink, again)
