"""Page OCR: an upright, clean page image -> words with boxes and confidence, grouped in lines.

Stages: grey -> (optional) rotate by a known reading angle (from the MRZ) or an estimated skew ->
upscale small text -> denoise when the page is noisy -> tesseract TSV through the one wrapper.
Word boxes are reported twice: ``box`` in the input page's pixel coordinates (for review
screens) and ``frame_box`` in the upright frame that layout analysis works in.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from docproc.config import get_settings
from docproc.reading.ocr.tesseract import Word, parse_tsv, run_tesseract

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
    # the grey upright image tesseract read, kept for second reads of single fields
    frame_image: Image | None = field(default=None, repr=False, compare=False)
    frame_matrix: npt.NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

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
    if len(angles) < 2:
        return 0.0
    order = np.argsort(angles)
    cum = np.cumsum(np.asarray(weights)[order])
    median = float(np.asarray(angles)[order][int(np.searchsorted(cum, cum[-1] / 2))])
    # minAreaRect angles grow clockwise in image coordinates: text rising to the right is < 0.
    return -median if abs(median) >= 0.3 else 0.0


def _long_blobs(binary: Image, kernel: tuple[int, int]) -> int:
    """Text lines along ``kernel``'s long side: blobs at least five times longer than wide."""
    closed = cv2.morphologyEx(
        binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, kernel)
    )
    n, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    w, h = stats[1:n, cv2.CC_STAT_WIDTH], stats[1:n, cv2.CC_STAT_HEIGHT]
    if kernel[0] > kernel[1]:
        return int(np.sum((w >= 5 * h) & (h >= 3) & (w >= 3 * kernel[0])))
    return int(np.sum((h >= 5 * w) & (w >= 3) & (h >= 3 * kernel[1])))


def text_is_vertical(gray: Image) -> bool:
    """Whether the page's text lines run up or down (a page turned by a quarter)."""
    scale = min(1.0, 1000.0 / max(gray.shape[:2]))
    small = np.asarray(
        cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), dtype=np.uint8
    )
    binary = np.asarray(
        cv2.adaptiveThreshold(
            small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15
        ),
        dtype=np.uint8,
    )
    k = max(5, round(0.8 * (_text_height(small) or 10.0)))
    across, down = _long_blobs(binary, (k, 1)), _long_blobs(binary, (1, k))
    return down >= 5 and down > 1.5 * across


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


