"""The checked MRZ as a prior for the visual zone, value shapes, unlabelled values, pages without
an MRZ and uneven light: real tesseract and the real MRZ reader on rendered documents."""

from __future__ import annotations

import random
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from docproc.reading.extract.layout import match_label
from docproc.reading.extract.normalise import normalise_sex, repair_symbols
from docproc.reading.extract.page import flatten_background, text_is_vertical
from docproc.reading.extract.prior import agreement, expected_values, shape_ok
from docproc.reading.extract.record import extract_file, extract_pages, may_be_form
from docproc.reading.extract.viz import VIZ_LABELS, code_value
from docproc.reading.intake import PageImage
from docproc.reading.mrz.model import MRZType
from docproc.reading.mrz.parse import parse_mrz
from docproc.synth.forms import degrade_form, render_form
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import SynthDoc, random_document
from docproc.synth.render import LAYOUTS

Image = npt.NDArray[np.uint8]

# ICAO Doc 9303 Part 4 specimen
SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)


def _specimen() -> Any:
    parsed = parse_mrz(SPECIMEN)
    assert parsed is not None and parsed.valid
    return parsed


def test_expected_values_of_the_specimen() -> None:
    assert expected_values(_specimen()) == {
        "document_code": "P",
        "issuing_country": "UTO",
        "document_number": "L898902C3",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "name": "ANNA MARIA ERIKSSON",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "expiry_date": "2012-04-15",
        "sex": "F",
    }


@pytest.mark.parametrize(
    ("key", "value", "level"),
    [
        ("surname", "ERIKSSON", 2),
        ("given_names", "ANNA MARIA", 2),
        ("name", "ANNA MARIA ERIKSSON", 2),
        ("nationality", "UTOPIA", 2),
        ("surname", "ERIKSON", 0),  # one letter off is a difference, not a reading to fix
        ("surname", "ANNA MARIA ERIKSSON", 0),  # the whole name is not the surname
        ("birth_date", "1974-08-13", 0),
        ("sex", "M", 0),
        ("issuing_country", "UTC", 0),
    ],
)
def test_agreement_with_the_mrz(key: str, value: str, level: int) -> None:
    assert agreement(key, value, _specimen()) == level


def test_document_number_symbols_and_confusables_resolve_only_towards_the_mrz() -> None:
    parsed = _specimen()
    assert agreement("document_number", "L898902C3", parsed, "£898902C3") == 2
    assert agreement("document_number", "898902C3", parsed, "£898902C3") == 0  # £ is no L
    assert agreement("document_number", "L8989O2C3", parsed, "L8989O2C3") == 1  # O for 0
    assert repair_symbols("£02695118", "E02695118") == "E02695118"
    assert repair_symbols("€0080636", "C0080636") == "C0080636"
    assert repair_symbols("X02695118", "E02695118") is None  # a letter is not a symbol
    assert repair_symbols("E0B111205", "EO8111205") is None
    assert repair_symbols("E0B111205", "EO8111205", confusables=True) == "EO8111205"


def test_value_shapes() -> None:
    assert shape_ok("issuing_country", "LKA") and shape_ok("issuing_country", "D")
    assert not shape_ok("issuing_country", "LK") and not shape_ok("issuing_country", "PAKONIS")
    assert shape_ok("document_code", "PT") and not shape_ok("document_code", "PTX")
    assert shape_ok("sex", "F") and not shape_ok("sex", "UM")
    assert code_value("issuing_country", "BGDi‘t") == "BGD"
    assert code_value("document_code", "Pp") == "P"
    assert code_value("issuing_country", "BGD-—t £08111205") == "BGD"
    assert (
        normalise_sex("uM") == "M" and normalise_sex("P/F") == "F" and normalise_sex("ee") is None
    )


def test_labels_read_on_their_own_match_loosely_only_among_missing_keys() -> None:
    assert match_label("Date of expiry", VIZ_LABELS) == "expiry_date"
    assert match_label("Autnanritu", VIZ_LABELS) is None
    assert match_label("Autnanritu", VIZ_LABELS, loose=["issuing_authority", "sex"]) == (
        "issuing_authority"
    )
    assert match_label("Autnanritu", VIZ_LABELS, loose=["sex", "issue_date"]) is None


