"""A layout randomiser for synthetic registration forms: nine layout families, and within each
random label wording and order, colon or not, bilingual labels, ticked boxes, stamps and
signatures, fonts (typewriter and handwriting-like from the Debian DejaVu set), then skew and
scan noise (``forms.degrade_form``).

``render_random_form(seed)`` -> :class:`RandomForm` with the image, its family, and per field
the value a perfect reader returns (``expected``). People are invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from docproc.synth.form_values import Applicant, applicant
from docproc.synth.render import DEJAVU_DIR, ImageArray

#: The layout families.
FAMILIES: tuple[str, ...] = (
    "colon_right",  # label : value on a dotted line
    "plain_right",  # label   value, no colon, underlined
    "below",  # small label above, value under it
    "boxes",  # label left, value in a drawn box
    "table",  # a ruled grid: label cell | value cell
    "two_column",  # two columns of label: value, long fields full width below
    "typewriter",  # monospaced, uppercase labels
    "handwriting",  # printed labels, hand-like values (oblique serif, jitter, blue ink)
    "wrapped",  # label: value, long values wrapped onto the next line (under the value or label)
)

#: field key -> (English wordings, Indonesian wordings). The generator's own list.
LABELS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "name": (("Name", "Full name", "Full name as in passport"), ("Nama", "Nama lengkap")),
    "aliases": (("Other names", "Alias", "Also known as"), ("Nama lain", "Nama alias")),
    "birth_date": (("Date of birth", "Birth date"), ("Tanggal lahir", "Tgl. lahir")),
    "place_of_birth": (("Place of birth", "Birthplace"), ("Tempat lahir",)),
    "place_date_of_birth": (
        ("Place and date of birth", "Date and place of birth"),
        ("Tempat dan tanggal lahir", "Tempat/tanggal lahir"),
    ),
    "sex": (("Sex", "Gender"), ("Jenis kelamin",)),
    "marital_status": (("Marital status", "Civil status"), ("Status perkawinan",)),
    "nationality": (("Nationality", "Citizenship"), ("Kewarganegaraan", "Kebangsaan")),
    "ethnicity": (("Ethnicity", "Ethnic group"), ("Suku", "Etnis")),
    "religion": (("Religion",), ("Agama",)),
    "languages": (("Languages spoken", "Languages"), ("Bahasa yang dikuasai", "Bahasa")),
    "education": (("Education", "Highest education"), ("Pendidikan terakhir", "Pendidikan")),
    "occupation": (("Occupation", "Profession"), ("Pekerjaan",)),
    "address": (("Address in Indonesia", "Current address"), ("Alamat di Indonesia", "Alamat")),
    "phone": (("Phone number", "Telephone", "Mobile number"), ("Nomor telepon", "No. HP")),
    "arrival_date": (("Date of arrival", "Arrival date"), ("Tanggal kedatangan", "Tanggal tiba")),
    "entry_date": (("Date of entry", "Entry date"), ("Tanggal masuk",)),
    "entry_place": (("Place of entry", "Point of entry"), ("Tempat masuk",)),
    "case_number": (("UNHCR/IOM case number", "Case number"), ("Nomor kasus",)),
    "individual_number": (("Individual number",), ("Nomor individu",)),
    "travel_document_number": (
        ("Travel document number", "Passport number"),
        ("Nomor dokumen perjalanan", "Nomor paspor"),
    ),
    "travel_document_type": (("Travel document type", "Document type"), ("Jenis dokumen",)),
    "family_members": (("Family members",), ("Anggota keluarga",)),
    "remarks": (("Remarks", "Notes"), ("Catatan", "Keterangan")),
}
_CORE = ("name", "sex", "nationality")
_OPTIONAL = tuple(
    k for k in LABELS if k not in (*_CORE, "birth_date", "place_of_birth", "place_date_of_birth")
)
_LONG = ("address", "family_members", "remarks", "languages")
_TITLES = (
    ("REGISTRATION FORM", "FORMULIR PENDAFTARAN"),
    ("PERSONAL DATA", "DATA PRIBADI"),
    ("REFUGEE REGISTRATION", "PENDATAAN PENGUNGSI"),
)
_FONTS = {
    "sans": "DejaVuSans.ttf",
    "sans-bold": "DejaVuSans-Bold.ttf",
    "sans-cond": "DejaVuSansCondensed.ttf",
    "serif": "DejaVuSerif.ttf",
    "mono": "DejaVuSansMono.ttf",
    "mono-bold": "DejaVuSansMono-Bold.ttf",
    "hand": "DejaVuSerif-Italic.ttf",
    "hand2": "DejaVuSansMono-Oblique.ttf",
    "hand3": "DejaVuSerifCondensed-Italic.ttf",
}


@lru_cache(maxsize=128)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(Path(DEJAVU_DIR) / _FONTS[name]), size)


def _name_of(f: ImageFont.FreeTypeFont) -> str:
    path = Path(str(f.path)).name
    return next(k for k, v in _FONTS.items() if v == path)


@dataclass
class RandomForm:
    image: ImageArray  # H x W x 3 RGB
    family: str
    language: str  # en | id | bi (bilingual labels, Indonesian values)
    expected: dict[str, str]  # field key -> normalised value a perfect reader gives
    printed: dict[str, str]  # field key -> printed value
    labels: dict[str, str]  # field key -> printed label


@dataclass
class _Style:
    s: float  # px per mm
    label_font: ImageFont.FreeTypeFont
    value_font: ImageFont.FreeTypeFont
    colon: bool
    upper_labels: bool
    ink: tuple[int, int, int]
    hand: bool
    rng: random.Random
    #: ``wrapped`` forms: where a long value's next line starts (under the value or the label)
    #: and where its lines end (px from the left edge).
    wrap_under_label: bool = False
    wrap_right: float = 0.0


def _label_text(key: str, lang: str, rng: random.Random, upper: bool) -> str:
    en, idn = LABELS[key]
    text = {
        "en": rng.choice(en),
        "id": rng.choice(idn),
        "bi": f"{rng.choice(idn)} / {rng.choice(en)}",
    }[lang]
    return text.upper() if upper else text


def _fields(rng: random.Random, family: str) -> list[str]:
    birth = ["place_date_of_birth"] if rng.random() < 0.35 else ["place_of_birth", "birth_date"]
    n = {"below": 7, "two_column": 12}.get(family, 10)
    extra = rng.sample(_OPTIONAL, rng.randint(n - 3, n))
    keys = [*_CORE, *birth, *extra]
    head, tail = keys[:1], keys[1:]
    rng.shuffle(tail)
    return head + tail


def _write(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, st: _Style) -> float:
    """Draw a value; hand-like values wobble letter by letter. Returns the right edge."""
    x, y = xy
    if not st.hand:
        draw.text((x, y), text, font=st.value_font, fill=st.ink)
        return float(draw.textbbox((x, y), text, font=st.value_font)[2])
    for ch in text:
        dy = st.rng.uniform(-0.25, 0.25) * st.s
        draw.text((x, y + dy), ch, font=st.value_font, fill=st.ink)
        x += draw.textlength(ch, font=st.value_font) * st.rng.uniform(1.0, 1.08)
    return x


def _checkboxes(draw: ImageDraw.ImageDraw, x: float, y: float, app: Applicant, st: _Style) -> None:
    size = st.s * 3.2
    for n, word in enumerate(app.sex_words):
        draw.rectangle((x, y, x + size, y + size), outline=(30, 30, 30), width=2)
        if (n == 0) == (app.sex == "M"):
            draw.line((x + 3, y + 3, x + size - 3, y + size - 3), fill=st.ink, width=4)
            draw.line((x + 3, y + size - 3, x + size - 3, y + 3), fill=st.ink, width=4)
        draw.text((x + size + 2.0 * st.s, y - 0.2 * st.s), word, font=st.label_font, fill=st.ink)
        x += size + 2.0 * st.s + draw.textlength(word, font=st.label_font) + 9 * st.s


def _stamp(draw: ImageDraw.ImageDraw, w: int, h: int, st: _Style) -> None:
    s, rng = st.s, st.rng
    cx, cy = rng.uniform(120, 180) * s, rng.uniform(240, 275) * s
    r = rng.uniform(14, 19) * s
    color = rng.choice(((200, 60, 60), (60, 70, 190), (120, 60, 150)))
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=color, width=4)
    draw.ellipse((cx - 0.8 * r, cy - 0.8 * r, cx + 0.8 * r, cy + 0.8 * r), outline=color, width=2)
    f = _font("sans-bold", round(3 * s))
    word = rng.choice(("DITERIMA", "RECEIVED", "VERIFIED"))
    draw.text((cx - draw.textlength(word, font=f) / 2, cy - 1.5 * s), word, font=f, fill=color)


def _signature(draw: ImageDraw.ImageDraw, x: float, y: float, st: _Style) -> None:
    pts = [(x + k * st.s * 2.5, y + st.rng.uniform(-3, 3) * st.s) for k in range(14)]
    draw.line(pts, fill=(20, 30, 110), width=3, joint="curve")


def render_random_form(seed: int, family: str | None = None, dpi: int = 200) -> RandomForm:
    """One filled form of a random (or the given) family; same seed, same page."""
    rng = random.Random(f"random-form:{seed}")
    family = family or rng.choice(FAMILIES)
    if family not in FAMILIES:
        raise ValueError(f"unknown form layout family {family!r}; one of {FAMILIES}")
    lang = rng.choice(("en", "id") if family == "two_column" else ("en", "id", "bi"))
    wrapped = family == "wrapped"
    app = applicant(rng, "en" if lang == "en" else "id", long_address=wrapped or rng.random() < 0.3)
    s = dpi / 25.4
    w, h = round(210 * s), round(297 * s)
    pil = Image.new("RGB", (w, h), (252, 252, 249))
    draw = ImageDraw.Draw(pil)
    mono = family == "typewriter"
    hand = family == "handwriting"
    label_size = round(rng.uniform(3.0, 3.5) * s)
    st = _Style(
        s,
        _font("mono" if mono else rng.choice(("sans", "sans", "serif")), label_size),
        _font(
            rng.choice(("hand", "hand2", "hand3"))
            if hand
            else ("mono" if mono else rng.choice(("sans", "sans-cond", "serif"))),
            round(rng.uniform(3.3, 3.8) * s),
        ),
        colon=family in ("colon_right", "two_column", "typewriter") or rng.random() < 0.5,
        upper_labels=mono or rng.random() < 0.15,
        ink=(20, 40, 140) if hand else (10, 10, 30),
        hand=hand,
        rng=rng,
    )
    x = round(rng.uniform(15, 20) * s)
    right = w - round(rng.uniform(12, 18) * s)
    if wrapped:
        st.wrap_under_label = rng.random() < 0.4
        # a line under the label runs to the margin; under the value, a narrower column may end it
        st.wrap_right = right if st.wrap_under_label else right - rng.uniform(0, 45) * s
    title = rng.choice(_TITLES)[0 if lang == "en" else 1]
    draw.text((x, round(15 * s)), title, font=_font("sans-bold", round(5.5 * s)), fill=(15,) * 3)
    draw.line((x, round(26 * s), right, round(26 * s)), fill=(30, 30, 30), width=3)
    keys = _fields(rng, family)
    labels = {k: _label_text(k, lang, rng, st.upper_labels) for k in keys}
    checkbox = rng.random() < 0.4
    y = 34 * s
    if family == "two_column":
        y = _two_columns(draw, keys, labels, app, st, x, right, y, checkbox, w)
    else:
        value_x = x + max(draw.textlength(labels[k], font=st.label_font) for k in keys)
        value_x += rng.uniform(5, 10) * s
        row = rng.uniform(11, 14) * s if family != "below" else rng.uniform(19, 23) * s
        for key in keys:
            if y > 262 * s:
                keys = keys[: keys.index(key)]
                break
            lines = _field(
                draw, family, key, labels[key], app, st, x, value_x, right, w, y, checkbox
            )
            y += row + (lines - 1) * _line_pitch(st)
    if rng.random() < 0.6:
        _stamp(draw, w, h, st)
    if rng.random() < 0.6:
        _signature(draw, x + 10 * s, min(y + 8 * s, 282 * s), st)
    printed = {k: app.printed[k] for k in keys}
    expected = {}
    for k in keys:
        if k == "place_date_of_birth":
            expected["place_of_birth"] = app.expected["place_of_birth"]
            expected["birth_date"] = app.expected["birth_date"]
        else:
            expected[k] = app.expected[k]
    image = np.asarray(pil, dtype=np.uint8).copy()
    return RandomForm(image, family, lang, expected, printed, labels)


def _field(
    draw: ImageDraw.ImageDraw,
    family: str,
    key: str,
    label: str,
    app: Applicant,
    st: _Style,
    x: float,
    value_x: float,
    right: float,
    width: int,
    y: float,
    checkbox: bool,
) -> int:
    """Draw a label and its value; returns the number of lines the value took."""
    s = st.s
    text = app.printed[key]
    draw.text(
        (x, y),
        label + (":" if st.colon and family != "below" else ""),
        font=st.label_font,
        fill=(25, 25, 60),
    )
    if family == "below":
        vy = y + 6.5 * s
        draw.line((x, vy + 5.5 * s, right, vy + 5.5 * s), fill=(140, 140, 140), width=1)
        vx = x + 2 * s
    else:
        vy = y - 0.3 * s
        vx = value_x
        if family in ("boxes", "table"):
            top, bottom = y - 2.2 * s, y + 7.5 * s
            box_left = value_x - 2 * s if family == "boxes" else x - 2 * s
            draw.rectangle((box_left, top, right, bottom), outline=(60, 60, 60), width=2)
            if family == "table":
                draw.line((value_x - 3 * s, top, value_x - 3 * s, bottom), fill=(60,) * 3, width=2)
        elif family == "colon_right":
            for dx in range(int(value_x), int(right), round(1.6 * s)):
                draw.point((dx, y + 5 * s), fill=(120, 120, 120))
        elif family != "wrapped":  # wrapped values are underlined under their last line
            draw.line((value_x, y + 5.2 * s, right, y + 5.2 * s), fill=(150,) * 3, width=1)
    if key == "sex" and checkbox:
        _checkboxes(draw, vx, vy + 0.6 * s, app, st)
        return 1
    if family == "wrapped":
        return _write_wrapped(draw, vx, vy, x, text, st)
    # a long value may run past ``right`` towards the page edge; printed whole, smaller if need be
    room = width - 4 * s - vx
    need = draw.textlength(text, font=st.value_font) * (1.05 if st.hand else 1.0)
    if need > room:
        keep = st.value_font
        size = max(10, int(keep.size * room / need))
        st.value_font = _font(_name_of(keep), size)
        _write(draw, (vx, vy + (keep.size - size) * 0.6), text, st)
        st.value_font = keep
        return 1
    _write(draw, (vx, vy), text, st)
    return 1


def _line_pitch(st: _Style) -> float:
    return 1.3 * float(st.value_font.size)


def _write_wrapped(
    draw: ImageDraw.ImageDraw, vx: float, vy: float, x: float, text: str, st: _Style
) -> int:
    """A value in lines that end before ``st.wrap_right``, the first at ``vx``, the others
    under it or, for ``st.wrap_under_label``, under the label at ``x``. Returns the lines."""
    lines: list[str] = []
    left = vx
    for word in text.split():
        line = f"{lines[-1]} {word}" if lines else word
        if lines and left + draw.textlength(line, font=st.value_font) <= st.wrap_right:
            lines[-1] = line
        else:
            if lines:
                left = x if st.wrap_under_label else vx
            lines.append(word)
    for n, line in enumerate(lines):
        left = vx if n == 0 else (x if st.wrap_under_label else vx)
        _write(draw, (left, vy + n * _line_pitch(st)), line, st)
    under = vy + (len(lines) - 1) * _line_pitch(st) + 5.5 * st.s
    draw.line((vx, under, st.wrap_right, under), fill=(150,) * 3, width=1)
    return len(lines)


def _two_columns(
    draw: ImageDraw.ImageDraw,
    keys: list[str],
    labels: dict[str, str],
    app: Applicant,
    st: _Style,
    x: float,
    right: float,
    y: float,
    checkbox: bool,
    width: int,
) -> float:
    """Short fields in two columns, each label with its value under it; long fields full
    width below."""
    s = st.s
    short = [k for k in keys if k not in _LONG and not (k == "sex" and checkbox)]
    long = [k for k in keys if k not in short]
    mid = (x + right) / 2 + 4 * s
    half = (len(short) + 1) // 2
    for cx, chunk in ((x, short[:half]), (mid, short[half:])):
        cy = y
        for key in chunk:
            draw.text((cx, cy), labels[key] + ":", font=st.label_font, fill=(25, 25, 60))
            _write(draw, (cx + 3 * s, cy + 6 * s), app.printed[key], st)
            cy += 16 * s
    y += 16 * s * half + 4 * s
    value_x = (
        x + max((draw.textlength(labels[k] + ":", font=st.label_font) for k in long), default=0)
    ) + 6 * s
    for key in long:
        _field(
            draw, "colon_right", key, labels[key], app, st, x, value_x, right, width, y, checkbox
        )
        y += 12 * s
    return y
