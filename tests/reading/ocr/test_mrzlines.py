"""The small MRZ line recogniser: its input, and the shipped model on rendered OCR-B lines."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from docproc.errors import MissingModel
from docproc.reading.assets import ModelFile, line_model, require
from docproc.reading.ocr.mrzlines import (
    ALPHABET,
    HEIGHT,
    STRIDE,
    get_line_reader,
    model_info,
    normalised,
)
from docproc.reading.ocr.ppocr import MRZ_ALPHABET, ctc_fixed_length, ctc_greedy
from tests.reading.ocr.test_glyphs import DIGITS, LINE, render_line

PITCH = 26.0 * 48 / 64  # render_line's pitch at its 48 px height
MARGIN = 20 * 48 / 64


def test_input_is_the_crop_at_32_px_ink_high_and_stretched() -> None:
    """Grey print on grey paper is stretched to ink 1 on paper 0, whatever the crop's size."""
    gray = np.full((48, 300), 170, np.uint8)
    gray[16:32, 40:260] = 120  # faint ink
    x = normalised(gray)
    assert x.shape == (HEIGHT, 200)
    assert x.dtype == np.float32
    assert x[16, 100] == pytest.approx(1.0)  # row 16 of 32 is row 24 of the 48 px crop
    assert x[4, 100] == pytest.approx(0.0)
    # a crop with no contrast at all is not blown up into noise
    stripes = np.broadcast_to(128 + 3 * (np.arange(300) % 2), (48, 300)).astype(np.uint8)
    flat = normalised(stripes)
    assert float(flat.max() - flat.min()) < 0.25


def test_the_shipped_model_says_what_it_reads() -> None:
    info = model_info()
    assert info["alphabet"] == ALPHABET == MRZ_ALPHABET
    assert info["height"] == HEIGHT and info["stride"] == STRIDE
    assert info["validation"]["val_docs"]["forced_cell_accuracy"] > 0.98


def test_a_missing_model_is_an_error_not_a_fallback(tmp_path: object) -> None:
    from pathlib import Path

    missing = ModelFile("MRZ line recogniser", Path(str(tmp_path)) / "none.onnx", "")
    with pytest.raises(MissingModel):
        require(missing)
    assert line_model().present


def test_a_name_line_is_read_exactly() -> None:
    crop = np.asarray(cv2.cvtColor(render_line(LINE), cv2.COLOR_GRAY2BGR), np.uint8)
    (m,), chars = get_line_reader().recognise_matrices([crop])
    assert m.shape[1] == len(ALPHABET) + 1
    assert m.shape[0] == -(-normalised(render_line(LINE)).shape[1] // STRIDE)
    assert np.allclose(m.sum(axis=1), 1.0, atol=1e-4)
    # greedy CTC may merge two fillers of a long run; the reader forces a whole line's length
    assert ctc_greedy(m, chars).text.rstrip("<") == LINE.rstrip("<")
    forced = ctc_fixed_length(m, chars, len(LINE))
    assert forced is not None and forced.text == LINE


def test_digits_are_read_up_to_their_lookalikes() -> None:
    """Without a grid the line reader tells OCR-B's 0 from O (and 5 from S) less well than the
    glyph reader; a cut it reads otherwise than the glyph reader goes to PP-OCR, so such a slip
    costs time, never a wrong acceptance. Everything else on a line of digits is read."""
    (m,), chars = get_line_reader().recognise_matrices([render_line(DIGITS)])
    forced = ctc_fixed_length(m, chars, len(DIGITS))
    assert forced is not None
    slips = {(a, b) for a, b in zip(forced.text, DIGITS, strict=True) if a != b}
    assert slips <= {("O", "0"), ("S", "5"), ("I", "1"), ("B", "8"), ("Z", "2"), ("G", "6")}


def test_a_name_head_and_a_code_window_are_read_as_the_reader_cuts_them() -> None:
    """The reader asks for a name line up to half a cell into its fillers and for a window of
    cells with 0.15 of a cell each side; partial glyphs at the edges are not read."""
    gray = render_line(LINE)
    head = len(LINE.rstrip("<"))
    right = round(MARGIN + (head + 0.5) * PITCH)
    start, stop = 2, 14
    left_w, right_w = round(MARGIN + (start - 0.15) * PITCH), round(MARGIN + (stop + 0.15) * PITCH)
    crops = [gray[:, :right], gray[:, left_w:right_w]]
    mats, chars = get_line_reader().recognise_matrices(crops)
    assert ctc_greedy(mats[0], chars).text.rstrip("<") == LINE[:head]
    forced = ctc_fixed_length(mats[1], chars, stop - start)
    assert forced is not None and forced.text == LINE[start:stop]


def test_small_grey_print_is_read() -> None:
    """A line printed small and grey (as on a card photographed from afar), blown up again to
    the reader's 48 px strip."""
    gray = render_line(DIGITS)
    small = cv2.resize(gray, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)
    grey = (140 + small.astype(np.float32) * 0.35).astype(np.uint8)
    strip = np.asarray(cv2.resize(grey, (gray.shape[1], 48)), np.uint8)
    (m,), chars = get_line_reader().recognise_matrices([strip])
    forced = ctc_fixed_length(m, chars, len(DIGITS))
    assert forced is not None
    assert sum(a == b for a, b in zip(forced.text, DIGITS, strict=True)) >= len(DIGITS) - 1
