"""Render a :class:`~docproc.synth.mrzgen.SynthDoc` as a clean document image at ~300 dpi.

The MRZ is set in OCR-B at a fixed 2.54 mm pitch and ~2.4 mm cap height along the bottom edge,
as ICAO Doc 9303 Part 3/4 prescribe; the visual zone uses DejaVu Sans with bilingual labels on
Indonesian documents. Every value and the MRZ get a bounding box in image pixels.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from docproc.errors import MissingDependency
from docproc.reading.mrz.model import MRZType
from docproc.synth.mrzgen import SynthDoc
from docproc.synth.names import COUNTRY_NAMES

DPI = 300
PX_PER_MM = DPI / 25.4
MRZ_PITCH_MM = 2.54
MRZ_CAP_MM = 2.4

OCRB_PATH = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

Box = tuple[float, float, float, float]
ImageArray = npt.NDArray[np.uint8]

_FONT_PACKAGES = {OCRB_PATH.name: "fonts-ocr-b"}


def _font_file(path: Path) -> Path:
    if not path.is_file():
        package = _FONT_PACKAGES.get(path.name, "fonts-dejavu-core")
        raise MissingDependency(
            f"font {path} is missing: install the Debian package {package} "
            f"(apt-get install {package})"
        )
    return path


@lru_cache(maxsize=64)
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """``name`` is 'ocrb', 'sans', 'sans-bold' or 'serif-bold'."""
    path = {
        "ocrb": OCRB_PATH,
        "sans": DEJAVU_DIR / "DejaVuSans.ttf",
        "sans-bold": DEJAVU_DIR / "DejaVuSans-Bold.ttf",
        "sans-cond": DEJAVU_DIR / "DejaVuSansCondensed.ttf",
        "serif-bold": DEJAVU_DIR / "DejaVuSerif-Bold.ttf",
    }[name]
    return ImageFont.truetype(str(_font_file(path)), size)


@lru_cache(maxsize=4)
def ocrb_size_for_cap(cap_px: float) -> int:
    probe = font("ocrb", 200)
    bbox = probe.getbbox("H")
    return max(6, round(200 * cap_px / (bbox[3] - bbox[1])))


@dataclass(frozen=True)
class MRZGeometry:
    left_mm: float
    bottom_baseline_mm: float  # distance from the bottom edge to the last line's baseline
    line_pitch_mm: float


@dataclass(frozen=True)
class Layout:
    kind: str  # passport | id | visa
    size_mm: tuple[float, float]
    photo_mm: Box
    fields_x_mm: float
    first_row_mm: float
    row_mm: float
    rows: tuple[tuple[tuple[str, float], ...], ...]  # (key, x offset mm) per row
    label_px: int
    value_px: int
    mrz: MRZGeometry


_PASSPORT_ROWS: tuple[tuple[tuple[str, float], ...], ...] = (
    (("document_code", 0), ("issuing_country", 17), ("document_number", 45)),
    (("surname", 0),),
    (("given_names", 0),),
    (("nationality", 0),),
    (("birth_date", 0), ("sex", 45)),
    (("place_of_birth", 0),),
    (("issue_date", 0), ("expiry_date", 40)),
    (("issuing_authority", 0),),
)
_PASSPORT_ROWS_IDN: tuple[tuple[tuple[str, float], ...], ...] = (
    (("document_code", 0), ("issuing_country", 17), ("document_number", 45)),
    (("name", 0),),
    (("nationality", 0), ("sex", 45)),
    (("place_date_of_birth", 0),),
    (("issue_date", 0), ("expiry_date", 40)),
    (("issuing_authority", 0),),
)
_CARD_ROWS: tuple[tuple[tuple[str, float], ...], ...] = (
    (("surname", 0),),
    (("given_names", 0),),
    (("nationality", 0), ("sex", 38)),
    (("birth_date", 0), ("document_number", 26)),
    (("expiry_date", 0), ("issuing_authority", 26)),
)
_CARD_ROWS_IDN: tuple[tuple[tuple[str, float], ...], ...] = (
    (("name", 0),),
    (("place_date_of_birth", 0),),
    (("nationality", 0), ("sex", 38)),
    (("document_number", 0), ("expiry_date", 26)),
)
_VISA_ROWS: tuple[tuple[tuple[str, float], ...], ...] = (
    (("document_number", 0), ("entries", 34)),
    (("issue_date", 0), ("expiry_date", 34)),
    (("name", 0),),
    (("nationality", 0), ("birth_date", 34)),
    (("sex", 0), ("duration", 34)),
    (("issuing_authority", 0),),
)

LAYOUTS: dict[MRZType, Layout] = {
    MRZType.TD3: Layout(
        "passport",
        (125, 88),
        (5, 15, 36, 55),
        40,
        14.5,
        7.0,
        (),
        22,
        31,
        MRZGeometry(6.0, 4.6, 4.3),
    ),
    MRZType.TD1: Layout(
        "id",
        (85.6, 54),
        (3.5, 10, 22.5, 34),
        25.5,
        9.5,
        5.6,
        (),
        15,
        23,
        MRZGeometry(4.7, 3.6, 3.85),
    ),
    MRZType.TD2: Layout(
        "id", (105, 74), (4.5, 13, 31, 47), 35, 13.0, 7.0, (), 20, 29, MRZGeometry(6.0, 4.4, 4.3)
    ),
    MRZType.MRVA: Layout(
        "visa",
        (120, 80),
        (4.5, 14, 32, 50),
        37,
        14.0,
        7.4,
        _VISA_ROWS,
        20,
        29,
        MRZGeometry(4.1, 4.6, 4.3),
    ),
    MRZType.MRVB: Layout(
        "visa",
        (105, 74),
        (4.5, 13, 28, 44),
        32,
        12.5,
        6.6,
        _VISA_ROWS,
        18,
        26,
        MRZGeometry(6.0, 4.4, 4.3),
    ),
}

LABELS: dict[str, tuple[str, str]] = {
    # key: (English, Indonesian)
    "document_code": ("Type", "Jenis"),
    "issuing_country": ("Code of issuing State", "Kode Negara"),
    "surname": ("Surname", "Nama Keluarga"),
    "given_names": ("Given names", "Nama Depan"),
    "name": ("Name", "Nama"),
    "nationality": ("Nationality", "Kewarganegaraan"),
    "birth_date": ("Date of birth", "Tgl. Lahir"),
    "place_of_birth": ("Place of birth", "Tempat Lahir"),
    "place_date_of_birth": ("Place/Date of birth", "Tempat/Tgl. Lahir"),
    "sex": ("Sex", "Jenis Kelamin"),
    "issue_date": ("Date of issue", "Tgl. Pengeluaran"),
    "expiry_date": ("Date of expiry", "Tgl. Habis Berlaku"),
    "issuing_authority": ("Authority", "Kantor yang mengeluarkan"),
    "entries": ("Number of entries", "Jumlah masuk"),
    "duration": ("Duration of stay", "Lama tinggal"),
}
_DOCNUM_LABELS = {
    "passport": ("Passport No.", "No. Paspor"),
    "id": ("Document No.", "No. Dokumen"),
    "visa": ("Visa No.", "No. Visa"),
}
_VISA_OVERRIDES = {
    "issue_date": ("Valid from", "Berlaku dari"),
    "expiry_date": ("Until", "Sampai dengan"),
    "issuing_authority": ("Place of issue", "Tempat dikeluarkan"),
}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS_ID = ("JAN", "FEB", "MAR", "APR", "MEI", "JUN", "JUL", "AGT", "SEP", "OKT", "NOV", "DES")

TINTS: tuple[tuple[int, int, int], ...] = (
    (232, 241, 229),  # pale green
    (229, 236, 246),  # pale blue
    (246, 234, 236),  # pale pink
    (244, 239, 224),  # beige
    (238, 233, 245),  # lavender
)


@dataclass
class Rendered:
    """A rendered document with its geometry, in this image's pixel coordinates."""

    image: ImageArray  # H x W x 3 RGB
    boxes: dict[str, Box]
    viz_text: dict[str, str]
    mrz_line_boxes: list[Box]
    mrz_cap_px: float
    extra: dict[str, str] = field(default_factory=dict)


