"""The tagger reads a page's free text only: no labels, no printed values, no repeats of fields."""

from __future__ import annotations

import random

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw

from docproc.reading.extract.fields import Field
from docproc.reading.extract.forms import form_schema
from docproc.reading.extract.freetext import drop_repeats, free_lines, is_prose
from docproc.reading.extract.normalise import normalise_token
from docproc.reading.extract.page import ocr_page
from docproc.reading.extract.record import record_from_pages
from docproc.reading.extract.viz import VIZ_LABELS
from docproc.reading.intake import PageImage
from docproc.reading.mrz.model import MRZType
from docproc.reading.nlp import Entity
from docproc.synth.forms import render_form
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document
from docproc.synth.render import font


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (normalise_token(p) for p in text.replace("/", " ").split()) if w)


#: Every label of both tables as normalised words ("Jenis Kelamin" -> ("jenis", "kelamin")).
LABELS = [
    _words(v)
    for table in (VIZ_LABELS, form_schema().label_table())
    for vs in table.values()
    for v in vs
]


def _u8(a: object) -> npt.NDArray[np.uint8]:
    return np.asarray(a, dtype=np.uint8)


def _label_like(text: str) -> bool:
    """The entity is a label or two words or more of one ("Jenis Kelamin", "Habis Berlaku",
    "Issuing authority", "Sex"); "IOM" alone (a word of "UNHCR/IOM case number") is not."""
    words = _words(text)
    for label in LABELS:
        if len(words) < 2 and len(label) > 1:
            continue
        n = len(words)
        if any(label[i : i + n] == words for i in range(len(label) - n + 1)):
            return True
    return False


@pytest.mark.parametrize(
    ("seed", "doc_type"), [(11, MRZType.TD3), (12, MRZType.TD1), (13, MRZType.TD2)]
)
def test_identity_page_yields_no_entity_that_is_a_label(seed: int, doc_type: MRZType) -> None:
    doc = random_document(random.Random(f"freetext:{seed}"), doc_type)
    image, _entry, _ = make_sample(doc, seed, None)
    bgr = _u8(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    record, page = record_from_pages("id.png", [PageImage(0, bgr, "png", 300.0)], 0.0)
    assert record.kind == "identity" and page is not None and record.fields
    labels = [e for e in record.entities if _label_like(e["text"])]
    assert not labels, record.entities
    # the printed names are fields, not entities
    names = {f.value for k, f in record.fields.items() if k in ("surname", "given_names", "name")}
    assert not [e for e in record.entities if e["text"].upper() in names], record.entities


@pytest.mark.parametrize(("seed", "lang"), [(21, "en"), (22, "id")])
def test_form_yields_no_entity_that_is_a_label_or_a_field(seed: int, lang: str) -> None:
    rendered = render_form(seed, lang)
    bgr = _u8(cv2.cvtColor(rendered.image, cv2.COLOR_RGB2BGR))
    record, page = record_from_pages("form.png", [PageImage(0, bgr, "png", 200.0)], 0.0)
    assert record.kind == "form" and page is not None and record.fields
    assert not [e for e in record.entities if _label_like(e["text"])], record.entities
    values = {f.value.casefold() for f in record.fields.values()}
    assert not [e for e in record.entities if e["text"].casefold() in values], record.entities


def _page(lines: list[str]) -> npt.NDArray[np.uint8]:
    pil = Image.new("RGB", (1900, 120 + 90 * len(lines)), (255, 255, 255))
    draw = ImageDraw.Draw(pil)
    for i, line in enumerate(lines):
        draw.text((80, 60 + 90 * i), line, font=font("sans", 36), fill=(0, 0, 0))
    return _u8(cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR))


def test_remarks_on_a_labelled_page_are_tagged_and_labels_are_not() -> None:
    image = _page(
        [
            "REPUBLIK INDONESIA",
            "Nama / Name",
            "SITI RAHAYU",
            "Jenis Kelamin / Sex",
            "Catatan: Saudara Rahmat Hidayat datang bersama petugas IOM dari Makassar.",
        ]
    )
    record, page = record_from_pages("remarks.png", [PageImage(0, image, "png", 300.0)], 0.0)
    assert page is not None and record.fields
    free = [page.lines[i].text for i in free_lines(page, record.fields)]
    assert len(free) == 1 and free[0].startswith("Catatan")
    texts = {e["text"] for e in record.entities}
    assert "Makassar" in texts and "IOM" in texts
    assert not [t for t in texts if _label_like(t) or "RAHAYU" in t or "REPUBLIK" in t]


def test_a_page_with_no_fields_is_free_text_throughout() -> None:
    image = _page(
        [
            "Kepada Yth. Kepala Rudenim Kupang",
            "Nama saya Ahmad Karimi, saya tinggal di Kupang sejak 2019.",
        ]
    )
    page = ocr_page(image)
    assert free_lines(page, {}) == list(range(len(page.lines)))


@pytest.mark.parametrize(
    ("text", "prose"),
    [
        ("The holder was registered by UNHCR in Jakarta on 3 May 2024.", True),
        ("Pengungsi tiba di Kupang bersama keluarganya.", True),
        ("REPUBLIK INDONESIA", False),
        ("FORMULIR PENDAFTARAN PENGUNGSI LUAR NEGERI", False),
        ("P<IDNLESTARI<<PUTRI<<<<<<<<<<<<<<<<<<<<<<<<<", False),
        ("Jenis Kelamin", False),
    ],
)
def test_prose_lines(text: str, prose: bool) -> None:
    assert is_prose(text) is prose


def _field(name: str, value: str) -> Field:
    return Field(name, value, value, 0.9, "viz", 0, (0.0, 0.0, 1.0, 1.0))


def test_entities_repeating_a_field_are_dropped() -> None:
    fields = {
        "surname": _field("surname", "HOSSAIN"),
        "given_names": _field("given_names", "MD RAHIM"),
        "phone": _field("phone", "0812-3456-7890"),
        "place_of_birth": _field("place_of_birth", "COX'S BAZAR"),
    }
    entities: list[Entity] = [
        {"start": 0, "end": 13, "label": "PERSON", "text": "Rahim Hossain"},
        {"start": 20, "end": 34, "label": "PHONE", "text": "0812-3456-7890"},
        {"start": 40, "end": 51, "label": "LOC", "text": "Cox's Bazar"},
        {"start": 60, "end": 71, "label": "PERSON", "text": "Nur Begum"},
        {"start": 80, "end": 87, "label": "LOC", "text": "Jakarta"},
    ]
    assert [e["text"] for e in drop_repeats(entities, fields)] == ["Nur Begum", "Jakarta"]
