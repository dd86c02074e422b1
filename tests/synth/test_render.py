"""Rendering and degradation: sizes, ICAO MRZ geometry, boxes that follow every transform."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from docproc.errors import MissingDependency
from docproc.reading.mrz.model import MRZType
from docproc.synth.degrade import DegradeOptions, degrade, random_options
from docproc.synth.mrzgen import ALL_TYPES, random_document
from docproc.synth.render import (
    LAYOUTS,
    MRZ_PITCH_MM,
    PX_PER_MM,
    _font_file,
    render,
    render_letter,
)


def _doc(t: MRZType, i: int = 0):  # type: ignore[no-untyped-def]
    return random_document(random.Random(f"r:{t.value}:{i}"), t)


@pytest.mark.parametrize("t", ALL_TYPES)
def test_every_type_renders_at_icao_size(t: MRZType) -> None:
    r = render(_doc(t), seed=1)
    h, w = r.image.shape[:2]
    wmm, hmm = LAYOUTS[t].size_mm
    assert abs(w - wmm * PX_PER_MM) <= 1 and abs(h - hmm * PX_PER_MM) <= 1
    assert r.image.dtype == np.uint8 and r.image.shape[2] == 3
    for key, (x0, y0, x1, y1) in r.boxes.items():
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, key
    # the MRZ sits along the bottom edge, with fixed 2.54 mm pitch
    x0, y0, x1, y1 = r.boxes["mrz"]
    assert y1 > 0.9 * h and h - y1 < 6 * PX_PER_MM
    n_chars = len(_doc(t).mrz[0])
    pitch = MRZ_PITCH_MM * PX_PER_MM
    assert abs((x1 - x0) - n_chars * pitch) < pitch
    assert len(r.mrz_line_boxes) == len(_doc(t).mrz)
    # cap height ~2.4 mm (ICAO OCR-B size 1): a line box is at most ~3.2 mm tall
    for lb in r.mrz_line_boxes:
        assert 2.0 * PX_PER_MM < lb[3] - lb[1] < 3.3 * PX_PER_MM
    # visual-zone values were drawn and boxed
    for key in ("document_number", "nationality", "expiry_date", "photo"):
        assert key in r.boxes
    # the MRZ band has dark ink
    crop = r.image[int(y0) : int(y1), int(x0) : int(x1)]
    assert crop.min() < 60


def test_indonesian_labels_are_bilingual() -> None:
    for i in range(200):
        doc = random_document(random.Random(f"idn:{i}"), MRZType.TD3)
        if doc.fields["issuing_country"] == "IDN":
            break
    r = render(doc, seed=2)
    assert "name" in r.boxes and "place_date_of_birth" in r.boxes
    assert ", " in r.viz_text["place_date_of_birth"]


def test_render_is_deterministic() -> None:
    doc = _doc(MRZType.TD2)
    assert np.array_equal(render(doc, 5).image, render(doc, 5).image)


def test_missing_font_names_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(MissingDependency, match="fonts-ocr-b"):
        _font_file(tmp_path / "OCRB.otf")
    with pytest.raises(MissingDependency, match="fonts-dejavu"):
        _font_file(tmp_path / "DejaVuSans.ttf")


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_quarter_turns_move_the_boxes_with_the_pixels(angle: int) -> None:
    r = render(_doc(MRZType.TD3), seed=3)
    d = degrade(r, DegradeOptions(rotate=angle), seed=3)
    x0, y0, x1, y1 = (round(v) for v in r.boxes["mrz"])
    crop = r.image[y0:y1, x0:x1]
    turned = np.rot90(crop, k={90: -1, 180: 2, 270: 1}[angle])
    bx0, by0, bx1, by1 = (round(v) for v in d.boxes["mrz"])
    got = d.image[by0:by1, bx0:bx1]
    assert got.shape[:2] == turned.shape[:2]
    assert np.abs(got.astype(int) - turned.astype(int)).mean() < 2


def test_translation_moves_boxes_exactly() -> None:
    r = render(_doc(MRZType.TD1), seed=4)
    d = degrade(r, DegradeOptions(background="desk"), seed=4)
    x0, y0, x1, y1 = (round(v) for v in r.boxes["document_number"])
    bx0, by0 = (round(v) for v in d.boxes["document_number"][:2])
    a = r.image[y0:y1, x0:x1].astype(int)
    b = d.image[by0 : by0 + (y1 - y0), bx0 : bx0 + (x1 - x0)].astype(int)
    assert np.abs(a - b).mean() < 2


def test_lowres_hits_the_requested_mrz_cap_height() -> None:
    r = render(_doc(MRZType.TD3), seed=5)
    d = degrade(r, DegradeOptions(target_cap_px=13.0), seed=5)
    for lb in d.mrz_line_boxes:
        assert 11 < lb[3] - lb[1] < 19
    assert d.image.shape[0] < r.image.shape[0] / 1.8


def test_random_degradations_keep_boxes_inside_and_mrz_dark() -> None:
    for i in range(25):
        t = ALL_TYPES[i % len(ALL_TYPES)]
        r = render(_doc(t, i), seed=i)
        opts = random_options(random.Random(f"o:{i}"))
        d = degrade(r, opts, seed=i)
        h, w = d.image.shape[:2]
        for key, (x0, y0, x1, y1) in d.boxes.items():
            assert 0 <= x0 <= x1 <= w and 0 <= y0 <= y1 <= h, (key, opts)
        x0, y0, x1, y1 = (int(v) for v in d.boxes["mrz"])
        crop = d.image[y0 : y1 + 1, x0 : x1 + 1].astype(int).mean(axis=2)
        # legible: ink clearly darker than the paper around it
        assert np.percentile(crop, 95) - np.percentile(crop, 3) > 60, (i, d.applied)
        assert len(d.mrz_quad) == 4


def test_options_never_stack_more_than_two_severe_steps() -> None:
    for i in range(300):
        o = random_options(random.Random(i))
        severe = [
            o.target_cap_px is not None,
            o.blur_sigma > 0,
            o.low_light > 0,
            o.noise_sigma >= 5,
            o.jpeg_quality is not None and o.jpeg_quality < 60,
        ]
        assert sum(severe) <= 2, o
        assert abs(o.skew_deg) <= 8 and o.perspective <= 0.12
        if o.target_cap_px is not None:
            assert 12 <= o.target_cap_px <= 16


def test_letter_page_has_no_mrz_font_size_text() -> None:
    page = render_letter(seed=1, dpi=100)
    assert page.shape[0] > page.shape[1] > 500