def mm(v: float) -> int:
    return round(v * PX_PER_MM)


def _viz_date(iso: str, idn: bool) -> str:
    d = date.fromisoformat(iso)
    months = _MONTHS_ID if idn else _MONTHS
    if idn and months[d.month - 1] != _MONTHS[d.month - 1]:
        return f"{d.day:02d} {months[d.month - 1]}/{_MONTHS[d.month - 1]} {d.year}"
    return f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}"


def _full_name(doc: SynthDoc) -> str:
    parts = (doc.fields["full_given_names"], doc.fields["full_surname"])
    return " ".join(p for p in parts if p)


def viz_values(doc: SynthDoc, rng: random.Random) -> dict[str, str]:
    """The strings printed in the visual zone, keyed like the layout rows."""
    f = doc.fields
    idn = f["issuing_country"] == "IDN"
    nat_names = COUNTRY_NAMES.get(f["nationality"], (f["nationality"], f["nationality"]))
    sex = f["sex"]
    if idn:
        sex = {"M": "L/M", "F": "P/F"}.get(sex, "X")
    stay = rng.choice((30, 60, 90, 180))
    code = doc.document_code.rstrip("<") or doc.document_code
    return {
        "document_code": code,
        "issuing_country": f["issuing_country"],
        "document_number": f["document_number"],
        "surname": f["full_surname"],
        "given_names": f["full_given_names"],
        "name": _full_name(doc),
        "nationality": nat_names[0],
        "birth_date": _viz_date(f["birth_date"], idn),
        "place_of_birth": f["place_of_birth"],
        "place_date_of_birth": f"{f['place_of_birth']}, {_viz_date(f['birth_date'], idn)}",
        "sex": sex,
        "issue_date": _viz_date(f["issue_date"], idn),
        "expiry_date": _viz_date(f["expiry_date"], idn),
        "issuing_authority": f["issuing_authority"],
        "entries": rng.choice(("SINGLE", "MULTIPLE")),
        "duration": f"{stay} {'HARI/DAYS' if idn else 'DAYS'}",
    }