def test_text_direction_of_a_page_turned_a_quarter() -> None:
    image = _bgr(*_sample(MRZType.TD3, "dir", 3)[:1])
    gray = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    assert not text_is_vertical(gray)
    assert text_is_vertical(np.ascontiguousarray(np.rot90(gray)))


def test_flattening_removes_shading_and_keeps_print() -> None:
    h, w = 300, 600
    light = np.linspace(90, 250, w, dtype=np.float32)[None, :].repeat(h, 0)
    page = light.copy()
    page[140:160, 50:550] *= 0.35  # a dark bar of print across the shading
    out = flatten_background(np.asarray(page, dtype=np.uint8), 31)
    paper = np.concatenate([out[20:100, 20:-20].ravel(), out[200:280, 20:-20].ravel()])
    assert paper.std() < 6 and paper.mean() > 235  # the shading is gone
    assert out[145:155, 60:540].mean() < 110  # the print stays dark at both ends


# ---------------------------------------------------------------- rendered documents


def _sample(doc_type: MRZType, tag: str, seed: int, **fields: str) -> tuple[Any, dict[str, Any]]:
    doc = random_document(random.Random(f"viz-prior:{tag}"), doc_type)
    if fields:
        doc = SynthDoc(
            doc.type,
            doc.document_code,
            doc.mrz,
            {**doc.fields, **fields},
            doc.name_truncated,
            doc.name_pool,
        )
    image, entry, _ = make_sample(doc, seed, None)
    return image, entry


def _bgr(image: Any) -> Image:
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2BGR), dtype=np.uint8)


def _erase_label(image: Image, entry: dict[str, Any], key: str, doc_type: MRZType) -> None:
    """Paint the paper over the label printed above ``key``'s value."""
    x0, y0, _, _ = (int(v) for v in entry["viz_boxes"][key])
    label_px = LAYOUTS[doc_type].label_px
    top, bottom = int(y0 - 1.45 * label_px), y0 - 3
    patch = image[top:bottom, x0 - 4 : x0 + 18 * label_px]
    patch[:] = np.median(image[bottom + 2 : bottom + 3, x0 - 30 : x0 - 5], axis=(0, 1))


def _extract(image: Image) -> tuple[Any, dict[str, Any], list[str]]:
    kind, mrz, fields, _, reasons = extract_pages([PageImage(0, image, "png", 300.0)])
    assert kind == "identity"
    return mrz, fields, reasons


def test_a_value_whose_label_is_lost_is_found_by_the_mrz() -> None:
    rgb, entry = _sample(MRZType.TD3, "lost-label", 11)
    image = _bgr(rgb)
    _erase_label(image, entry, "surname", MRZType.TD3)
    mrz, fields, reasons = _extract(image)
    assert mrz is not None
    assert fields["surname"].value == entry["viz_text"]["surname"].upper()
    assert fields["surname"].raw.upper() == entry["viz_text"]["surname"].upper()  # as printed
    assert "mrz_viz_mismatch:surname" not in reasons


def test_a_different_printed_name_is_read_as_printed_and_reported() -> None:
    rgb, _ = _sample(MRZType.TD3, "tampered-name", 12, full_surname="WESTERHOLM")
    image = _bgr(rgb)
    mrz, fields, reasons = _extract(image)
    assert mrz is not None and mrz.parsed.surname.replace("<", " ").strip() != "WESTERHOLM"
    assert fields["surname"].value == "WESTERHOLM"
    assert "mrz_viz_mismatch:surname" in reasons


def test_a_field_without_label_or_mrz_match_is_not_invented() -> None:
    rgb, entry = _sample(MRZType.TD3, "no-label-changed", 13, full_surname="WESTERHOLM")
    image = _bgr(rgb)
    _erase_label(image, entry, "surname", MRZType.TD3)
    _, fields, _ = _extract(image)
    # the printed surname differs from the MRZ and its label is gone: nothing may stand in for
    # it, least of all the MRZ's surname
    surname = fields.get("surname")
    assert surname is None or surname.value == "WESTERHOLM"


