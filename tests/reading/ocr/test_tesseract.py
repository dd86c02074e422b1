"""The tesseract runner against the real tesseract: several lines read in one process read as
each would alone."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docproc.errors import EngineTimeout
from docproc.reading.ocr.ppocr import MRZ_ALPHABET
from docproc.reading.ocr.tesseract import run_tesseract, run_tesseract_pages

OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"


def _line(text: str, height: int, seed: int) -> np.ndarray:
    """A grey line of OCR-B print with a little noise, ``height`` px tall."""
    font = ImageFont.truetype(OCRB, int(height * 0.6))
    width = int(font.getlength(text)) + height
    page = Image.new("L", (width, height), 235)
    ImageDraw.Draw(page).text((height // 2, height // 5), text, font=font, fill=30)
    noise = np.random.default_rng(seed).integers(-25, 25, (height, width))
    noisy = np.asarray(page, np.int16) + noise
    return np.asarray(np.clip(noisy, 0, 255), np.uint8)


def _mrz_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(MRZ_ALPHABET) for _ in range(n))


def test_lines_read_in_one_process_read_as_each_alone() -> None:
    rng = random.Random(5)
    lines = [
        _line("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", 48, 1),
        _line(_mrz_text(rng, 44), 40, 2),
        np.full((30, 200), 240, np.uint8),  # a blank line: an empty page between the others
        _line(_mrz_text(rng, 30), 64, 3),
    ]
    together = run_tesseract_pages(lines, psm=7, whitelist=MRZ_ALPHABET, timeout=60)
    alone = [run_tesseract(ln, psm=7, whitelist=MRZ_ALPHABET, timeout=20) for ln in lines]
    assert [t.strip() for t in together] == [t.strip() for t in alone]
    assert together[0].strip().startswith("P<UTO")  # real text, not empty pages
    assert together[2].strip() == ""


def test_no_lines_run_no_tesseract() -> None:
    assert run_tesseract_pages([]) == []


def test_pages_past_their_timeout_raise_engine_timeout() -> None:
    lines = [_line(_mrz_text(random.Random(n), 44), 48, n) for n in range(6)]
    with pytest.raises(EngineTimeout):
        run_tesseract_pages(lines, psm=7, timeout=0.01)
