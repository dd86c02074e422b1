"""Synthetic printed registration forms (English or Indonesian) with full ground truth.

A form is an A4 page: a title, then one row per field with the label on the left, a colon and
the typed value on a dotted line. ``render_form`` returns the RGB image, the printed values
(``truth``) keyed like :data:`FORM_FIELDS` and each value's box. ``degrade_form`` adds the usual
desk-scanner damage: a small rotation, blur, noise and JPEG.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import cv2
import numpy as np
from PIL import Image, ImageDraw

from docproc.synth.form_values import MONTHS
from docproc.synth.mrzgen import REFERENCE_DATE
from docproc.synth.names import COUNTRY_NAMES, random_person
from docproc.synth.render import Box, ImageArray, font

#: field key -> (English label, Indonesian label)
FORM_LABELS: dict[str, tuple[str, str]] = {
    "name": ("Name", "Nama"),
    "aliases": ("Aliases", "Alias"),
    "place_date_of_birth": ("Date and place of birth", "Tempat dan tanggal lahir"),
    "nationality": ("Nationality", "Kewarganegaraan"),
    "languages": ("Languages", "Bahasa"),
    "address": ("Address in Indonesia", "Alamat di Indonesia"),
    "phone": ("Phone", "Telepon"),
    "arrival_date": ("Arrival date", "Tanggal kedatangan"),
    "family_members": ("Family members", "Anggota keluarga"),
    "case_number": ("UNHCR/IOM case number", "Nomor kasus UNHCR/IOM"),
}
FORM_FIELDS: tuple[str, ...] = tuple(FORM_LABELS)

_TITLES = {
    "en": ("REGISTRATION FORM", "Personal data of the applicant"),
    "id": ("FORMULIR PENDAFTARAN", "Data pribadi pemohon"),
}
_LANGUAGES = {
    "MMR": (("Rohingya", "Rohingya"), ("Burmese", "Burma")),
    "AFG": (("Dari", "Dari"), ("Pashto", "Pashto")),
    "BGD": (("Bengali", "Bengali"),),
    "CHN": (("Chinese", "Mandarin"),),
    "IRN": (("Farsi", "Farsi"),),
    "IRQ": (("Arabic", "Arab"), ("Kurdish", "Kurdi")),
    "PAK": (("Urdu", "Urdu"), ("Punjabi", "Punjabi")),
    "SOM": (("Somali", "Somali"), ("Arabic", "Arab")),
    "LKA": (("Tamil", "Tamil"),),
}
_EXTRA_LANGUAGES = (("English", "Inggris"), ("Malay", "Melayu"), ("Indonesian", "Indonesia"))
_STREETS = (
    "Jl. Kebon Sirih",
    "Jl. Cikini Raya",
    "Jl. Raya Bogor",
    "Jl. Sudirman",
    "Jl. Pemuda",
    "Jl. Gajah Mada",
    "Jl. Diponegoro",
    "Jl. Merdeka",
)
_CITIES = (
    "Jakarta Pusat",
    "Bogor",
    "Medan",
    "Makassar",
    "Pekanbaru",
    "Tangerang",
    "Kupang",
    "Batam",
    "Semarang",
)
_RELATIONS = {
    "en": ("wife", "husband", "son", "daughter", "mother", "brother"),
    "id": ("istri", "suami", "anak", "anak", "ibu", "saudara"),
}
_NATIONALITIES = ("MMR", "AFG", "BGD", "CHN", "IRN", "IRQ", "PAK", "SOM", "LKA")


@dataclass
class RenderedForm:
    image: ImageArray  # H x W x 3 RGB
    language: str  # "en" | "id"
    truth: dict[str, str]  # printed values; ``birth_date`` / ``arrival_date`` also ISO below
    iso_dates: dict[str, str]  # birth_date, arrival_date as ISO
    boxes: dict[str, Box] = field(default_factory=dict)


def _date_text(d: date, lang: str, rng: random.Random) -> str:
    if rng.random() < 0.3:
        return f"{d.day:02d}-{d.month:02d}-{d.year}"
    return f"{d.day} {MONTHS[lang][d.month - 1]} {d.year}"


def form_values(rng: random.Random, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Printed values and ISO dates of one random applicant."""
    i = 1 if lang == "id" else 0
    nat = rng.choice(_NATIONALITIES)
    person = random_person(rng, nat)
    name = " ".join(p for p in (person.given_names, person.surname) if p)
    alias_parts = name.split()
    alias = rng.choice(alias_parts) if rng.random() < 0.6 else "-"
    if alias != "-" and rng.random() < 0.5:
        alias = f"{alias} {rng.choice(('ALI', 'ABU', 'BIBI', 'NUR', 'AH'))}"
    born = REFERENCE_DATE - timedelta(days=rng.randint(18 * 365, 70 * 365))
    arrived = REFERENCE_DATE - timedelta(days=rng.randint(30, 9 * 365))
    langs = [p[i] for p in _LANGUAGES[nat]]
    if rng.random() < 0.5:
        langs.append(rng.choice(_EXTRA_LANGUAGES)[i])
    street = f"{rng.choice(_STREETS)} No. {rng.randint(1, 140)}, {rng.choice(_CITIES)}"
    phone = f"+62 8{rng.randint(11, 59)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
    members = []
    for _ in range(rng.randint(0, 2)):
        other = random_person(rng, nat)
        rel = rng.choice(_RELATIONS[lang])
        members.append(f"{other.given_names or other.surname} ({rel})")
    family = ", ".join(members) or "-"
    org = rng.choice(("UNHCR", "IOM"))
    case = f"{org} {rng.randint(100, 999)}-{rng.randint(10, 26)}C{rng.randint(0, 99999):05d}"
    values = {
        "name": name,
        "aliases": alias,
        "place_date_of_birth": f"{person.place_of_birth}, {_date_text(born, lang, rng)}",
        "nationality": COUNTRY_NAMES[nat][i],
        "languages": ", ".join(langs),
        "address": street,
        "phone": phone,
        "arrival_date": _date_text(arrived, lang, rng),
        "family_members": family,
        "case_number": case,
    }
    iso = {
        "birth_date": born.isoformat(),
        "arrival_date": arrived.isoformat(),
        "place_of_birth": person.place_of_birth,
    }
    return values, iso


