"""MRZ-like lines printed in more ways than the document generator prints them, cut into cells.

The cells cut from ``docproc.synth`` documents (``train.py``'s ``collect``) all come from one
OCR-B cut at a page resolution where the zone's letters are 20-40 pixels high. Real scans and
photos of data pages are often smaller, greyer and printed otherwise: specimen cards read at
8-10 pixels a character, faint grey ink, screened (halftone) print, phone shading across the
line. This module renders lines of random MRZ characters directly, in both OCR-B cuts Debian's
``fonts-ocr-b`` ships for print (``OCRB.otf``, the sharp ``OCRBS.otf``) at several stroke
weights, degrades them at the size they would have in a small picture (halftone screen, blur,
shading, low contrast, noise, JPEG), then does what the reader does with a detected line:
stretches it to a 48-pixel strip, fits the cell grid from the ink alone and cuts the cells.

Only lines are rendered here: no document, no detector, so 4,000 lines take about a minute.
Real specimens are never used.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from docproc.reading.ocr.glyphs import CellGrid, cut_cells, fit_grid
from docproc.reading.ocr.ppocr import MRZ_ALPHABET

FONT_DIR = Path("/usr/share/fonts/opentype/ocr-b")
FONTS = ("OCRB.otf", "OCRBS.otf")
_RENDER_SIZE = 64  # font size of the first, sharp rendering (pixels per em)
_STRIP_HEIGHT = 48  # the reader's rectified line height (``lines._crop`` variant 0)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"


def _text(rng: np.random.Generator, n: int) -> str:
    """Random MRZ-like content: runs of letters, digits and fillers, as the fields make them."""
    out: list[str] = []
    while len(out) < n:
        kind = rng.choice(3, p=[0.45, 0.35, 0.2])
        run = int(rng.integers(1, 10))
        pool = (_LETTERS, _DIGITS, "<")[kind]
        out += [pool[int(rng.integers(len(pool)))] for _ in range(run)]
    return "".join(out[:n])


def _halftone(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ink printed through a dot screen (period 3-6 px at the sharp size), at a random angle."""
    h, w = ink.shape
    period = float(rng.uniform(3.0, 6.0))
    angle = float(rng.uniform(0, np.pi / 2))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    v = -xx * np.sin(angle) + yy * np.cos(angle)
    screen = (np.cos(2 * np.pi * u / period) + np.cos(2 * np.pi * v / period) + 2) / 4  # 0..1
    return np.asarray((ink > screen * 0.9).astype(np.float32) * (ink > 0.05), np.float32)


def _render(rng: np.random.Generator, text: str) -> tuple[np.ndarray, float, float]:
    """The line as gray uint8 at its final (small) size, the x of its first cell's left edge and
    its pitch there."""
    font = ImageFont.truetype(str(FONT_DIR / FONTS[int(rng.integers(len(FONTS)))]), _RENDER_SIZE)
    advance = float(font.getlength("A"))
    margin_x = advance * float(rng.uniform(0.3, 2.0))
    asc, desc = font.getmetrics()
    height = asc + desc
    canvas = Image.new("L", (int(margin_x * 2 + advance * len(text)) + 2, height + 16), 0)
    stroke = int(rng.choice([0, 0, 0, 1, 2]))  # heavier print on some documents
    ImageDraw.Draw(canvas).text(
        (margin_x, 8), text, font=font, fill=255, stroke_width=stroke, stroke_fill=255
    )
    ink = np.asarray(canvas, np.float32) / 255.0
    if rng.random() < 0.2:  # thin, worn print
        ink = cv2.erode(ink, np.ones((3, 3), np.uint8))
    if rng.random() < 0.25:
        ink = _halftone(ink, rng)
    # the size the line has in the picture: cap height 7-24 px (pitch about 5-17 px)
    cap = float(rng.uniform(7.0, 24.0))
    scale = cap / (_RENDER_SIZE * 0.7)
    if rng.random() < 0.7:
        ink = cv2.GaussianBlur(ink, (0, 0), float(rng.uniform(0.3, 1.2)) / scale)
    small_w = max(8, round(ink.shape[1] * scale))
    small_h = max(4, round(ink.shape[0] * scale))
    ink = cv2.resize(ink, (small_w, small_h), interpolation=cv2.INTER_AREA)
    # paper and ink: faint grey print, low contrast, shading across the line (a phone's light)
    paper = float(rng.uniform(150, 250))
    dark = float(rng.uniform(0, min(150.0, paper - 40)))
    gx = np.linspace(0, 1, small_w, dtype=np.float32)[None, :]
    shade = 1.0 - float(rng.uniform(0, 0.45)) * (gx if rng.random() < 0.5 else 1 - gx)
    gray = (paper - (paper - dark) * ink) * shade
    if rng.random() < 0.3:
        gray = cv2.GaussianBlur(gray, (0, 0), float(rng.uniform(0.3, 0.7)))
    gray = gray + rng.normal(0, float(rng.uniform(0, 10)), gray.shape)
    out = np.clip(gray, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 90))])
        if ok:
            out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out, margin_x * scale, advance * scale


def _strip(gray: np.ndarray, left: float, pitch: float, rng: np.random.Generator) -> tuple:
    """Crop a detector-like box round the line and stretch it to the reader's strip height."""
    h = gray.shape[0]
    top = int(rng.integers(0, max(1, h // 6)))
    bottom = h - int(rng.integers(0, max(1, h // 6)))
    crop = gray[top:bottom]
    f = _STRIP_HEIGHT / crop.shape[0]
    interp = cv2.INTER_LINEAR if rng.random() < 0.7 else cv2.INTER_CUBIC
    size = (max(8, round(crop.shape[1] * f)), _STRIP_HEIGHT)
    strip = cv2.resize(crop, size, interpolation=interp)
    return strip, left * f, pitch * f


def printed_cells(lines: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Cells (N, H, W) float32 and labels (N,) int64 from ``lines`` rendered lines."""
    rng = np.random.default_rng(seed)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for _ in range(lines):
        n = int(rng.choice([30, 36, 44]))
        text = _text(rng, n)
        gray, left, pitch = _render(rng, text)
        strip, left, pitch = _strip(gray, left, pitch, rng)
        grid = fit_grid(strip, n)
        truth = [left + (i + 0.5) * pitch for i in range(n)]
        if grid is None or max(abs(grid.centre(i) - truth[i]) for i in range(n)) > 0.3 * pitch:
            # the ink alone misplaced the grid (a line starting or ending in fillers): at run
            # time PP-OCR's anchors place it, so cut where the characters are
            top, bottom = (grid.top, grid.bottom) if grid else (8.0, 40.0)
            grid = CellGrid(left, pitch, n, top, bottom)
        jittered = CellGrid(
            grid.x0 + rng.uniform(-0.1, 0.1) * grid.pitch,
            grid.pitch * rng.uniform(0.99, 1.01),
            n,
            grid.top + rng.uniform(-1.5, 1.5),
            grid.bottom + rng.uniform(-1.5, 1.5),
        )
        xs.append(cut_cells(strip, jittered))
        ys.append(np.array([MRZ_ALPHABET.index(c) for c in text], np.int64))
    return np.concatenate(xs), np.concatenate(ys)