def _label(key: str, kind: str, idn: bool) -> str:
    if key == "document_number":
        pair = _DOCNUM_LABELS[kind]
    elif kind == "visa" and key in _VISA_OVERRIDES:
        pair = _VISA_OVERRIDES[key]
    else:
        pair = LABELS[key]
    return f"{pair[1]} / {pair[0]}" if idn else pair[0]


def _titles(doc: SynthDoc, kind: str) -> tuple[str, str]:
    issuer = doc.fields["issuing_country"]
    idn = issuer == "IDN"
    country = COUNTRY_NAMES.get(issuer, (issuer, issuer))[0]
    code = doc.document_code
    if idn:
        state = "REPUBLIK INDONESIA / REPUBLIC OF INDONESIA"
        title = {
            "passport": "PASPOR / PASSPORT",
            "visa": "VISA REPUBLIK INDONESIA",
            "id": "KARTU IZIN TINGGAL / RESIDENCE PERMIT"
            if code in ("IR", "AC")
            else "KARTU IDENTITAS / IDENTITY CARD",
        }[kind]
    else:
        state = "FEDERAL REPUBLIC OF GERMANY" if issuer == "D" else country
        title = {"passport": "PASSPORT", "visa": "VISA", "id": "IDENTITY CARD"}[kind]
        if code == "IR":
            title = "RESIDENCE PERMIT"
    if kind == "passport" and doc.fields["nationality"] == "XXA":
        title = "TRAVEL DOCUMENT (CONVENTION OF 28 SEPTEMBER 1954)"
    elif kind == "passport" and (code == "PT" or doc.fields["nationality"] in ("XXB", "XXC")):
        title = "TRAVEL DOCUMENT (CONVENTION OF 28 JULY 1951)"
    return state, title


