"""Page OCR: an upright, clean page image -> words with boxes and confidence, grouped in lines.

Stages: grey -> (optional) rotate by a known reading angle (from the MRZ) or an estimated skew ->
upscale small text -> denoise when the page is noisy -> tesseract TSV through the one wrapper.
Word boxes are reported twice: ``box`` in the input page's pixel coordinates (for review
screens) and ``frame_box`` in the upright frame that layout analysis works in.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from docproc.config import get_settings
from docproc.ocr.tesseract import parse_tsv, run_tesseract

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Image = npt.NDArray[np.uint8]

# Tesseract reads best at a text height of roughly 25-40 px.
_MIN_TEXT_PX = 22.0
_MAX_SCALE = 3.0
_MAX_SKEW_DEG = 12.0


@dataclass(frozen=True)
class OcrWord:
    text: str
    conf: float  # 0..1
    box: Box  # input page coordinates
    frame_box: Box  # upright frame coordinates (layout analysis)

    @property
    def height(self) -> float:
        return self.frame_box[3] - self.frame_box[1]


@dataclass(frozen=True)
class TextLine:
    """A run of words on one row with no wide gap: a label, a value, a sentence."""

    words: tuple[OcrWord, ...]
    row: int  # index of the visual row (lines on the same row share it)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def conf(self) -> float:
        return float(np.mean([w.conf for w in self.words])) if self.words else 0.0

    @property
    def box(self) -> Box:
        return union([w.box for w in self.words])

    @property
    def frame_box(self) -> Box:
        return union([w.frame_box for w in self.words])


@dataclass(frozen=True)
class PageText:
    page: int
    words: tuple[OcrWord, ...]
    lines: tuple[TextLine, ...]  # reading order: rows top to bottom, left to right in a row
    angle: float  # degrees the page was rotated (counter-clockwise) before OCR
    scale: float
    language: str

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def conf(self) -> float:
        return float(np.mean([w.conf for w in self.words])) if self.words else 0.0


def union(boxes: list[Box]) -> Box:
    if not boxes:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def estimate_skew(gray: Image) -> float:
    """Small skew of text lines in degrees (positive: text rises to the right), 0 if unsure."""
    h, w = gray.shape[:2]
    scale = min(1.0, 1200.0 / max(h, w))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    binary = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15
    )
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(9, int(small.shape[1] / 60)), 1))
    blobs = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, kernel)
    contours, _ = cv2.findContours(blobs, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    angles: list[float] = []
    weights: list[float] = []
    for c in contours:
        (_, _), (rw, rh), a = cv2.minAreaRect(c)
        if rw < rh:
            rw, rh, a = rh, rw, a - 90.0
        if rh < 3 or rw < 6 * rh or rw > 0.95 * small.shape[1]:
            continue
        a = (a + 90.0) % 180.0 - 90.0
        if abs(a) <= _MAX_SKEW_DEG:
            angles.append(a)
            weights.append(rw)
    if len(angles) < 3:
        return 0.0
    order = np.argsort(angles)
    cum = np.cumsum(np.asarray(weights)[order])
    median = float(np.asarray(angles)[order][int(np.searchsorted(cum, cum[-1] / 2))])
    # minAreaRect angles grow clockwise in image coordinates: text rising to the right is < 0.
    return -median if abs(median) >= 0.3 else 0.0


def _text_height(gray: Image) -> float:
    """Median height of letter-sized connected components (0 when none are found)."""
    binary = cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15
    )
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    hs = stats[1:n, cv2.CC_STAT_HEIGHT]
    ws = stats[1:n, cv2.CC_STAT_WIDTH]
    keep = hs[(hs >= 6) & (hs <= 200) & (ws <= 2.5 * hs) & (ws >= 0.15 * hs)]
    return float(np.median(keep)) if keep.size >= 10 else 0.0


def _noise_sigma(gray: Image) -> float:
    """Robust estimate of pixel noise (grey levels) from the high-pass residual."""
    resid = gray.astype(np.float32) - cv2.medianBlur(gray, 3).astype(np.float32)
    return float(1.4826 * np.median(np.abs(resid - np.median(resid))))


def prepare(
    image: Image, *, angle: float | None = None, deskew: bool = True, denoise: bool = True
) -> tuple[Image, npt.NDArray[np.float64], float, float]:
    """Grey, rotated and scaled page plus the 2x3 affine map page -> frame, angle and scale."""
    gray: Image = np.asarray(
        cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image, dtype=np.uint8
    )
    rot = angle if angle is not None else (-estimate_skew(gray) if deskew else 0.0)
    h, w = gray.shape[:2]
    height = _text_height(gray)
    scale = 1.0
    if 0 < height < _MIN_TEXT_PX:
        scale = min(_MAX_SCALE, _MIN_TEXT_PX * 1.4 / height)
    m = np.asarray(cv2.getRotationMatrix2D((w / 2, h / 2), rot, scale), dtype=np.float64)
    corners = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], dtype=np.float64)
    moved = corners @ m.T
    x0, y0 = moved.min(axis=0)
    x1, y1 = moved.max(axis=0)
    m[0, 2] -= x0
    m[1, 2] -= y0
    out_w, out_h = int(np.ceil(x1 - x0)), int(np.ceil(y1 - y0))
    if abs(rot) > 1e-3 or scale != 1.0:
        border = int(np.median(gray[[0, -1], :]))
        gray = np.asarray(
            cv2.warpAffine(gray, m, (out_w, out_h), flags=cv2.INTER_CUBIC, borderValue=(border,)),
            dtype=np.uint8,
        )
    if denoise and _noise_sigma(gray) > 3.0:
        gray = np.asarray(
            cv2.fastNlMeansDenoising(gray, None, h=12, templateWindowSize=7, searchWindowSize=15),
            dtype=np.uint8,
        )
    return np.ascontiguousarray(gray), m, rot, scale


def _to_page(box: Box, inverse: npt.NDArray[np.float64]) -> Box:
    x0, y0, x1, y1 = box
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=np.float64)
    moved = pts @ inverse.T
    return (
        round(float(moved[:, 0].min()), 1),
        round(float(moved[:, 1].min()), 1),
        round(float(moved[:, 0].max()), 1),
        round(float(moved[:, 1].max()), 1),
    )


def group_lines(words: list[OcrWord], gap_factor: float = 1.5) -> tuple[TextLine, ...]:
    """Rows by vertical overlap in the upright frame, then split at gaps wider than
    ``gap_factor`` times the row's text height."""
    rows: list[list[OcrWord]] = []
    for word in sorted(words, key=lambda w: (w.frame_box[1] + w.frame_box[3]) / 2):
        cy = (word.frame_box[1] + word.frame_box[3]) / 2
        for row in reversed(rows[-3:]):
            top = float(np.median([w.frame_box[1] for w in row]))
            bottom = float(np.median([w.frame_box[3] for w in row]))
            if top <= cy <= bottom:
                row.append(word)
                break
        else:
            rows.append([word])
    rows.sort(key=lambda r: float(np.median([w.frame_box[1] for w in r])))
    lines: list[TextLine] = []
    for r, row in enumerate(rows):
        row.sort(key=lambda w: w.frame_box[0])
        height = float(np.median([w.height for w in row]))
        current: list[OcrWord] = [row[0]]
        for prev, word in itertools.pairwise(row):
            if word.frame_box[0] - prev.frame_box[2] > gap_factor * height:
                lines.append(TextLine(tuple(current), r))
                current = []
            current.append(word)
        lines.append(TextLine(tuple(current), r))
    return tuple(lines)


def ocr_page(
    image: Image,
    *,
    page: int = 0,
    lang: str | None = None,
    psm: int = 11,
    angle: float | None = None,
    deskew: bool = True,
    denoise: bool = True,
    timeout: float | None = None,
) -> PageText:
    """OCR one BGR (or grey) page. ``angle`` (degrees, counter-clockwise) overrides deskew."""
    language = lang or get_settings().ocr_languages
    gray, m, rot, scale = prepare(image, angle=angle, deskew=deskew, denoise=denoise)
    tsv = run_tesseract(gray, psm=psm, lang=language, output="tsv", timeout=timeout)
    inverse = cv2.invertAffineTransform(m).astype(np.float64)
    words: list[OcrWord] = []
    for w in parse_tsv(tsv):
        if w.conf < 0 or not w.text.strip():
            continue
        frame: Box = (
            float(w.left),
            float(w.top),
            float(w.left + w.width),
            float(w.top + w.height),
        )
        words.append(OcrWord(w.text, w.conf / 100.0, _to_page(frame, inverse), frame))
    return PageText(page, tuple(words), group_lines(words), rot, scale, language)