def flatten_background(gray: Image, size: int) -> Image:
    """Divide out the paper's shading (uneven light, tinted or patterned paper): the page
    closed with a ``size`` px disc, wider than any stroke, is the light the print sits on.
    Tesseract binarises a page with one threshold and loses faint print in darker parts."""
    # the light varies slowly: estimate it at a quarter of the resolution or less (a large
    # disc at full resolution costs seconds on an A4 page)
    k = min(1.0, 9.0 / size)
    small = cv2.resize(gray, None, fx=k, fy=k, interpolation=cv2.INTER_AREA) if k < 1 else gray
    n = max(3, int(size * k) | 1)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (n, n))
    light = cv2.GaussianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, disc), (0, 0), n / 4)
    if k < 1:
        light = cv2.resize(light, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.asarray(cv2.divide(gray, light, scale=255), dtype=np.uint8)


def remove_rules(gray: Image) -> Image:
    """Ruled lines (table grids, value boxes, underlines) painted over with the paper: tesseract's
    page segmentation loses text inside boxes. A line is a dark run far longer than any letter:
    horizontal ones a thirtieth of the page wide, vertical ones a fortieth of its height."""
    h, w = gray.shape[:2]
    binary = cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15
    )
    across = cv2.morphologyEx(
        binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(40, w // 30), 1))
    )
    down = cv2.morphologyEx(
        binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(40, h // 40)))
    )
    rules = cv2.dilate(cv2.bitwise_or(across, down), np.ones((3, 3), np.uint8))
    if not rules.any():
        return gray
    out = gray.copy()
    out[rules > 0] = 255
    return np.asarray(out, dtype=np.uint8)


def _noise_sigma(gray: Image) -> float:
    """Robust estimate of pixel noise (grey levels) from the high-pass residual; on a large page
    (a scanned A4 form) from its central 1200 px square, which says as much at a third of the
    cost."""
    h, w = gray.shape[:2]
    if h * w > 2_500_000:
        y, x = max(0, h // 2 - 600), max(0, w // 2 - 600)
        gray = np.ascontiguousarray(gray[y : y + 1200, x : x + 1200])
    resid = gray.astype(np.float32) - cv2.medianBlur(gray, 3).astype(np.float32)
    return float(1.4826 * np.median(np.abs(resid - np.median(resid))))


@dataclass(frozen=True)
class Frame:
    """An explicit upright frame: the 2x3 affine map page -> frame, the frame size, and rows
    from ``blank_from`` down to blank before OCR (e.g. the MRZ, read elsewhere)."""

    matrix: tuple[tuple[float, float, float], tuple[float, float, float]]
    size: tuple[int, int]  # width, height
    blank_from: int | None = None

    def scaled(self, k: float) -> Frame:
        """The same frame at ``k`` times the resolution."""
        rows = tuple(tuple(v * k for v in row) for row in self.matrix)
        blank = int(self.blank_from * k) if self.blank_from is not None else None
        w, h = self.size
        return Frame(rows, (int(w * k), int(h * k)), blank)  # type: ignore[arg-type]

    @property
    def angle(self) -> float:
        (a, b, _), _ = self.matrix
        return float(np.degrees(np.arctan2(b, a)))

    @property
    def scale(self) -> float:
        (a, b, _), _ = self.matrix
        return float(np.hypot(a, b))


def frame_from_mrz(
    quad: tuple[tuple[float, float], ...], chars_per_line: int, *, pitch_px: float = 30.0
) -> Frame:
    """The document around an MRZ, upright, scaled so the MRZ pitch is ``pitch_px``.

    ICAO documents are about 1.07-1.15 MRZ lengths wide and 0.71-0.81 high, with the MRZ at the
    bottom; the frame takes a margin around that so every document type fits.
    """
    p0, p1, _, p3 = (np.asarray(p, dtype=np.float64) for p in quad[:4])
    length = float(np.linalg.norm(p1 - p0))
    u = (p1 - p0) / max(length, 1e-6)
    v = np.array([-u[1], u[0]])
    scale = float(np.clip(pitch_px / max(length / chars_per_line, 1e-6), 0.4, 3.0))
    origin = p3 - 0.12 * length * u - 0.9 * length * v
    a = scale * np.stack([u, v])
    t = -a @ origin
    mrz_top = float(scale * (p0 - origin) @ v)
    size = (int(1.24 * length * scale), int(0.98 * length * scale))
    rows = ((a[0, 0], a[0, 1], t[0]), (a[1, 0], a[1, 1], t[1]))
    return Frame(rows, size, int(mrz_top - 0.1 * pitch_px))


def prepare(
    image: Image,
    *,
    angle: float | None = None,
    deskew: bool = True,
    denoise: bool = True,
    frame: Frame | None = None,
    enhance: bool = False,
    turn: int = 0,
    rules: bool = False,
) -> tuple[Image, npt.NDArray[np.float64], float, float]:
    """Grey, rotated and scaled page plus the 2x3 affine map page -> frame, angle and scale.
    ``turn`` (0, 90, 180, 270 degrees counter-clockwise) comes before the estimated skew;
    ``rules`` removes ruled lines (forms: boxes and tables)."""
    gray: Image = np.asarray(
        cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image, dtype=np.uint8
    )
    if frame is not None:
        if enhance:
            frame = frame.scaled(2.0)
        fm = np.asarray(frame.matrix, dtype=np.float64)
        border = int(np.median(gray))
        out = np.asarray(
            cv2.warpAffine(gray, fm, frame.size, flags=cv2.INTER_CUBIC, borderValue=(border,)),
            dtype=np.uint8,
        )
        if frame.blank_from is not None and 0 < frame.blank_from < out.shape[0]:
            out[frame.blank_from :, :] = int(np.median(out[: frame.blank_from]))
        # the frame puts the MRZ pitch at 30 px: letters are well under 31 px wide strokes
        out = flatten_background(out, 61 if enhance else 31)
        if enhance:
            out = _sharpen(out)
        elif denoise and _noise_sigma(out) > 3.0:
            out = np.asarray(
                cv2.fastNlMeansDenoising(
                    out, None, h=12, templateWindowSize=7, searchWindowSize=15
                ),
                dtype=np.uint8,
            )
        return np.ascontiguousarray(out), fm, frame.angle, frame.scale
    if angle is not None:
        rot = angle
    else:
        # a quarter turn first (np.rot90 and a positive angle both turn counter-clockwise)
        turned = np.rot90(gray, k=(turn // 90) % 4) if turn % 360 else gray
        rot = turn + (-estimate_skew(np.ascontiguousarray(turned)) if deskew else 0.0)
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
    if height > 0:
        gray = flatten_background(gray, 2 * round(1.5 * height * scale) + 1)
    if denoise and _noise_sigma(gray) > 3.0:
        gray = np.asarray(
            cv2.fastNlMeansDenoising(gray, None, h=12, templateWindowSize=7, searchWindowSize=15),
            dtype=np.uint8,
        )
    if rules:
        gray = remove_rules(gray)
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
    frame: Frame | None = None,
    enhance: bool = False,
    turn: int = 0,
    timeout: float | None = None,
    rules: bool = False,
) -> PageText:
    """OCR one BGR (or grey) page. ``angle`` (degrees, counter-clockwise) overrides deskew;
    ``frame`` (e.g. :func:`frame_from_mrz`) overrides both and crops to the document;
    ``enhance`` (with a frame) reads it at twice the resolution, smoothed and sharpened;
    ``turn`` turns the page by a quarter (or half) before deskewing; ``rules`` removes ruled
    lines first (forms)."""
    language = lang or get_settings().ocr_languages
    gray, m, rot, scale = prepare(
        image,
        angle=angle,
        deskew=deskew,
        denoise=denoise,
        frame=frame,
        enhance=enhance,
        turn=turn,
        rules=rules,
    )
    tsv = run_tesseract(gray, psm=psm, lang=language, output="tsv", timeout=timeout)
    inverse = cv2.invertAffineTransform(m).astype(np.float64)
    words: list[OcrWord] = []
    for w in parse_tsv(tsv):
        if w.conf < 0 or not w.text.strip():
            continue
        fbox: Box = (
            float(w.left),
            float(w.top),
            float(w.left + w.width),
            float(w.top + w.height),
        )
        words.append(OcrWord(w.text, w.conf / 100.0, _to_page(fbox, inverse), fbox))
    return PageText(page, tuple(words), group_lines(words), rot, scale, language, gray, m)


def _sharpen(img: Image) -> Image:
    """Smooth noise, then sharpen strokes (small blurred print)."""
    soft = cv2.GaussianBlur(img, (0, 0), 1.0)
    return np.asarray(
        cv2.addWeighted(soft, 2.0, cv2.GaussianBlur(soft, (0, 0), 3.0), -1.0, 0), dtype=np.uint8
    )


#: Text height (word box, px) that single-line second reads are scaled to.
REREAD_TEXT_PX = 36.0


def reread_many(
    page: PageText,
    regions: list[Box],
    *,
    lang: str | None = None,
    whitelist: str | None = None,
    timeout: float | None = None,
    text_px: list[float] | None = None,
    sharpen: list[bool] | None = None,
) -> list[tuple[str, float, Box] | None]:
    """Read single lines of text in ``regions`` (frame coordinates) again, in one tesseract call:
    the crops are stacked one under the other and read as a block (psm 6).

    ``text_px`` (per region, the height of the text there) scales each crop so its text is
    about :data:`REREAD_TEXT_PX` high; ``sharpen`` (per region) smooths and sharpens the crop.
    Returns, per region, the text, mean word confidence (0..1) and box in page coordinates, or
    ``None`` when nothing was read there.
    """
    results: list[tuple[str, float, Box] | None] = [None] * len(regions)
    if page.frame_image is None or page.frame_matrix is None or not regions:
        return results
    img = page.frame_image
    pad = 16
    crops: list[tuple[int, int, int, float, Image]] = []  # region index, x0, y0, scale, crop
    for i, region in enumerate(regions):
        x0, y0 = max(0, int(region[0])), max(0, int(region[1]))
        x1, y1 = int(min(img.shape[1], region[2])), int(min(img.shape[0], region[3]))
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        crop = img[y0:y1, x0:x1]
        k = 1.0
        if text_px is not None and text_px[i] > 0:
            k = float(np.clip(REREAD_TEXT_PX / text_px[i], 1.0, 3.0))
        if k > 1.05:
            crop = np.asarray(
                cv2.resize(crop, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC), dtype=np.uint8
            )
        else:
            k = 1.0
        if sharpen is not None and sharpen[i]:
            crop = _sharpen(crop)
        crops.append((i, x0, y0, k, crop))
    if not crops:
        return results
    width = max(c[4].shape[1] for c in crops) + 2 * pad
    height = sum(c[4].shape[0] + 2 * pad for c in crops)
    canvas = np.full((height, width), int(np.median(img)), dtype=np.uint8)
    offsets: list[tuple[int, int, int, int, int, float]] = []  # index, top, bottom, x0, y0, k
    top = 0
    for i, x0, y0, k, crop in crops:
        ch, cw = crop.shape[:2]
        canvas[top + pad : top + pad + ch, pad : pad + cw] = crop
        offsets.append((i, top, top + ch + 2 * pad, x0, y0, k))
        top += ch + 2 * pad
    tsv = run_tesseract(
        canvas,
        psm=6,
        lang=lang or page.language,
        whitelist=whitelist,
        output="tsv",
        timeout=timeout,
    )
    inverse = cv2.invertAffineTransform(page.frame_matrix).astype(np.float64)
    words = [w for w in parse_tsv(tsv) if w.conf >= 0 and w.text.strip()]
    for i, c_top, c_bottom, x0, y0, k in offsets:
        inside = [w for w in words if c_top <= w.top + w.height / 2 < c_bottom]
        if not inside:
            continue
        # the line nearest the crop's middle: bits of a label above or a value below that
        # the crop caught read as lines of their own
        middle = (c_top + c_bottom) / 2
        lines: dict[tuple[int, int, int], list[Word]] = {}
        for w in inside:
            lines.setdefault(w.line, []).append(w)
        mine = min(
            lines.values(),
            key=lambda ws: abs(float(np.median([w.top + w.height / 2 for w in ws])) - middle),
        )
        mine.sort(key=lambda w: w.left)
        # the next column's value when the crop reached into it: set apart by a wide gap
        gap = 2.0 * max(w.height for w in mine)
        for k in range(1, len(mine)):
            if mine[k].left - (mine[k - 1].left + mine[k - 1].width) > gap:
                mine = mine[:k]
                break
        box = (
            x0 + (min(w.left for w in mine) - pad) / k,
            y0 + (min(w.top for w in mine) - c_top - pad) / k,
            x0 + (max(w.left + w.width for w in mine) - pad) / k,
            y0 + (max(w.top + w.height for w in mine) - c_top - pad) / k,
        )
        conf = float(np.mean([w.conf for w in mine])) / 100.0
        results[i] = (" ".join(w.text for w in mine), conf, _to_page(box, inverse))
    return results
