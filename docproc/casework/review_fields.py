"""The rows of a review task: per MRZ field, the value being confirmed and what each source read.

Pure functions over a record's fields (no database). A row holds the value a reviewer confirms
(the newest version: the MRZ reading or an earlier correction), then the MRZ's own reading, the
printed visual zone's (``viz.*``) and a registration form's (``form.*``), each with its
confidence, page and box, and whether it agrees with the value. Where a field has no box of its
own, :func:`mrz_segment` gives the part of the MRZ line it was read from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from docproc.db.models import MRZ_FIELDS
from docproc.reading.extract.crosscheck import name_matches
from docproc.reading.extract.normalise import clean_document_number, country_code

__all__ = [
    "SOURCES",
    "FieldRow",
    "Reading",
    "agrees",
    "entity_fields",
    "field_rows",
    "mrz_segment",
    "other_fields",
    "raw_pairs",
    "takeable",
]

Box = tuple[int, int, int, int]
#: The sources a row compares, in the order the page shows them.
SOURCES = ("mrz", "viz", "form")
#: Printed and form fields that stand for an MRZ field under another name.
_ALIASES = {"document_number": ("travel_document_number",)}
_COUNTRIES = frozenset({"nationality", "issuing_country"})
_NAMES = frozenset({"surname", "given_names"})
_RAW = "form.raw:"

#: Where each MRZ field sits, per document type: field -> (line, first column, end column).
_TD3 = {
    "document_code": (0, 0, 2),
    "issuing_country": (0, 2, 5),
    "surname": (0, 5, 44),
    "given_names": (0, 5, 44),
    "document_number": (1, 0, 9),
    "nationality": (1, 10, 13),
    "birth_date": (1, 13, 19),
    "sex": (1, 20, 21),
    "expiry_date": (1, 21, 27),
    "optional_data": (1, 28, 42),
}
_LAYOUTS: dict[str, tuple[int, int, dict[str, tuple[int, int, int]]]] = {
    "TD3": (2, 44, _TD3),
    "MRVA": (2, 44, {**_TD3, "optional_data": (1, 28, 44)}),
    "TD2": (
        2,
        36,
        {**_TD3, "surname": (0, 5, 36), "given_names": (0, 5, 36), "optional_data": (1, 28, 35)},
    ),
    "MRVB": (
        2,
        36,
        {**_TD3, "surname": (0, 5, 36), "given_names": (0, 5, 36), "optional_data": (1, 28, 36)},
    ),
    "TD1": (
        3,
        30,
        {
            "document_code": (0, 0, 2),
            "issuing_country": (0, 2, 5),
            "document_number": (0, 5, 14),
            "optional_data": (0, 15, 30),
            "birth_date": (1, 0, 6),
            "sex": (1, 7, 8),
            "expiry_date": (1, 8, 14),
            "nationality": (1, 15, 18),
            "optional_data_2": (1, 18, 29),
            "surname": (2, 0, 30),
            "given_names": (2, 0, 30),
        },
    ),
}


class StoredField(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def value(self) -> str | None: ...

    @property
    def confidence(self) -> float | None: ...

    @property
    def source(self) -> str: ...

    @property
    def page(self) -> int | None: ...

    @property
    def box(self) -> Box | None: ...


@dataclass(frozen=True)
class Reading:
    """What one source read for a field."""

    source: str  # mrz | viz | form
    name: str  # the stored field's name (surname, viz.surname, form.travel_document_number)
    value: str | None
    confidence: float | None
    page: int | None
    box: Box | None
    agrees: bool
    take: str | None  # the value as the field is written (a printed country name as its code)


@dataclass(frozen=True)
class FieldRow:
    """One MRZ field on the review task."""

    name: str
    value: str | None
    source: str | None  # where the value comes from: mrz, reviewer, ...
    confidence: float | None
    page: int | None
    box: Box | None
    readings: tuple[Reading, ...] = field(default=())

    @property
    def mismatch(self) -> bool:
        return any(not r.agrees for r in self.readings)

    def reading(self, source: str) -> Reading | None:
        return next((r for r in self.readings if r.source == source), None)

    @property
    def proposal(self) -> Reading | None:
        """The reading one key takes into the field: the first that disagrees (for an empty
        field, the first with a value)."""
        found = next((r for r in self.readings if not r.agrees and r.take), None)
        if found is None and not self.value:
            found = next((r for r in self.readings if r.take), None)
        return found


def takeable(name: str, value: str | None) -> str | None:
    """A source's value as the MRZ field is written (upper case; a country name as its code;
    a document number without spaces), or None when it cannot be."""
    if not value or not value.strip():
        return None
    text = value.strip().upper()
    if name in _COUNTRIES:
        return country_code(text) or (text if re.fullmatch(r"[A-Z]{3}", text) else None)
    if name == "document_number":
        return clean_document_number(text) or None
    if name == "sex":
        return {"MALE": "M", "FEMALE": "F", "L": "M", "P": "F"}.get(text, text[:1])
    return re.sub(r"\s+", " ", text)


def agrees(name: str, value: str | None, other: str | None) -> bool:
    """Whether ``other`` (a source's reading) says the same as ``value`` (empty: not compared)."""
    if not value or not other:
        return True
    if name in _NAMES:
        return name_matches(value, other) or name_matches(other.upper(), value)
    if name in _COUNTRIES:
        return (takeable(name, other) or other.upper()) == value.strip("<").upper()
    if name == "document_number":
        return clean_document_number(value) == clean_document_number(other)
    return (takeable(name, other) or "") == value.strip().upper()


def _of(by_name: Mapping[str, StoredField], names: Iterable[str]) -> StoredField | None:
    return next((by_name[n] for n in names if n in by_name and by_name[n].value), None)


def _reading(name: str, source: str, found: StoredField, value: str | None) -> Reading:
    return Reading(
        source,
        found.name,
        found.value,
        found.confidence,
        found.page,
        found.box,
        agrees(name, value, found.value),
        takeable(name, found.value),
    )


def field_rows(current: Sequence[StoredField], original: Sequence[StoredField]) -> list[FieldRow]:
    """One row per MRZ field: ``current`` is the newest version's fields, ``original`` the
    newest machine reading's (before any correction), where the MRZ's own reading is."""
    now = {f.name: f for f in current}
    machine = {f.name: f for f in original}
    rows: list[FieldRow] = []
    for name in MRZ_FIELDS:
        value_field = now.get(name)
        value = value_field.value if value_field else None
        readings: list[Reading] = []
        mrz = machine.get(name)
        if mrz is not None and mrz.source == "mrz" and mrz.value:
            readings.append(_reading(name, "mrz", mrz, value))
        for source in ("viz", "form"):
            names = [f"{source}.{n}" for n in (name, *_ALIASES.get(name, ()))]
            found = _of(now, names)
            if found is not None:
                readings.append(_reading(name, source, found, value))
        rows.append(
            FieldRow(
                name=name,
                value=value,
                source=value_field.source if value_field and value else None,
                confidence=value_field.confidence if value_field and value else None,
                page=value_field.page if value_field else None,
                box=value_field.box if value_field else None,
                readings=tuple(readings),
            )
        )
    return rows


def other_fields(current: Sequence[StoredField], rows: Sequence[FieldRow]) -> list[StoredField]:
    """Printed and form fields no MRZ row shows (place of birth, phone, ...), in stored order."""
    shown = {r.name for row in rows for r in row.readings}
    return [
        f
        for f in current
        if f.name not in MRZ_FIELDS
        and f.name not in shown
        and not f.name.startswith(("entity.", _RAW))
        and f.value
    ]


def entity_fields(current: Sequence[StoredField]) -> list[StoredField]:
    """Names and places the tagger found in the text (``entity.*``)."""
    return [f for f in current if f.name.startswith("entity.") and f.value]


def raw_pairs(current: Sequence[StoredField]) -> list[tuple[str, StoredField]]:
    """A form's label-value pairs under labels the lexicon does not know: (label, field)."""
    return [(f.name[len(_RAW) :], f) for f in current if f.name.startswith(_RAW)]


def _upright(quad: Sequence[tuple[float, float]]) -> bool:
    """Whether the MRZ's quad reads left to right, top to bottom (corners TL, TR, BR, BL)."""
    if len(quad) != 4:
        return False
    (x0, y0), (x1, y1), _, (_x3, y3) = quad
    return x1 - x0 > abs(y1 - y0) * 3 and y3 > y0


def mrz_segment(doc_type: str | None, quad: Sequence[tuple[float, float]], name: str) -> Box | None:
    """The part of the MRZ a field was read from ([x, y, width, height] in page pixels), from
    the zone's quad and the document type's layout; None when the layout or an upright quad is
    unknown (then the whole zone is outlined)."""
    layout = _LAYOUTS.get((doc_type or "").upper())
    if layout is None or not _upright(quad) or name not in layout[2]:
        return None
    lines, width, places = layout
    line, start, end = places[name]
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    left, top = min(xs), min(ys)
    zone_width, line_height = max(xs) - left, (max(ys) - top) / lines
    x0 = left + zone_width * start / width
    x1 = left + zone_width * end / width
    y0 = top + line_height * line
    return int(x0), int(y0), max(1, round(x1 - x0)), max(1, round(line_height))
