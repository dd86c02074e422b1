"""Registration forms of layouts the generator does not print, read with the real OCR engine:
separate birth date and place, sex as words and as a ticked box, stateless, a two-word phone
label, a long value at the page edge, unknown labels kept as raw pairs, and a two-page PDF
(passport page + form page)."""

from __future__ import annotations

import io
import random
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw

from docproc.reading.extract.fields import Field
from docproc.reading.extract.forms import extract_form
from docproc.reading.extract.page import ocr_page
from docproc.reading.extract.record import extract_file
from docproc.reading.mrz.model import MRZType
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document
from docproc.synth.render import font

DPI = 200
S = DPI / 25.4
LONG_ADDRESS = (
    "Jl. Raya Tanjung Unggat No. 12, RT 003/RW 005, Kel. Tanjung Unggat, Kota Tanjungpinang,"
    " Kepulauan Riau"
)

ROWS = [
    ("Nama / Name", "Nur Kalima"),
    ("Tempat lahir / Place of birth", "Sittwe"),
    ("Tanggal lahir / Date of birth", "8 Agustus 1969"),
    ("Jenis kelamin / Sex", "Perempuan"),
    ("Kewarganegaraan / Nationality", "Tanpa kewarganegaraan"),
    ("Phone number", "0812 3456 7890"),
    ("Nomor dokumen perjalanan / Travel document number", "B5702981"),
    ("Religion of father", "Islam"),
    ("Alamat / Address", LONG_ADDRESS),
]


def _form_image(rows: list[tuple[str, str]], *, value_x_mm: float = 112) -> Image.Image:
    """Labels with a colon at the left, values at ``value_x_mm``; a value too long for the line
    runs to the page edge (its last letters about 2 mm from it)."""
    w, h = round(210 * S), round(297 * S)
    pil = Image.new("RGB", (w, h), (252, 252, 250))
    draw = ImageDraw.Draw(pil)
    label_font, value_font = font("sans", round(3.2 * S)), font("sans", round(3.5 * S))
    draw.text((18 * S, 15 * S), "DATA PENGUNGSI", font=font("sans-bold", round(5 * S)), fill=0)
    y = 32 * S
    for label, value in rows:
        draw.text((15 * S, y), f"{label}:", font=label_font, fill=(20, 20, 20))
        x = value_x_mm * S
        # the largest size that fits: a long value ends within a letter of the page edge
        kind = "sans-cond" if draw.textlength(value, font=value_font) > w - 2 * S - x else "sans"
        size = round(3.5 * S)
        while draw.textlength(value, font=font(kind, size)) > w - 2 * S - x:
            size -= 1
        draw.text((x, y), value, font=font(kind, size), fill=(10, 10, 40))
        y += 13 * S
    return pil


def _bgr(pil: Image.Image) -> npt.NDArray[np.uint8]:
    return np.asarray(cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR), dtype=np.uint8)


@pytest.fixture(scope="module")
def read_form() -> dict[str, Field]:
    fields, _ = extract_form(ocr_page(_bgr(_form_image(ROWS)), rules=True))
    return fields


def test_a_separate_birth_date_and_birth_place(read_form: dict[str, Field]) -> None:
    assert read_form["birth_date"].value == "1969-08-08"
    assert read_form["birth_date"].raw == "8 Agustus 1969"
    assert read_form["place_of_birth"].value == "SITTWE"


def test_sex_as_a_word(read_form: dict[str, Field]) -> None:
    assert read_form["sex"].value == "F"


def test_stateless_becomes_xxa(read_form: dict[str, Field]) -> None:
    assert read_form["nationality"].value == "XXA"
    assert read_form["nationality"].raw.lower() == "tanpa kewarganegaraan"


def test_a_phone_whose_label_has_two_words(read_form: dict[str, Field]) -> None:
    assert read_form["phone"].value == "+6281234567890"
    assert "number" not in read_form["phone"].raw.lower()


def test_the_travel_document_number(read_form: dict[str, Field]) -> None:
    assert read_form["travel_document_number"].value == "B5702981"


def test_a_long_value_at_the_page_edge_is_read_whole(read_form: dict[str, Field]) -> None:
    raw = read_form["address"].raw
    assert raw.endswith("Kepulauan Riau"), raw
    assert raw.startswith("Jl. Raya Tanjung Unggat"), raw


def test_an_unknown_label_is_kept_as_a_raw_pair(read_form: dict[str, Field]) -> None:
    raw = read_form["raw:Religion of father"]
    assert raw.value == "Islam" and raw.note == "unknown_label" and raw.source == "form"


def _ticked_form(tick: int) -> Image.Image:
    pil = _form_image([("Nama / Name", "Abul Hussain"), ("Tanggal lahir", "02/03/1990")])
    draw = ImageDraw.Draw(pil)
    y, x = 32 * S + 3 * 13 * S, 15 * S
    draw.text((x, y), "Jenis kelamin / Sex:", font=font("sans", round(3.2 * S)), fill=0)
    x = 112 * S
    for n, word in enumerate(("Laki-laki", "Perempuan")):
        box = 3.2 * S
        draw.rectangle((x, y + 0.4 * S, x + box, y + 0.4 * S + box), outline=0, width=2)
        if n == tick:
            draw.line((x + 3, y + 0.4 * S + 3, x + box - 3, y + 0.4 * S + box - 3), fill=0, width=4)
            draw.line((x + 3, y + 0.4 * S + box - 3, x + box - 3, y + 0.4 * S + 3), fill=0, width=4)
        draw.text((x + box + 2 * S, y), word, font=font("sans", round(3.4 * S)), fill=0)
        x += box + 2 * S + draw.textlength(word, font=font("sans", round(3.4 * S))) + 12 * S
    return pil


@pytest.mark.parametrize(("tick", "sex"), [(0, "M"), (1, "F")])
def test_sex_as_a_ticked_box(tick: int, sex: str) -> None:
    fields, _ = extract_form(ocr_page(_bgr(_ticked_form(tick)), rules=True))
    assert fields["sex"].value == sex and fields["sex"].note == "ticked_box"


def test_a_two_page_pdf_gives_mrz_fields_from_page_1_and_form_fields_from_page_2(
    tmp_path: Path,
) -> None:
    doc = random_document(random.Random("two-pages"), MRZType.TD3)
    passport, _entry, _ = make_sample(doc, 7, None)
    page1 = Image.new("RGB", (round(210 * S), round(297 * S)), (255, 255, 255))
    card = Image.fromarray(passport)
    card.thumbnail((round(180 * S), round(140 * S)))
    page1.paste(card, (round(15 * S), round(20 * S)))
    page2 = _form_image(ROWS[:6])
    buf = io.BytesIO()
    page1.save(buf, "PDF", resolution=DPI, save_all=True, append_images=[page2])
    path = tmp_path / "case.pdf"
    path.write_bytes(buf.getvalue())
    rec = extract_file(path).to_json()
    assert rec["status"] == "ok" and rec["pages"] == 2
    assert rec["mrz"] is not None and rec["mrz"]["page"] == 0
    assert rec["mrz"]["document_number"] == doc.fields["document_number"]
    assert rec["page_kinds"] == ["mrz", "form"]
    form = {k: f for k, f in rec["fields"].items() if f["source"] == "form"}
    assert form and all(f["page"] == 1 for f in form.values())
    by_value = {f["value"] for f in form.values()}
    assert {"1969-08-08", "SITTWE", "XXA", "+6281234567890"} <= by_value