def test_an_unlabelled_date_that_is_not_birth_or_expiry_is_the_issue_date() -> None:
    rgb, entry = _sample(MRZType.TD3, "issue-label", 14)
    image = _bgr(rgb)
    _erase_label(image, entry, "issue_date", MRZType.TD3)
    _, fields, _ = _extract(image)
    assert fields["issue_date"].value == entry["fields"]["issue_date"]


def test_a_page_without_an_mrz_turned_a_quarter_is_read_upright() -> None:
    rgb, entry = _sample(MRZType.TD3, "no-mrz", 15)
    image = _bgr(rgb)
    _, y0, _, y1 = (int(v) for v in entry["viz_boxes"]["mrz"])
    image[y0 - 10 : y1 + 10, :] = np.median(image[y1 + 12 :, :], axis=(0, 1))  # no MRZ
    turned = np.ascontiguousarray(np.rot90(image, k=1))
    mrz, fields, reasons = _extract(turned)
    assert mrz is None and "no_mrz" in reasons
    for key in ("document_number", "birth_date", "expiry_date"):
        want = entry["fields"][key]
        assert fields[key].value == want, (key, fields.get(key))
    # boxes are in the turned page's coordinates
    box = fields["document_number"].box
    assert 0 <= box[0] < box[2] <= turned.shape[1] and 0 <= box[1] < box[3] <= turned.shape[0]


def test_uneven_light_does_not_hide_the_top_rows() -> None:
    rgb, entry = _sample(MRZType.TD3, "shade", 16)
    image = _bgr(rgb).astype(np.float32)
    h, w = image.shape[:2]
    # darker towards the top left, as under a desk lamp from the bottom right
    ramp = np.clip(np.add.outer(np.linspace(0.35, 1.0, h), np.linspace(0.0, 0.2, w)), 0, 1)
    shaded = np.asarray(image * ramp[:, :, None], dtype=np.uint8)
    _, fields, _ = _extract(shaded)
    for key in ("document_code", "issuing_country", "document_number"):
        got = fields.get(key)
        assert got is not None and got.value == _truth(entry, key), (key, got)


def _truth(entry: dict[str, Any], key: str) -> str:
    if key == "document_number":
        return str(entry["fields"]["document_number"])
    return str(entry["viz_text"][key]).upper()


def test_a_form_misread_as_an_mrz_is_still_a_form(tmp_path: Any) -> None:
    # a degraded Indonesian form whose family-members and phone lines the MRZ reader takes for
    # a two-line zone that passes no date check: auto must read it as a form, like --kind form
    rendered = render_form(4243017, "id")
    image, quality = degrade_form(rendered.image, 4243017)
    path = tmp_path / "form.jpg"
    cv2.imwrite(
        str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    auto = extract_file(path).to_json()
    known = extract_file(path, kind="form").to_json()
    assert auto["kind"] == "form" and auto["mrz"] is None
    assert auto["fields"] == known["fields"]
    assert auto["fields"]["name"]["value"] == rendered.truth["name"].upper()


def test_only_level_portrait_pages_are_tried_as_forms_before_the_mrz_search() -> None:
    rendered = render_form(5, "en")
    form, _ = degrade_form(rendered.image, 5)
    card = _bgr(_sample(MRZType.TD1, "shape", 17)[0])
    assert may_be_form(PageImage(0, _bgr(form), "jpeg", 200.0))
    assert not may_be_form(PageImage(0, card, "png", 300.0))  # landscape
    turned = np.ascontiguousarray(np.rot90(_bgr(_sample(MRZType.TD3, "shape", 18)[0])))
    assert turned.shape[0] >= 1.3 * turned.shape[1]
    assert not may_be_form(PageImage(0, turned, "png", 300.0))  # portrait, but text runs up
