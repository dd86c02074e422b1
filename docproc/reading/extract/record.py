"""``docproc extract``'s unit of work: one file -> one :class:`ExtractRecord`.

load pages -> read the MRZ (``docproc.reading.mrz.pages.read_pages``) -> OCR the page the MRZ is on,
turned upright by the MRZ's angle (else deskewed) -> visual-zone fields, or form fields when the
page is a registration form -> entities of the page's free text (``freetext``) -> cross-checks ->
record. Never raises for a bad file: the error is in the record with its reason code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from docproc.config import Settings, get_settings
from docproc.errors import DocprocError, as_docproc_error
from docproc.reading.extract.crosscheck import crosscheck, reconcile_with_mrz, split_warnings
from docproc.reading.extract.fields import Field
from docproc.reading.extract.forms import extract_form, looks_like_form
from docproc.reading.extract.freetext import drop_repeats, page_entities
from docproc.reading.extract.layout import spot_labels
from docproc.reading.extract.page import PageText, frame_from_mrz, ocr_page, text_is_vertical
from docproc.reading.extract.schema import FormSchema
from docproc.reading.extract.viz import VIZ_LABELS, extract_viz
from docproc.reading.intake import PageImage, load_path
from docproc.reading.mrz.model import MRZRead
from docproc.reading.mrz.pages import read_pages
from docproc.reading.nlp import Entity, guess_language, sentence_at, tag

#: Fewer visual-zone fields than this after the first read triggers an enhanced second read.
MIN_VIZ_FIELDS = 6
#: A page without an MRZ on which this many distinct visual-zone labels read is upright.
UPRIGHT_LABELS = 4
#: A page with this many words (not a form, no MRZ) is free text: a letter, a statement.
MIN_TEXT_WORDS = 25


@dataclass(frozen=True)
class ExtractRecord:
    file: str
    status: str  # ok | error
    kind: str = ""  # identity | form | unknown
    mrz: MRZRead | None = None
    fields: dict[str, Field] = field(default_factory=dict)
    entities: list[Entity] = field(default_factory=list)
    language: str = ""
    text: str = ""
    review_reasons: tuple[str, ...] = ()
    #: Facts about the document (expired, minor, ...): routed by ``DOCPROC_REVIEW_WARNINGS``.
    warnings: tuple[str, ...] = ()
    error: DocprocError | None = None
    pages: int = 0
    seconds: float = 0.0
    page_kinds: tuple[str, ...] = ()  # per page: mrz | form | text | other

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons) or self.status != "ok"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "kind": self.kind,
            "error": self.error.to_dict() if self.error else None,
            "mrz": self.mrz.to_json() if self.mrz else None,
            "fields": {k: f.to_json() for k, f in self.fields.items()},
            "language": self.language,
            "entities": list(self.entities),
            "text": self.text,
            "review_reasons": list(self.review_reasons),
            "warnings": list(self.warnings),
            "needs_review": self.needs_review,
            "pages": self.pages,
            "page_kinds": list(self.page_kinds),
            "seconds": round(self.seconds, 3),
        }


def may_be_form(page_image: PageImage) -> bool:
    """A page shaped like a form: portrait (A4 is 1.41 high to 1 wide), its text level. Cards
    and passport pages are landscape, or portrait only when turned a quarter."""
    h, w = page_image.image.shape[:2]
    if h < 1.3 * w:
        return False
    gray = page_image.image
    if gray.ndim == 3:
        gray = np.asarray(cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    return not text_is_vertical(gray)


def implausible_mrz(mrz: MRZRead) -> bool:
    """An MRZ reading that is likelier other text: not valid, low confidence, and neither
    date a real date."""
    p = mrz.parsed
    return not p.valid and mrz.confidence < 0.5 and p.birth_date is None and p.expiry_date is None


def upright_page(
    page_image: PageImage, *, lang: str | None, forms: bool, schema: FormSchema | None = None
) -> PageText:
    """OCR of a page without an MRZ to turn it by: lines running up or down are turned a
    quarter either way, level ones read as they are and, when few labels (visual-zone, or
    form labels when ``forms``) read, upside down; the way up that reads more labels wins."""
    gray = page_image.image
    if gray.ndim == 3:
        gray = np.asarray(cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    turns = (90, 270) if text_is_vertical(gray) else (0, 180)
    best: tuple[int, PageText] | None = None
    for turn in turns:
        text = ocr_page(page_image.image, page=page_image.index, lang=lang, turn=turn, rules=forms)
        if forms and looks_like_form(text, schema):
            return text
        found = len({lab.key for lab in spot_labels(text, VIZ_LABELS)})
        if best is None or found > best[0]:
            best = (found, text)
        if found >= UPRIGHT_LABELS:
            break
    assert best is not None
    return best[1]


def _read_first(
    pages: list[PageImage],
    *,
    lang: str | None = None,
    today: date | None = None,
    kind: str = "auto",
    schema: FormSchema | None = None,
) -> tuple[str, MRZRead | None, dict[str, Field], PageText | None, list[str]]:
    """Kind, MRZ, fields, the OCR'd page and review reasons of the document's main page: the
    first form page, or the page the MRZ is on.

    ``kind`` is ``auto`` (look for an MRZ first, then for a form), ``identity`` or ``form``
    (a registration form: no MRZ search, which saves its cost).
    """
    if not pages:
        return "unknown", None, {}, None, []
    if kind == "form":
        page = ocr_page(pages[0].image, page=pages[0].index, lang=lang, rules=True)
        fields, form_reasons = extract_form(page, schema)
        return "form", None, fields, page, form_reasons
    if kind == "auto" and may_be_form(pages[0]):
        # the cheap path first: a page full of form labels needs no MRZ search (seconds on A4)
        plain = ocr_page(pages[0].image, page=pages[0].index, lang=lang, rules=True)
        if looks_like_form(plain, schema) and not has_mrz_text(plain):
            fields, form_reasons = extract_form(plain, schema)
            return "form", None, fields, plain, form_reasons
    mrz, _ = read_pages(pages)
    if mrz is not None and kind == "auto" and implausible_mrz(mrz):
        # a form line or two read as an MRZ that passes no date check: a form is a form
        plain = upright_page(pages[0], lang=lang, forms=True, schema=schema)
        if looks_like_form(plain, schema):
            fields, form_reasons = extract_form(plain, schema)
            return "form", None, fields, plain, form_reasons
    page_image = pages[mrz.page] if mrz is not None and mrz.page < len(pages) else pages[0]
    frame = frame_from_mrz(mrz.quad, len(mrz.parsed.lines[0])) if mrz is not None else None
    if frame is not None:
        text = ocr_page(page_image.image, page=page_image.index, lang=lang, frame=frame)
    else:
        text = upright_page(page_image, lang=lang, forms=kind == "auto", schema=schema)
    reasons: list[str] = []
    if mrz is None and kind == "auto" and looks_like_form(text, schema):
        fields, form_reasons = extract_form(text, schema)
        return "form", None, fields, text, form_reasons
    fields = extract_viz(text, mrz.parsed if mrz else None)
    if frame is not None and len(fields) < MIN_VIZ_FIELDS:
        # small, blurred labels: one more read at twice the resolution, sharpened
        second = ocr_page(
            page_image.image, page=page_image.index, lang=lang, frame=frame, enhance=True
        )
        more = extract_viz(second, mrz.parsed if mrz else None)
        if len(more) > len(fields):
            text, fields = second, more
    if mrz is not None:
        fields = reconcile_with_mrz(fields, mrz.parsed)
    viz = {k: f.value for k, f in fields.items() if f.valid}
    if mrz is not None:
        reasons += list(mrz.review_reasons)
    reasons += crosscheck(mrz.to_json() if mrz else None, viz, today)
    if mrz is None:
        reasons.append("no_mrz")
    return "identity", mrz, fields, text, list(dict.fromkeys(reasons))


def has_mrz_text(page: PageText) -> bool:
    """Tesseract read an MRZ line on the page (``P<IDN...<<``): a passport page among form
    labels (its visual zone has name, nationality, birth date ...) is not a form."""
    return any(w.text.count("<") >= 3 for w in page.words)


def page_kind(page: PageText, schema: FormSchema | None = None) -> str:
    """``form`` (form labels), ``mrz`` (an MRZ line was read), ``text`` (a letter: some lines
    of words) or ``other`` (photos, stamps, blank pages)."""
    if has_mrz_text(page):
        return "mrz"
    if looks_like_form(page, schema):
        return "form"
    words = [w for w in page.words if sum(ch.isalpha() for ch in w.text) >= 2 and w.conf > 0.5]
    return "text" if len(words) >= MIN_TEXT_WORDS else "other"


@dataclass(frozen=True)
class DocumentRead:
    """Every page of one document read with the reader its kind needs."""

    kind: str  # of the main page: identity | form | unknown
    mrz: MRZRead | None
    fields: dict[str, Field]
    page: PageText | None  # the main page's OCR
    reasons: list[str]
    page_kinds: tuple[str, ...]
    texts: tuple[PageText, ...] = ()  # OCR of the free-text pages


def _add_fields(fields: dict[str, Field], more: dict[str, Field]) -> None:
    """Fields of another page: a name already taken gets ``@<page number>`` (1-based)."""
    for name, f in more.items():
        fields[name if name not in fields else f"{name}@{f.page + 1}"] = f


def read_document(
    pages: list[PageImage],
    *,
    lang: str | None = None,
    today: date | None = None,
    kind: str = "auto",
    schema: FormSchema | None = None,
) -> DocumentRead:
    """The main page (:func:`_read_first`), then every other page classified (MRZ document
    page, form, free text, other) and read: form fields keep their page number; an MRZ on a
    later page is read when the main page had none. ``schema``: the form schema forms are
    read with (default: the shipped one and the installation's definitions; processing passes
    it with the label variants reviewers taught, :meth:`FormSchema.with_variants`)."""
    found, mrz, fields, page, reasons = _read_first(
        pages, lang=lang, today=today, kind=kind, schema=schema
    )
    main = page.page if page is not None else (mrz.page if mrz is not None else 0)
    kinds = {main: "mrz" if mrz is not None else ("form" if found == "form" else "other")}
    texts: list[PageText] = []
    for other in pages:
        if other.index == main:
            continue
        if kind != "auto":  # the caller said what the document is: its main page only
            kinds[other.index] = "other"
            continue
        text = upright_page(other, lang=lang, forms=True, schema=schema)
        what = page_kind(text, schema)
        if what == "form":
            more, more_reasons = extract_form(text, schema)
            _add_fields(fields, more)
            reasons += [f"{r}@{other.index + 1}" for r in more_reasons]
        elif mrz is None and what != "form":
            mrz_here, _ = read_pages([other])
            if mrz_here is not None and not implausible_mrz(mrz_here):
                mrz, what = mrz_here, "mrz"
                reasons += list(mrz_here.review_reasons)
        if what == "text":
            texts.append(text)
        kinds[other.index] = what
    page_kinds = tuple(kinds.get(p.index, "other") for p in pages)
    return DocumentRead(
        found, mrz, fields, page, list(dict.fromkeys(reasons)), page_kinds, tuple(texts)
    )


def extract_pages(
    pages: list[PageImage],
    *,
    lang: str | None = None,
    today: date | None = None,
    kind: str = "auto",
) -> tuple[str, MRZRead | None, dict[str, Field], PageText | None, list[str]]:
    """Kind, MRZ, fields, the main page's OCR and review reasons of every page of a document
    (:func:`read_document`).

    ``kind`` is ``auto`` (look for an MRZ first, then for a form), ``identity`` or ``form``
    (a registration form: no MRZ search, which saves its cost).
    """
    doc = read_document(pages, lang=lang, today=today, kind=kind)
    return doc.kind, doc.mrz, doc.fields, doc.page, doc.reasons


def record_from_pages(
    name: str,
    pages: list[PageImage],
    start: float,
    *,
    lang: str | None = None,
    today: date | None = None,
    kind: str = "auto",
    schema: FormSchema | None = None,
) -> tuple[ExtractRecord, PageText | None]:
    """The record of already-decoded pages (``start``: ``time.perf_counter()`` when the file's
    work began) and the OCR'd page it was read from; raises what the stages raise."""
    doc = read_document(pages, lang=lang, today=today, kind=kind, schema=schema)
    found, mrz, fields, page, findings = doc.kind, doc.mrz, doc.fields, doc.page, doc.reasons
    reasons, warnings = split_warnings(findings)
    # the main page's text, then every free-text page's (pages apart by a form feed)
    parts = ((page,) if page else ()) + doc.texts
    text = "\n\f\n".join(t.text for t in parts)
    # the tagger reads the main page's free lines only, never its labels and printed values;
    # a free-text page (a letter, a case note) is read whole
    entities = page_entities(page, fields, tag) if page is not None else []
    offset = len(page.text) + 3 if page is not None else 0
    for free in doc.texts:
        shifted: list[Entity] = [
            {**e, "start": e["start"] + offset, "end": e["end"] + offset}
            for e in tag(free.text)["entities"]
        ]
        entities += drop_repeats(shifted, fields)
        offset += len(free.text) + 3
    # each entity with the sentence it came from, for the reviewer
    entities = [{**e, "sentence": sentence_at(text, e["start"], e["end"])} for e in entities]
    record = ExtractRecord(
        name,
        "ok",
        kind=found,
        mrz=mrz,
        fields=fields,
        entities=entities,
        language=guess_language(text),
        text=text,
        review_reasons=tuple(reasons),
        warnings=tuple(warnings),
        pages=len(pages),
        seconds=time.perf_counter() - start,
        page_kinds=doc.page_kinds,
    )
    return record, page


def extract_file(
    path: str | Path,
    settings: Settings | None = None,
    *,
    lang: str | None = None,
    today: date | None = None,
    kind: str = "auto",
    schema: FormSchema | None = None,
) -> ExtractRecord:
    start = time.perf_counter()
    settings = settings or get_settings()
    try:
        pages = load_path(path, settings)
        record, _page = record_from_pages(
            str(path), pages, start, lang=lang, today=today, kind=kind, schema=schema
        )
    except Exception as exc:  # every failure becomes a record with a reason code
        return ExtractRecord(
            str(path), "error", error=as_docproc_error(exc), seconds=time.perf_counter() - start
        )
    return record