def _background(
    w: int, h: int, tint: tuple[int, int, int], rng: random.Random, mrz_top: int
) -> ImageArray:
    """Pale tinted paper with guilloche-like waves and a rosette, calmer behind the MRZ."""
    base = np.empty((h, w, 3), dtype=np.float32)
    grad = np.linspace(0.985, 1.015, h, dtype=np.float32)[:, None]
    for c in range(3):
        base[:, :, c] = np.clip(tint[c] * grad, 0, 255)
    img = base.astype(np.uint8)
    line_col = tuple(int(max(0, c - rng.randint(22, 38))) for c in tint)
    line_col2 = tuple(int(max(0, c - rng.randint(12, 24))) for c in reversed(tint))
    xs = np.arange(0, w + 8, 4, dtype=np.float32)
    n_waves = rng.randint(26, 40)
    period = rng.uniform(0.18, 0.35) * w
    amp = rng.uniform(0.02, 0.05) * h
    for k in range(n_waves):
        y0 = (k + 0.5) * h / n_waves
        phase = k * rng.uniform(0.25, 0.45)
        ys = (
            y0
            + amp * np.sin(2 * math.pi * xs / period + phase)
            + 0.4 * amp * np.sin(2 * math.pi * xs / (period * 0.37) - phase)
        )
        pts = np.stack([xs, ys], axis=1).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [pts], False, line_col if k % 2 else line_col2, 1, cv2.LINE_AA)
    # rosette
    cx, cy = rng.uniform(0.55, 0.85) * w, rng.uniform(0.25, 0.5) * h
    r0 = rng.uniform(0.18, 0.26) * min(w, h)
    petals = rng.randint(9, 17)
    th = np.linspace(0, 2 * math.pi, 720, dtype=np.float32)
    for j in range(14):
        r = r0 * (0.55 + 0.45 * np.abs(np.sin(petals * th / 2 + j * math.pi / 14)))
        pts = np.stack([cx + r * np.cos(th), cy + r * np.sin(th)], axis=1)
        cv2.polylines(
            img, [pts.astype(np.int32).reshape(-1, 1, 2)], True, line_col2, 1, cv2.LINE_AA
        )
    # the MRZ band is printed on a calmer background on real documents
    band = img[mrz_top:, :, :].astype(np.float32)
    flat = base[mrz_top:, :, :]
    img[mrz_top:, :, :] = (0.3 * band + 0.7 * flat).astype(np.uint8)
    return img


