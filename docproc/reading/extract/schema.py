"""The registration-form field schema and label lexicon: data, not code.

The shipped definition is ``docproc/reading/assets/forms/fields.json``: every field a desk meets,
its type (which normaliser reads its value) and its printed label variants per language. An
installation adds label variants (Arabic, Bengali, Chinese, its own office's wording) or whole
fields with ``*.json`` files of the same shape in ``DOCPROC_FORM_DEFINITIONS_DIR``; they are merged
in file-name order. Anything malformed is refused with :class:`FormDefinitionInvalid` naming the
file and the place, before a single form is read.

Reviewers teach the installation too: a label the lexicon did not know (kept as a raw pair) or
mapped to the wrong field is assigned to a field on the review page; the case database keeps it,
and processing hands those :data:`LabelVariants` to the reader with every form
(:meth:`FormSchema.with_variants`). The reader never opens the database itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from docproc.errors import FormDefinitionInvalid
from docproc.reading.extract.normalise import normalise_token

__all__ = [
    "FIELD_TYPES",
    "LEARNED",
    "FieldSpec",
    "FormSchema",
    "LabelVariants",
    "label_key",
    "load_schema",
    "shipped_schema",
]

#: (field key, label as printed) pairs reviewers taught the installation.
LabelVariants = tuple[tuple[str, str], ...]
#: The "language" learned label variants are filed under in :attr:`FieldSpec.labels`.
LEARNED = "learned"


def label_key(label: str) -> str:
    """A label's normalised tokens (``"Religion of Father :"`` -> ``"religion of father"``):
    two labels with the same key are one label to the reader."""
    tokens = (normalise_token(t) for t in re.split(r"[\s/:]+", label))
    return " ".join(t for t in tokens if t)


#: Where the shipped definition lives (inside the package).
SHIPPED = "docproc/reading/assets/forms/fields.json"

#: The value types a field may have, each with its normaliser in ``values.py``.
FIELD_TYPES: frozenset[str] = frozenset(
    {
        "date",
        "person_name",
        "place",
        "place_date",
        "country",
        "sex",
        "phone",
        "case_number",
        "document_number",
        "table",
        "text",
    }
)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    type: str
    labels: Mapping[str, tuple[str, ...]]  # language code -> label variants
    parts: tuple[str, ...] = ()  # place_date: the place field and the date field it fills

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for vs in self.labels.values() for v in vs))


@dataclass(frozen=True)
class FormSchema:
    fields: Mapping[str, FieldSpec]
    sources: tuple[str, ...]  # the files it was built from, in order

    def label_table(self) -> dict[str, tuple[str, ...]]:
        """field key -> every label variant, all languages (the shape ``spot_labels`` takes)."""
        return {k: f.variants for k, f in self.fields.items() if f.variants}

    def type_of(self, key: str) -> str:
        spec = self.fields.get(key)
        return spec.type if spec else "text"

    def with_variants(self, variants: Iterable[tuple[str, str]]) -> FormSchema:
        """This schema with the label variants reviewers taught (``(field, label)``, filed
        under :data:`LEARNED`). A learned label wins over the same label of another field (a
        correction of a mapping); a variant of a field the schema no longer has is skipped."""
        learned: dict[str, str] = {}  # label key -> field
        shown: dict[str, str] = {}
        for field_key, label in variants:
            key = label_key(label)
            if key and field_key in self.fields:
                learned[key] = field_key
                shown[key] = label
        if not learned:
            return self
        fields: dict[str, FieldSpec] = {}
        for key, spec in self.fields.items():
            labels = {
                lang: tuple(v for v in vs if learned.get(label_key(v), key) == key)
                for lang, vs in spec.labels.items()
            }
            mine = tuple(shown[k] for k, f in learned.items() if f == key)
            if mine:
                labels[LEARNED] = tuple(dict.fromkeys((*labels.get(LEARNED, ()), *mine)))
            fields[key] = FieldSpec(key, spec.type, labels, spec.parts)
        return FormSchema(fields, (*self.sources, "learned label variants"))


def _fail(source: str, where: str, what: str) -> FormDefinitionInvalid:
    return FormDefinitionInvalid(f"form definition {source}: {where}: {what}")


def _merge(fields: dict[str, FieldSpec], doc: Any, source: str) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("fields"), dict):
        raise _fail(source, "top level", 'expected an object with a "fields" object')
    for key, body in doc["fields"].items():
        where = f"fields.{key}"
        if not isinstance(key, str) or not key.replace("_", "").isalnum() or not key.islower():
            raise _fail(source, where, "a field key is lowercase letters, digits and _")
        if not isinstance(body, dict):
            raise _fail(source, where, "expected an object")
        unknown = set(body) - {"type", "labels", "parts"}
        if unknown:
            raise _fail(source, where, f"unknown entries {sorted(unknown)}")
        old = fields.get(key)
        ftype = body.get("type", old.type if old else None)
        if ftype is None:
            raise _fail(source, where, 'a new field needs a "type"')
        if ftype not in FIELD_TYPES:
            raise _fail(source, where, f"unknown type {ftype!r}; one of {sorted(FIELD_TYPES)}")
        labels_doc = body.get("labels", {})
        if not isinstance(labels_doc, dict):
            raise _fail(source, where, '"labels" maps a language code to a list of labels')
        labels: dict[str, tuple[str, ...]] = dict(old.labels) if old else {}
        for lang, variants in labels_doc.items():
            if (
                not isinstance(variants, list)
                or not all(isinstance(v, str) and v.strip() for v in variants)
                or not isinstance(lang, str)
                or not 2 <= len(lang) <= 8
            ):
                raise _fail(
                    source, f"{where}.labels.{lang}", "expected a list of non-empty label texts"
                )
            labels[lang] = tuple(dict.fromkeys((*labels.get(lang, ()), *variants)))
        parts_doc = body.get("parts", list(old.parts) if old else [])
        if ftype == "place_date" and (
            not isinstance(parts_doc, list)
            or len(parts_doc) != 2
            or not all(isinstance(p, str) for p in parts_doc)
        ):
            raise _fail(source, where, 'a place_date field needs "parts": [place, date]')
        fields[key] = FieldSpec(key, ftype, labels, tuple(parts_doc))


def load_schema(extra_dir: Path | None = None) -> FormSchema:
    """The shipped schema with every ``*.json`` in ``extra_dir`` merged on top (file-name
    order). Raises :class:`FormDefinitionInvalid` for a malformed file or a missing folder."""
    fields: dict[str, FieldSpec] = {}
    shipped = resources.files("docproc.reading.assets").joinpath("forms/fields.json")
    docs: list[tuple[str, str]] = [(SHIPPED, shipped.read_text(encoding="utf-8"))]
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise _fail(str(extra_dir), "folder", "DOCPROC_FORM_DEFINITIONS_DIR is not a folder")
        for path in sorted(extra_dir.glob("*.json")):
            try:
                docs.append((str(path), path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise _fail(str(path), "file", f"cannot be read ({exc})") from exc
    for source, text in docs:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(source, f"line {exc.lineno}", f"not JSON ({exc.msg})") from exc
        _merge(fields, doc, source)
    for spec in fields.values():
        for part in spec.parts:
            if part not in fields:
                raise _fail(docs[-1][0], f"fields.{spec.key}.parts", f"no field {part!r}")
    return FormSchema(fields, tuple(s for s, _ in docs))


@lru_cache(maxsize=8)
def _cached(extra_dir: Path | None) -> FormSchema:
    return load_schema(extra_dir)


def shipped_schema(extra_dir: Path | None = None) -> FormSchema:
    """:func:`load_schema`, loaded once per folder."""
    return _cached(extra_dir)
