"""Values printed on two lines under their label, read with the real OCR engine: read whole,
not cut at the line's end, never taking the next label or a help line in small print."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from docproc.reading.extract.fields import Field
from docproc.reading.extract.forms import extract_form
from docproc.reading.extract.page import ocr_page
from docproc.synth.render import font

S = 200 / 25.4
LINE_1 = "Jl. Kebon Sirih No. 37, Gang Mawar, Kel. Belawan, Kec. Medan"
LINE_2 = "Belawan, Kota Medan, Sumatera Utara"
HELP = "Sesuai dokumen resmi yang berlaku (lampirkan salinan)."


def _read(second_line_x_mm: float, *, help_line: bool = False) -> dict[str, Field]:
    """Name, address on two lines (the second starting at ``second_line_x_mm``), phone,
    nationality; labels at 15 mm, values at 72 mm."""
    pil = Image.new("RGB", (round(210 * S), round(297 * S)), (252, 252, 250))
    draw = ImageDraw.Draw(pil)
    label_font, value_font = font("sans", round(3.2 * S)), font("sans", round(3.5 * S))
    draw.text((18 * S, 15 * S), "DATA PENGUNGSI", font=font("sans-bold", round(5 * S)), fill=0)
    y = 32 * S

    def row(label: str, *values: tuple[float, str]) -> None:
        nonlocal y
        draw.text((15 * S, y), f"{label}:", font=label_font, fill=(20, 20, 20))
        for n, (x, text) in enumerate(values):
            draw.text((x * S, y + n * 4.6 * S), text, font=value_font, fill=(10, 10, 40))
        y += (13 + 4.6 * (len(values) - 1)) * S

    row("Nama / Name", (72, "Nur Kalima"))
    if help_line:
        row("Alamat / Address", (72, "Jl. Cikini Raya No. 21, Jakarta Pusat"))
        draw.text((19 * S, y - 7.5 * S), HELP, font=font("sans", round(2.2 * S)), fill=90)
    else:
        row("Alamat / Address", (72, LINE_1), (second_line_x_mm, LINE_2))
    row("Phone number", (72, "0813 2222 4444"))
    row("Kewarganegaraan / Nationality", (72, "Tanpa kewarganegaraan"))
    bgr = np.asarray(cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR), dtype=np.uint8)
    fields, _ = extract_form(ocr_page(bgr, rules=True))
    return fields


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    "second_line_x_mm", [72.0, 15.0], ids=["under the value", "under the label"]
)
def test_a_value_on_two_lines_is_read_whole(second_line_x_mm: float) -> None:
    fields = _read(second_line_x_mm)
    assert _words(fields["address"].raw) == _words(f"{LINE_1} {LINE_2}")
    # the next label and its value stay theirs
    assert fields["phone"].value == "+6281322224444"
    assert fields["nationality"].value == "XXA"
    assert fields["name"].value.upper() == "NUR KALIMA"


def test_a_help_line_in_small_print_under_a_value_is_not_part_of_it() -> None:
    fields = _read(72.0, help_line=True)
    assert _words(fields["address"].raw) == "Jl. Cikini Raya No. 21, Jakarta Pusat"
    assert fields["phone"].value == "+6281322224444"