def _photo(pil: Image.Image, box: tuple[int, int, int, int], rng: random.Random, tone: int) -> None:
    """A grey portrait placeholder: head-and-shoulders silhouette, clipped to the frame."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    tile = Image.new("RGB", (w, h), (tone, tone, tone + 3))
    d = ImageDraw.Draw(tile)
    cx = w / 2 + rng.uniform(-0.04, 0.04) * w
    face = (tone - 55, tone - 55, tone - 52)
    d.ellipse((cx - 0.2 * w, 0.17 * h, cx + 0.2 * w, 0.6 * h), fill=face)
    d.chord((cx - 0.45 * w, 0.7 * h, cx + 0.45 * w, 1.35 * h), 180, 360, fill=face)
    d.rectangle((cx - 0.08 * w, 0.55 * h, cx + 0.08 * w, 0.75 * h), fill=face)
    pil.paste(tile, (x0, y0))
    ImageDraw.Draw(pil).rectangle(box, outline=(120, 120, 125), width=2)


def _signature(img: ImageArray, x0: int, y0: int, w: int, h: int, rng: random.Random) -> None:
    t = np.linspace(0, 1, 160)
    freq = rng.uniform(5, 9)
    xs = x0 + t * w
    ys = y0 + h / 2 + h * 0.35 * np.sin(2 * math.pi * freq * t) * np.sin(math.pi * t * 1.3)
    pts = np.stack([xs, ys], axis=1).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(img, [pts], False, (30, 40, 110), 2, cv2.LINE_AA)


def _rows_for(doc: SynthDoc, layout: Layout) -> tuple[tuple[tuple[str, float], ...], ...]:
    idn = doc.fields["issuing_country"] == "IDN"
    if layout.kind == "visa":
        return layout.rows
    if layout.kind == "passport":
        return _PASSPORT_ROWS_IDN if idn else _PASSPORT_ROWS
    return _CARD_ROWS_IDN if idn else _CARD_ROWS


def _fit(
    draw: ImageDraw.ImageDraw, text: str, name: str, size: int, max_w: float
) -> ImageFont.FreeTypeFont:
    f = font(name, size)
    while size > 10 and draw.textlength(text, font=f) > max_w:
        size -= 1
        f = font(name, size)
    return f


def render(doc: SynthDoc, seed: int = 0) -> Rendered:
    """Draw ``doc``; the look (tint, pattern, label language) is decided by ``seed``."""
    rng = random.Random(f"render:{seed}")
    layout = LAYOUTS[doc.type]
    w, h = mm(layout.size_mm[0]), mm(layout.size_mm[1])
    idn = doc.fields["issuing_country"] == "IDN"
    g = layout.mrz
    n_lines = len(doc.mrz)
    cap = MRZ_CAP_MM * PX_PER_MM
    last_base = h - g.bottom_baseline_mm * PX_PER_MM
    baselines = [
        last_base - (n_lines - 1 - i) * g.line_pitch_mm * PX_PER_MM for i in range(n_lines)
    ]
    mrz_top = int(baselines[0] - cap - mm(1.5))

    tint = rng.choice(TINTS)
    img = _background(w, h, tint, rng, mrz_top)
    photo = tuple(mm(v) for v in layout.photo_mm)
    sig_y = photo[3] + mm(1.0)
    if sig_y + mm(5) < mrz_top:
        _signature(img, photo[0] + mm(2), sig_y, photo[2] - photo[0] - mm(4), mm(4), rng)

    pil = Image.fromarray(img)
    draw = ImageDraw.Draw(pil)
    boxes: dict[str, Box] = {}
    texts: dict[str, str] = {}

    # header: state name and document title
    state, title = _titles(doc, layout.kind)
    head_col = (tint[0] // 4, tint[1] // 4 + 20, min(255, tint[2] // 3 + 60))
    head_size = max(16, layout.value_px - 2)
    x_head = mm(layout.fields_x_mm)
    max_head_w = w - x_head - mm(3)
    f_state = _fit(draw, state, "serif-bold", head_size, max_head_w)
    draw.text((x_head, mm(2.2)), state, font=f_state, fill=head_col, anchor="la")
    f_title = _fit(draw, title, "sans-bold", int(head_size * 0.8), max_head_w)
    draw.text((x_head, mm(2.2) + head_size * 1.25), title, font=f_title, fill=head_col, anchor="la")

    _photo(pil, (photo[0], photo[1], photo[2], photo[3]), rng, rng.randint(185, 215))
    boxes["photo"] = (float(photo[0]), float(photo[1]), float(photo[2]), float(photo[3]))

    values = viz_values(doc, rng)
    label_col = (50, 70, 120)
    value_col = (22, 22, 30)
    f_label = font("sans", layout.label_px)
    x_base = mm(layout.fields_x_mm)
    row_px = layout.row_mm * PX_PER_MM
    rows = _rows_for(doc, layout)
    for r, row in enumerate(rows):
        y = mm(layout.first_row_mm) + r * row_px
        for c, (key, dx) in enumerate(row):
            text = values[key]
            x = x_base + mm(dx)
            next_x = x_base + mm(row[c + 1][1]) if c + 1 < len(row) else w - mm(3)
            max_w = next_x - x - mm(1.5)
            label = _label(key, layout.kind, idn)
            fl = _fit(draw, label, "sans", layout.label_px, max_w) if idn else f_label
            draw.text((x, y), label, font=fl, fill=label_col, anchor="la")
            if not text:
                continue
            fv = _fit(draw, text, "sans", layout.value_px, max_w)
            vy = y + layout.label_px * 1.15
            draw.text((x, vy), text, font=fv, fill=value_col, anchor="la")
            bx = draw.textbbox((x, vy), text, font=fv, anchor="la")
            boxes[key] = (float(bx[0]), float(bx[1]), float(bx[2]), float(bx[3]))
            texts[key] = text

    # MRZ: OCR-B, fixed 2.54 mm pitch, cells left-aligned at the ICAO margin
    f_mrz = font("ocrb", ocrb_size_for_cap(cap))
    pitch = MRZ_PITCH_MM * PX_PER_MM
    x_left = g.left_mm * PX_PER_MM
    mrz_col = (18, 18, 24)
    line_boxes: list[Box] = []
    for line, base in zip(doc.mrz, baselines, strict=True):
        lx0 = ly0 = math.inf
        lx1 = ly1 = -math.inf
        for i, ch in enumerate(line):
            cx = x_left + (i + 0.5) * pitch
            draw.text((cx, base), ch, font=f_mrz, fill=mrz_col, anchor="ms")
            bx = draw.textbbox((cx, base), ch, font=f_mrz, anchor="ms")
            lx0, ly0 = min(lx0, bx[0]), min(ly0, bx[1])
            lx1, ly1 = max(lx1, bx[2]), max(ly1, bx[3])
        line_boxes.append((float(lx0), float(ly0), float(lx1), float(ly1)))
    boxes["mrz"] = (
        min(b[0] for b in line_boxes),
        line_boxes[0][1],
        max(b[2] for b in line_boxes),
        line_boxes[-1][3],
    )
    out = np.asarray(pil, dtype=np.uint8).copy()
    return Rendered(
        image=out, boxes=boxes, viz_text=texts, mrz_line_boxes=line_boxes, mrz_cap_px=cap
    )


def render_letter(seed: int = 0, dpi: int = 150) -> ImageArray:
    """A negative sample: an A4 letter/form page with text, boxes and a stamp, but no MRZ."""
    rng = random.Random(f"letter:{seed}")
    s = dpi / 25.4
    w, h = round(210 * s), round(297 * s)
    pil = Image.new("RGB", (w, h), (250, 250, 247))
    draw = ImageDraw.Draw(pil)
    fb, fn = font("sans-bold", round(4.2 * s)), font("sans", round(3.0 * s))
    x = round(20 * s)
    y = round(20 * s)
    draw.text((x, y), "SURAT KETERANGAN / CERTIFICATE OF REGISTRATION", font=fb, fill=(20, 20, 20))
    y += round(8 * s)
    draw.line((x, y, w - x, y), fill=(40, 40, 40), width=2)
    y += round(6 * s)
    words = (
        "pengungsi",
        "registration",
        "specimen",
        "Jakarta",
        "the",
        "holder",
        "is",
        "registered",
        "with",
        "office",
        "tanggal",
        "nomor",
        "case",
        "family",
        "members",
        "address",
        "Kebon",
        "Sirih",
        "valid",
        "until",
        "further",
        "notice",
        "identitas",
        "dokumen",
    )
    for _ in range(9):
        line = " ".join(rng.choice(words) for _ in range(rng.randint(9, 13)))
        draw.text((x, y), line.capitalize() + ".", font=fn, fill=(30, 30, 30))
        y += round(5.5 * s)
    y += round(6 * s)
    for label in (
        "Nama / Name",
        "Tempat/Tgl. Lahir / Place/Date of birth",
        "Kewarganegaraan / Nationality",
        "No. Kasus / Case No.",
        "Alamat / Address",
    ):
        draw.text((x, y), label, font=fn, fill=(30, 30, 60))
        draw.rectangle(
            (round(95 * s), y - round(1 * s), w - x, y + round(6 * s)),
            outline=(60, 60, 60),
            width=2,
        )
        y += round(10 * s)
    # a round stamp and a signature
    cx, cy, r = w - round(60 * s), y + round(30 * s), round(18 * s)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(60, 70, 160), width=4)
    draw.ellipse(
        (cx - r + 12, cy - r + 12, cx + r - 12, cy + r - 12), outline=(60, 70, 160), width=2
    )
    draw.text((cx, cy), "CONTOH", font=fb, fill=(60, 70, 160), anchor="mm")
    arr = np.asarray(pil, dtype=np.uint8).copy()
    _signature(arr, x, cy - round(5 * s), round(50 * s), round(10 * s), rng)
    return arr
