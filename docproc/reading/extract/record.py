"""``docproc extract``'s unit of work: one file -> one :class:`ExtractRecord`.

load pages -> read the MRZ (``docproc.reading.mrz.pages.read_pages``) -> OCR the page the MRZ is on,
turned upright by the MRZ's angle (else deskewed) -> visual-zone fields, or form fields when the
page is a registration form -> entities of the page text -> cross-checks -> record. Never raises for
a bad file: the error is in the record with its reason code.
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
from docproc.reading.extract.layout import spot_labels
from docproc.reading.extract.page import PageText, frame_from_mrz, ocr_page, text_is_vertical
from docproc.reading.extract.viz import VIZ_LABELS, extract_viz
from docproc.reading.intake import PageImage, load_path
from docproc.reading.mrz.model import MRZRead
from docproc.reading.mrz.pages import read_pages
from docproc.reading.nlp import Entity, tag

#: Fewer visual-zone fields than this after the first read triggers an enhanced second read.
MIN_VIZ_FIELDS = 6
#: A page without an MRZ on which this many distinct visual-zone labels read is upright.
UPRIGHT_LABELS = 4


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


def upright_page(page_image: PageImage, *, lang: str | None, forms: bool) -> PageText:
    """OCR of a page without an MRZ to turn it by: lines running up or down are turned a
    quarter either way, level ones read as they are and, when few labels (visual-zone, or
    form labels when ``forms``) read, upside down; the way up that reads more labels wins."""
    gray = page_image.image
    if gray.ndim == 3:
        gray = np.asarray(cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    turns = (90, 270) if text_is_vertical(gray) else (0, 180)
    best: tuple[int, PageText] | None = None
    for turn in turns:
        text = ocr_page(page_image.image, page=page_image.index, lang=lang, turn=turn)
        if forms and looks_like_form(text):
            return text
        found = len({lab.key for lab in spot_labels(text, VIZ_LABELS)})
        if best is None or found > best[0]:
            best = (found, text)
        if found >= UPRIGHT_LABELS:
            break
    assert best is not None
    return best[1]


def extract_pages(
    pages: list[PageImage],
    *,
    lang: str | None = None,
    today: date | None = None,
    kind: str = "auto",
) -> tuple[str, MRZRead | None, dict[str, Field], PageText | None, list[str]]:
    """Kind, MRZ, fields, the OCR'd page and review reasons of one document's pages.

    ``kind`` is ``auto`` (look for an MRZ first, then for a form), ``identity`` or ``form``
    (a registration form: no MRZ search, which saves its cost).
    """
    if not pages:
        return "unknown", None, {}, None, []
    if kind == "form":
        page = ocr_page(pages[0].image, page=pages[0].index, lang=lang)
        fields, form_reasons = extract_form(page)
        return "form", None, fields, page, form_reasons
    if kind == "auto" and may_be_form(pages[0]):
        # the cheap path first: a page full of form labels needs no MRZ search (seconds on A4)
        plain = ocr_page(pages[0].image, page=pages[0].index, lang=lang)
        if looks_like_form(plain):
            fields, form_reasons = extract_form(plain)
            return "form", None, fields, plain, form_reasons
    mrz, _ = read_pages(pages)
    if mrz is not None and kind == "auto" and implausible_mrz(mrz):
        # a form line or two read as an MRZ that passes no date check: a form is a form
        plain = upright_page(pages[0], lang=lang, forms=True)
        if looks_like_form(plain):
            fields, form_reasons = extract_form(plain)
            return "form", None, fields, plain, form_reasons
    page_image = pages[mrz.page] if mrz is not None and mrz.page < len(pages) else pages[0]
    frame = frame_from_mrz(mrz.quad, len(mrz.parsed.lines[0])) if mrz is not None else None
    if frame is not None:
        text = ocr_page(page_image.image, page=page_image.index, lang=lang, frame=frame)
    else:
        text = upright_page(page_image, lang=lang, forms=kind == "auto")
    reasons: list[str] = []
    if mrz is None and kind == "auto" and looks_like_form(text):
        fields, form_reasons = extract_form(text)
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


def record_from_pages(
    name: str,
    pages: list[PageImage],
    start: float,
    *,
    lang: str | None = None,
    today: date | None = None,
    kind: str = "auto",
) -> tuple[ExtractRecord, PageText | None]:
    """The record of already-decoded pages (``start``: ``time.perf_counter()`` when the file's
    work began) and the OCR'd page it was read from; raises what the stages raise."""
    found, mrz, fields, page, findings = extract_pages(pages, lang=lang, today=today, kind=kind)
    reasons, warnings = split_warnings(findings)
    text = page.text if page else ""
    tagged = tag(text)
    record = ExtractRecord(
        name,
        "ok",
        kind=found,
        mrz=mrz,
        fields=fields,
        entities=tagged["entities"],
        language=tagged["language"],
        text=text,
        review_reasons=tuple(reasons),
        warnings=tuple(warnings),
        pages=len(pages),
        seconds=time.perf_counter() - start,
    )
    return record, page


def extract_file(
    path: str | Path,
    settings: Settings | None = None,
    *,
    lang: str | None = None,
    today: date | None = None,
    kind: str = "auto",
) -> ExtractRecord:
    start = time.perf_counter()
    settings = settings or get_settings()
    try:
        pages = load_path(path, settings)
        record, _page = record_from_pages(
            str(path), pages, start, lang=lang, today=today, kind=kind
        )
    except Exception as exc:  # every failure becomes a record with a reason code
        return ExtractRecord(
            str(path), "error", error=as_docproc_error(exc), seconds=time.perf_counter() - start
        )
    return record
