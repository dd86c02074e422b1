"""Which text of a page the entity tagger reads, and which of its entities a record keeps.

The tagger is for free text: letters, case notes, remarks on a form, the sentences of a text
page. On an identity page or a registration form the labels ("Jenis Kelamin", "Issuing
authority") and the printed values (names, dates, places) are read by the field readers; run
over them, the tagger only adds noise (labels as PERSON, "MEI" as ORG) and repeats the fields.

* :func:`free_lines` keeps the lines of a page that read as prose: no label word, no word of a
  field's value, not an MRZ line, enough words and mostly not upper case (printed headings such
  as "REPUBLIK INDONESIA" or "FORMULIR PENDAFTARAN" are not prose). A page from which no field
  was read (a letter, a case note) is free text throughout, MRZ lines aside;
* :func:`page_entities` tags each block of consecutive free lines; offsets stay offsets into
  ``page.text``, so entity boxes still come from the words they cover;
* :func:`drop_repeats` removes entities that only repeat a structured field (the holder's name
  from the name fields, the phone number from the phone field ...).

Pure functions of the page and its fields; the tagger is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from docproc.reading.extract.fields import Field
from docproc.reading.extract.forms import form_schema
from docproc.reading.extract.layout import spot_labels
from docproc.reading.extract.page import Box, PageText
from docproc.reading.extract.viz import VIZ_LABELS
from docproc.reading.nlp import Entity, TagResult

#: A free line has at least this many words.
MIN_PROSE_WORDS = 4
#: ... and at most this share of its alphabetic words fully upper case.
MAX_UPPER_SHARE = 0.5
#: Form fields whose values are prose for the tagger (a remarks box): their labels do not make a
#: line a label line, and their values are read as free text.
PROSE_FIELDS = frozenset({"remarks"})
#: Fields whose words together make up the holder's name.
NAME_FIELDS = ("name", "surname", "given_names", "aliases")

_MRZ_LINE = re.compile(r"<{2,}|^[A-Z0-9<]{28,}$")
_WORD = re.compile(r"\w+", re.UNICODE)


def _centre_in(box: Box, boxes: Iterable[Box]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)


def is_prose(text: str) -> bool:
    """Enough words, mostly not upper case, not an MRZ line."""
    if _MRZ_LINE.search(text.replace(" ", "")):
        return False
    words = [w for w in _WORD.findall(text) if any(c.isalpha() for c in w)]
    if len(words) < MIN_PROSE_WORDS:
        return False
    upper = sum(1 for w in words if len(w) > 1 and w.isupper())
    return upper <= MAX_UPPER_SHARE * len(words)


def _structured_labels() -> dict[str, tuple[str, ...]]:
    """The form labels of every field but the prose ones."""
    table = form_schema().label_table()
    return {k: v for k, v in table.items() if k not in PROSE_FIELDS}


def free_lines(page: PageText, fields: Mapping[str, Field]) -> list[int]:
    """Indices of the page's lines that are free text (see the module docstring)."""
    if not fields:  # nothing structured was read: a letter, a case note, a text page
        return [i for i, line in enumerate(page.lines) if not _MRZ_LINE.search(line.text)]
    labelled = {
        id(w)
        for table in (VIZ_LABELS, _structured_labels())
        for label in spot_labels(page, table)
        for w in label.words
    }
    value_boxes = [
        f.box for key, f in fields.items() if f.page == page.page and key not in PROSE_FIELDS
    ]
    keep = []
    for i, line in enumerate(page.lines):
        if any(id(w) in labelled for w in line.words):
            continue
        if any(_centre_in(w.box, value_boxes) for w in line.words):
            continue
        if is_prose(line.text):
            keep.append(i)
    return keep


def _blocks(page: PageText, lines: list[int]) -> list[tuple[int, int]]:
    """Character spans in ``page.text`` of runs of consecutive free lines."""
    starts, offset = [], 0
    for line in page.lines:
        starts.append(offset)
        offset += len(line.text) + 1
    spans: list[tuple[int, int]] = []
    for i in lines:
        start, end = starts[i], starts[i] + len(page.lines[i].text)
        if spans and i - 1 in lines and spans[-1][1] + 1 == start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def page_entities(
    page: PageText,
    fields: Mapping[str, Field],
    tagger: Callable[[str], TagResult],
) -> list[Entity]:
    """Entities of the page's free text, offsets into ``page.text``, repeats of fields dropped."""
    text = page.text
    entities: list[Entity] = []
    for start, end in _blocks(page, free_lines(page, fields)):
        for ent in tagger(text[start:end])["entities"]:
            entities.append(
                {
                    "start": ent["start"] + start,
                    "end": ent["end"] + start,
                    "label": ent["label"],
                    "text": ent["text"],
                }
            )
    return drop_repeats(entities, fields)


def _tokens(text: str) -> frozenset[str]:
    return frozenset(t.casefold() for t in _WORD.findall(text))


def drop_repeats(entities: Iterable[Entity], fields: Mapping[str, Field]) -> list[Entity]:
    """``entities`` without those whose words all belong to one structured field's value (or,
    for a PERSON, to the holder's name fields together)."""
    # the normalised value only: a field's raw reading can run over more of its line
    values = [_tokens(f.value) for f in fields.values() if f.value]
    name = frozenset().union(*(_tokens(fields[k].value) for k in NAME_FIELDS if k in fields))
    kept: list[Entity] = []
    for ent in entities:
        words = _tokens(ent["text"])
        if not words:
            continue
        if any(words <= v for v in values) or (ent["label"] == "PERSON" and words <= name):
            continue
        kept.append(ent)
    return kept
