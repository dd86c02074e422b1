"""Page OCR, visual-zone and form fields with the real tesseract, on rendered pages."""

from __future__ import annotations

import random
import re

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw

from docproc.reading.extract.forms import extract_form, looks_like_form
from docproc.reading.extract.normalise import country_code
from docproc.reading.extract.page import estimate_skew, ocr_page
from docproc.reading.extract.record import extract_pages
from docproc.reading.intake import PageImage
from docproc.reading.mrz.model import MRZType
from docproc.synth.forms import degrade_form, render_form
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document
from docproc.synth.render import font

TODAY_FIELDS = ("birth_date", "issue_date", "expiry_date")


def _u8(a: object) -> npt.NDArray[np.uint8]:
    return np.asarray(a, dtype=np.uint8)


def _text_page(lines: list[str]) -> tuple[npt.NDArray[np.uint8], list[tuple[int, int]]]:
    pil = Image.new("RGB", (1400, 120 + 90 * len(lines)), (255, 255, 255))
    draw = ImageDraw.Draw(pil)
    f = font("sans", 40)
    origins = []
    for i, line in enumerate(lines):
        xy = (80, 60 + 90 * i)
        draw.text(xy, line, font=f, fill=(0, 0, 0))
        origins.append(xy)
    return _u8(cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)), origins


def test_page_ocr_gives_words_with_boxes_confidence_and_lines() -> None:
    image, origins = _text_page(["Nama / Name", "PUTRI LESTARI", "Telepon 0812 3456 7890"])
    page = ocr_page(image)
    assert [line.text for line in page.lines] == [
        "Nama / Name",
        "PUTRI LESTARI",
        "Telepon 0812 3456 7890",
    ]
    putri = next(w for w in page.words if w.text == "PUTRI")
    x0, y0, x1, y1 = putri.box
    assert abs(x0 - origins[1][0]) < 12 and origins[1][1] - 5 < y0 < origins[1][1] + 30
    assert x1 > x0 and y1 > y0
    assert 0.5 < putri.conf <= 1.0
    assert page.language == "eng+ind"
    assert page.text.splitlines()[1] == "PUTRI LESTARI"


def test_page_ocr_language_is_configurable_per_call() -> None:
    image, _ = _text_page(["Registration"])
    assert ocr_page(image, lang="eng").language == "eng"


@pytest.mark.parametrize("angle", [-4.0, 3.0])
def test_skewed_page_is_straightened_and_boxes_map_back(angle: float) -> None:
    image, origins = _text_page(
        [
            "Kewarganegaraan / Nationality",
            "AFGHANISTAN",
            "Alamat di Indonesia / Address",
            "Jl. Kebon Sirih No. 12, Jakarta Pusat",
        ]
    )
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    turned = _u8(cv2.warpAffine(image, m, (w, h), borderValue=(255, 255, 255)))
    assert abs(estimate_skew(_u8(cv2.cvtColor(turned, cv2.COLOR_BGR2GRAY))) - angle) < 0.5
    page = ocr_page(turned)
    assert "AFGHANISTAN" in page.text.split()
    word = next(wd for wd in page.words if wd.text == "AFGHANISTAN")
    cx, cy = (word.box[0] + word.box[2]) / 2, (word.box[1] + word.box[3]) / 2
    # the word's page box lies where the rotation put it
    ox, oy = origins[1][0] + 160, origins[1][1] + 22
    px, py = m @ np.array([ox, oy, 1.0])
    assert abs(cx - px) < 40 and abs(cy - py) < 25


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.upper()).strip()


