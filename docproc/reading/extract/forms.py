"""Registration forms of any layout: the schema's labels found on the page, each value read
where the layout puts it (``keyvalue.read_pairs``), then normalised by its field's type
(``values.normalise_value``). Unknown labels are kept as raw pairs (``raw:<label>``); values read
with low confidence or that do not normalise go to review."""

from __future__ import annotations

import re

from docproc.config import get_settings
from docproc.reading.extract.fields import Field
from docproc.reading.extract.keyvalue import SEX_OPTIONS, read_pairs, ticked_option
from docproc.reading.extract.layout import spot_labels
from docproc.reading.extract.normalise import clean_text, split_place_date
from docproc.reading.extract.page import PageText, union
from docproc.reading.extract.schema import FormSchema, shipped_schema
from docproc.reading.extract.values import normalise_value
from docproc.reading.extract.viz import VIZ_LABELS

#: Values read with a lower mean word confidence than this go to review.
LOW_CONFIDENCE = 0.75
#: A page with at least this many form labels is treated as a form.
MIN_FORM_LABELS = 4
#: Prefix of the field name of a label the schema does not know.
RAW_PREFIX = "raw:"


def form_schema() -> FormSchema:
    """The shipped schema plus the installation's definitions (``DOCPROC_FORM_DEFINITIONS_DIR``);
    raises ``FormDefinitionInvalid`` when they do not load."""
    return shipped_schema(get_settings().form_definitions_dir)


#: Visual-zone labels no registration form prints: two of them make a page an identity document
#: (a passport page shows name, nationality, birth date ... too).
_IDENTITY_ONLY = {k: VIZ_LABELS[k] for k in ("issue_date", "expiry_date", "issuing_authority")}


def looks_like_form(page: PageText, schema: FormSchema | None = None) -> bool:
    """At least :data:`MIN_FORM_LABELS` form labels, and not the labels of an identity page."""
    table = (schema or form_schema()).label_table()
    if len({lab.key for lab in spot_labels(page, table)}) < MIN_FORM_LABELS:
        return False
    return len({lab.key for lab in spot_labels(page, _IDENTITY_ONLY)}) < 2


def _raw_key(label: str) -> str:
    slug = re.sub(r"\s+", " ", label).strip()
    return f"{RAW_PREFIX}{slug}"[:56]


def extract_form(
    page: PageText, schema: FormSchema | None = None
) -> tuple[dict[str, Field], list[str]]:
    """Fields of a registration form and the review reasons (``low_confidence:<field>``,
    ``unreadable_date:<field>``, ``unreadable_value:<field>``, ``unknown_label:<label>``)."""
    schema = schema or form_schema()
    pairs, raw = read_pairs(page, schema.label_table())
    fields: dict[str, Field] = {}
    for pair in pairs:
        spec = schema.fields[pair.key]
        text = clean_text(pair.text)
        box = union([w.box for w in pair.words])
        if spec.type == "place_date":
            place_key, date_key = spec.parts
            place, born = split_place_date(text)
            fields.setdefault(
                place_key, Field(place_key, place.upper(), text, pair.conf, "form", page.page, box)
            )
            fields.setdefault(
                date_key,
                Field(
                    date_key,
                    born.isoformat() if born else text,
                    text,
                    pair.conf if born else pair.conf * 0.5,
                    "form",
                    page.page,
                    box,
                    born is not None,
                    "" if born else "unreadable_date",
                ),
            )
            continue
        if spec.type == "sex":
            options, ticked = ticked_option(page, list(pair.rest or pair.words), SEX_OPTIONS)
            if options >= 2:  # boxes to tick: the ticked one, never a guess from the words
                fields[pair.key] = Field(
                    pair.key,
                    ticked or text,
                    text,
                    pair.conf if ticked else pair.conf * 0.5,
                    "form",
                    page.page,
                    box,
                    ticked is not None,
                    "ticked_box" if ticked else "no_box_ticked",
                )
                continue
        norm = normalise_value(spec.type, text)
        conf = pair.conf if norm.valid else pair.conf * 0.5
        fields[pair.key] = Field(
            pair.key, norm.value, text, conf, "form", page.page, box, norm.valid, norm.note
        )
        for key, value in norm.extra:
            if key not in fields:
                fields[key] = Field(key, value, text, pair.conf, "form", page.page, box)
    for rp in raw:
        key = _raw_key(rp.label)
        if key not in fields:
            fields[key] = Field(
                key,
                clean_text(rp.text),
                clean_text(rp.text),
                rp.conf,
                "form",
                page.page,
                union([w.box for w in rp.words]),
                True,
                "unknown_label",
            )
    return fields, _reasons(fields)


def _reasons(fields: dict[str, Field]) -> list[str]:
    reasons: list[str] = []
    for key, f in fields.items():
        if key.startswith(RAW_PREFIX):
            continue
        if not f.valid:
            kind = "unreadable_date" if f.note == "unreadable_date" else "unreadable_value"
            reasons.append(f"{kind}:{key}")
        elif f.confidence < LOW_CONFIDENCE:
            reasons.append(f"low_confidence:{key}")
    if any(k.startswith(RAW_PREFIX) for k in fields):
        reasons.append("unknown_labels")
    return reasons
