"""Extraction results as stored fields: names by source, entity boxes from the words they cover,
reason codes kept whole."""

from __future__ import annotations

from docproc.db.models import FieldSource
from docproc.processing.fields import MAX_SENTENCE, entity_fields, page_fields, page_ocr_json
from docproc.processing.outcome import _join_reasons
from docproc.reading.extract.fields import Field
from docproc.reading.extract.page import OcrWord, PageText, TextLine
from docproc.reading.nlp import Entity


def _page() -> PageText:
    def word(text: str, x: float, y: float) -> OcrWord:
        box = (x, y, x + 10.0 * len(text), y + 20.0)
        return OcrWord(text, 0.9, box, box)

    first = TextLine((word("Nama", 0, 0), word("SITI", 60, 0), word("AMINAH", 110, 0)), 0)
    second = TextLine((word("Jakarta", 0, 40),), 1)
    words = first.words + second.words
    return PageText(
        page=2, words=words, lines=(first, second), angle=0.0, scale=1.0, language="ind"
    )


def test_entities_are_numbered_per_label_and_boxed_by_their_words() -> None:
    page = _page()
    assert page.text == "Nama SITI AMINAH\nJakarta"
    entities = [
        Entity(start=5, end=16, label="PERSON", text="SITI AMINAH"),
        Entity(start=17, end=24, label="LOC", text="Jakarta"),
        Entity(start=0, end=4, label="PERSON", text="Nama"),
    ]
    fields = entity_fields(entities, page)
    assert [f.name for f in fields] == ["entity.PERSON.0", "entity.LOC.0", "entity.PERSON.1"]
    assert all(f.source is FieldSource.ner and f.page == 2 for f in fields)
    assert fields[0].box == (60, 0, 110, 20)  # SITI .. AMINAH, as x, y, w, h
    assert fields[1].box == (0, 40, 70, 20)


def test_an_entity_keeps_its_sentence_on_one_line_and_shortened() -> None:
    long = "Budi Santoso " + "menjelaskan hal itu " * 20
    entities = [
        Entity(start=0, end=7, label="LOC", text="Jakarta", sentence="Jakarta,\n kemarin."),
        Entity(start=0, end=12, label="PERSON", text="Budi Santoso", sentence=long),
        Entity(start=0, end=4, label="PERSON", text="Siti"),
    ]
    fields = entity_fields(entities, None)
    assert fields[0].sentence == "Jakarta, kemarin."
    assert fields[1].sentence is not None and len(fields[1].sentence) == MAX_SENTENCE
    assert (
        fields[1].sentence.startswith("Budi Santoso menjelaskan") and fields[1].sentence[-1] == "…"
    )
    assert fields[2].sentence is None


def test_page_fields_are_prefixed_by_their_source_with_xywh_boxes() -> None:
    printed = Field("birth_date", "1990-01-02", "02 JAN 1990", 1.2, "viz", 0, (5, 6, 25, 16))
    phone = Field("phone", "0812", "0812", 0.5, "form", 1, (0, 0, 0, 0))
    stored = page_fields({"birth_date": printed, "phone": phone})
    assert [(f.name, f.source, f.confidence) for f in stored] == [
        ("viz.birth_date", FieldSource.viz, 1.0),
        ("form.phone", FieldSource.form, 0.5),
    ]
    assert stored[0].box == (5, 6, 20, 10) and stored[1].box is None


def test_page_ocr_json_keeps_every_word_with_its_box() -> None:
    body = page_ocr_json(_page())
    assert body["text"] == "Nama SITI AMINAH\nJakarta"
    assert body["words"][1] == {"text": "SITI", "conf": 0.9, "box": [60.0, 0.0, 100.0, 20.0]}


def test_reasons_are_kept_whole_and_deduplicated_within_the_column() -> None:
    reasons = [f"mrz_viz_mismatch:field_{i:02d}" for i in range(10)]  # 27 characters each
    joined = _join_reasons(reasons + reasons[:1], "mrz_review")
    assert joined.split(",") == reasons[:7] and len(joined) <= 200
    assert _join_reasons([], "mrz_review") == "mrz_review"