@pytest.mark.parametrize(
    ("seed", "doc_type"),
    [(1, MRZType.TD3), (2, MRZType.TD1), (3, MRZType.TD2), (4, MRZType.MRVA)],
)
def test_visual_zone_fields_of_synthetic_documents(seed: int, doc_type: MRZType) -> None:
    doc = random_document(random.Random(f"viz-test:{seed}"), doc_type)
    image, entry, _ = make_sample(doc, seed, None)
    bgr = _u8(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    kind, mrz, fields, page, reasons = extract_pages([PageImage(0, bgr, "png", 300.0)])
    assert kind == "identity" and mrz is not None and page is not None
    truth = entry["fields"]
    printed = entry["viz_text"]
    checked = right = 0
    for key in ("document_number", "nationality", "issuing_authority", *TODAY_FIELDS):
        if key in printed or key == "birth_date":
            checked += 1
            want = truth[key] if key in (*TODAY_FIELDS, "document_number") else _norm(printed[key])
            right += key in fields and fields[key].value == want
    for key in ("surname", "given_names", "name"):
        if key in printed:
            checked += 1
            right += key in fields and fields[key].value == _norm(printed[key])
    assert right >= checked - 1, {k: f.value for k, f in fields.items()}
    for f in fields.values():
        assert f.source == "viz" and f.page == 0 and 0 <= f.confidence <= 1
        assert f.box[2] > f.box[0] and f.box[3] > f.box[1]
    assert not any(r.startswith("mrz_viz_mismatch") for r in reasons if "document" not in r)


def test_changed_visual_zone_value_is_caught_by_the_cross_check() -> None:
    doc = random_document(random.Random("viz-test:mismatch"), MRZType.TD3)
    fields = dict(doc.fields)
    fields["birth_date"] = "1961-02-03" if fields["birth_date"] != "1961-02-03" else "1962-02-03"
    fields["sex"] = "M" if doc.fields["sex"] == "F" else "F"
    tampered = type(doc)(
        doc.type, doc.document_code, doc.mrz, fields, doc.name_truncated, doc.name_pool
    )
    image, _, _ = make_sample(tampered, 5, None)
    bgr = _u8(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    _, mrz, _, _, reasons = extract_pages([PageImage(0, bgr, "png", 300.0)])
    assert mrz is not None
    assert "mrz_viz_mismatch:birth_date" in reasons
    assert "mrz_viz_mismatch:sex" in reasons


@pytest.mark.parametrize("lang", ["en", "id"])
def test_registration_forms_in_both_languages(lang: str) -> None:
    rendered = render_form(3, lang)
    image, _ = degrade_form(rendered.image, 3)
    page = ocr_page(_u8(cv2.cvtColor(image, cv2.COLOR_RGB2BGR)))
    assert looks_like_form(page)
    fields, _reasons = extract_form(page)
    truth = rendered.truth
    assert fields["name"].value == truth["name"]
    assert fields["nationality"].raw.upper() == truth["nationality"].upper()
    assert fields["nationality"].value == country_code(truth["nationality"])
    assert fields["birth_date"].value == rendered.iso_dates["birth_date"]
    assert fields["arrival_date"].value == rendered.iso_dates["arrival_date"]
    assert fields["place_of_birth"].value == rendered.iso_dates["place_of_birth"]
    assert fields["phone"].value == "+" + "".join(c for c in truth["phone"] if c.isdigit())
    assert fields["case_number"].value == truth["case_number"]
    assert fields["address"].value == truth["address"]
    assert all(f.source == "form" for f in fields.values())


def test_low_confidence_form_values_are_flagged() -> None:
    rendered = render_form(4, "id")
    image = _u8(cv2.cvtColor(rendered.image, cv2.COLOR_RGB2BGR))
    # smudge the phone number so it reads with low confidence
    x0, y0, x1, y1 = (int(v) for v in rendered.boxes["phone"])
    region = image[y0:y1, x0:x1]
    rng = np.random.default_rng(0)
    image[y0:y1, x0:x1] = np.clip(
        cv2.GaussianBlur(region, (0, 0), 2.2) + rng.normal(0, 60, region.shape), 0, 255
    ).astype(np.uint8)
    fields, reasons = extract_form(ocr_page(image))
    assert (
        "phone" not in fields
        or fields["phone"].value != rendered.truth["phone"]
        or ("low_confidence:phone" in reasons)
    )
    if "phone" in fields and fields["phone"].confidence < 0.75:
        assert "low_confidence:phone" in reasons


def test_form_kind_skips_the_mrz_search() -> None:
    rendered = render_form(5, "en")
    bgr = _u8(cv2.cvtColor(rendered.image, cv2.COLOR_RGB2BGR))
    kind, mrz, fields, page, _ = extract_pages([PageImage(0, bgr, "png", 200.0)], kind="form")
    assert kind == "form" and mrz is None and page is not None
    assert fields["case_number"].value == rendered.truth["case_number"]