def render_form(seed: int, lang: str = "en", dpi: int = 200) -> RenderedForm:
    """One filled form; the same ``seed`` and ``lang`` give the same page."""
    if lang not in ("en", "id"):
        raise ValueError(f"form language must be 'en' or 'id', not {lang!r}")
    rng = random.Random(f"form:{lang}:{seed}")
    values, iso = form_values(rng, lang)
    s = dpi / 25.4
    w, h = round(210 * s), round(297 * s)
    pil = Image.new("RGB", (w, h), (252, 252, 249))
    draw = ImageDraw.Draw(pil)
    f_title = font("sans-bold", round(5.5 * s))
    f_sub = font("sans", round(3.4 * s))
    f_label = font("sans", round(3.3 * s))
    f_value = font(rng.choice(("sans", "sans-cond")), round(3.5 * s))
    x = round(18 * s)
    title, sub = _TITLES[lang]
    draw.text((x, round(18 * s)), title, font=f_title, fill=(15, 15, 15))
    draw.text((x, round(28 * s)), sub, font=f_sub, fill=(40, 40, 40))
    draw.line((x, round(36 * s), w - x, round(36 * s)), fill=(30, 30, 30), width=3)
    i = 1 if lang == "id" else 0
    value_x = round(rng.uniform(80, 88) * s)
    y = round(46 * s)
    row = round(rng.uniform(14, 17) * s)
    boxes: dict[str, Box] = {}
    for key in FORM_FIELDS:
        label = FORM_LABELS[key][i]
        draw.text((x, y), label, font=f_label, fill=(25, 25, 60))
        draw.text((value_x - round(5 * s), y), ":", font=f_label, fill=(25, 25, 60))
        base = y + round(5 * s)
        for dx in range(value_x, w - x, round(1.6 * s)):
            draw.point((dx, base), fill=(120, 120, 120))
        text = values[key]
        draw.text((value_x, y - round(0.3 * s)), text, font=f_value, fill=(10, 10, 30))
        bx = draw.textbbox((value_x, y - round(0.3 * s)), text, font=f_value)
        boxes[key] = (float(bx[0]), float(bx[1]), float(bx[2]), float(bx[3]))
        y += row
    sig_y = y + round(10 * s)
    draw.text(
        (x, sig_y),
        "Tanda tangan / Signature" if lang == "id" else "Signature",
        font=f_label,
        fill=(25, 25, 60),
    )
    image = np.asarray(pil, dtype=np.uint8).copy()
    return RenderedForm(image, lang, values, iso, boxes)


def degrade_form(image: ImageArray, seed: int) -> tuple[ImageArray, int]:
    """A scanned-looking copy: rotation up to 2.5 degrees, mild blur and noise, JPEG quality."""
    rng = random.Random(f"form-degrade:{seed}")
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-2.5, 2.5), 1.0)
    out = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(245, 245, 245))
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.0))
    noise = np.random.default_rng(seed).normal(0, rng.uniform(2, 7), out.shape)
    out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(out), rng.randint(45, 90)
