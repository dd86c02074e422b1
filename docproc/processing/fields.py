"""What the full extraction leaves for the pipeline to store, in plain types.

Pure conversions, no I/O: the extractor's fields and entities become extraction fields, the OCR'd
page becomes a JSON artefact (text and word boxes). Names of stored fields:

* MRZ fields keep their plain names (``surname``, ``document_number``, ...): people linking,
  review corrections and the export's first columns use them;
* visual-zone and form fields are prefixed with their source (``viz.surname``, ``form.phone``),
  so that an MRZ value and the printed value of the same field live side by side in one
  extraction version, and a reviewer sees both when they disagree;
* entities are ``entity.<LABEL>.<n>`` (source ``ner``), numbered per label in text order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from docproc.db.models import FieldSource
from docproc.db.repo import FieldValue
from docproc.reading.extract.fields import Field
from docproc.reading.extract.page import Box, PageText, union
from docproc.reading.nlp import Entity

__all__ = [
    "MAX_ENTITY_FIELDS",
    "MAX_SENTENCE",
    "entity_fields",
    "page_fields",
    "page_ocr_json",
    "stored_name",
]

#: Entities stored as fields per document, at most (a long letter can name hundreds).
MAX_ENTITY_FIELDS = 100
#: An entity's sentence is stored up to this many characters (the pages show it whole).
MAX_SENTENCE = 240

_SOURCES = {"viz": FieldSource.viz, "form": FieldSource.form, "mrz": FieldSource.mrz}


def stored_name(field_name: str, source: str) -> str:
    """The extraction-field name of an extractor field: ``<source>.<name>``."""
    return f"{source}.{field_name}"[:64]


def _xywh(box: Box) -> tuple[int, int, int, int] | None:
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return None
    return int(x0), int(y0), round(x1 - x0), round(y1 - y0)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def page_fields(fields: Mapping[str, Field]) -> tuple[FieldValue, ...]:
    """Visual-zone or form fields as extraction fields (value, confidence, source, page, box)."""
    return tuple(
        FieldValue(
            name=stored_name(name, f.source),
            value=f.value or None,
            confidence=_clamp(f.confidence),
            source=_SOURCES[f.source],
            page=f.page,
            box=_xywh(f.box),
        )
        for name, f in fields.items()
    )


def _word_spans(page: PageText) -> list[tuple[int, int, Box]]:
    """Character span of every word in ``page.text`` (lines joined by newlines, words by
    spaces, exactly as :attr:`PageText.text` builds it) with the word's page box."""
    spans: list[tuple[int, int, Box]] = []
    offset = 0
    for line in page.lines:
        for word in line.words:
            spans.append((offset, offset + len(word.text), word.box))
            offset += len(word.text) + 1  # the space, or the newline after the last word
    return spans


def entity_fields(entities: Iterable[Entity], page: PageText | None) -> tuple[FieldValue, ...]:
    """Entities as ``entity.<LABEL>.<n>`` fields (source ``ner``), boxed by the words they
    cover when the text came from ``page``; the tagger gives no confidence."""
    spans = _word_spans(page) if page is not None else []
    counts: dict[str, int] = {}
    out: list[FieldValue] = []
    for entity in entities:
        if len(out) >= MAX_ENTITY_FIELDS:
            break
        label = entity["label"]
        number = counts.get(label, 0)
        counts[label] = number + 1
        boxes = [b for s, e, b in spans if s < entity["end"] and e > entity["start"]]
        out.append(
            FieldValue(
                name=f"entity.{label}.{number}"[:64],
                value=entity["text"],
                confidence=None,
                source=FieldSource.ner,
                page=page.page if page is not None else None,
                box=_xywh(union(boxes)) if boxes else None,
                sentence=_shorten(entity.get("sentence")),
            )
        )
    return tuple(out)


def _shorten(sentence: str | None) -> str | None:
    """The sentence on one line, at most :data:`MAX_SENTENCE` characters (None if empty)."""
    if not sentence:
        return None
    text = " ".join(sentence.split())
    return text if len(text) <= MAX_SENTENCE else text[: MAX_SENTENCE - 1] + "…"


def page_ocr_json(page: PageText) -> dict[str, Any]:
    """The OCR of one page: its text and every word with confidence (0..1) and box
    ``[x0, y0, x1, y1]`` in the page's pixel coordinates."""
    return {
        "page": page.page,
        "language": page.language,
        "angle": round(page.angle, 2),
        "scale": round(page.scale, 3),
        "text": page.text,
        "words": [
            {"text": w.text, "conf": round(w.conf, 3), "box": [round(v, 1) for v in w.box]}
            for w in page.words
        ],
    }
