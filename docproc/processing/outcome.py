"""Reading one file's bytes into a :class:`ReadOutcome`: what the case database will record.

* :func:`read_outcome` reads one file as ``DOCPROC_EXTRACT`` says: ``full`` runs the extraction
  (MRZ, visual-zone or form fields, cross-checks, entities; :func:`summarise_extraction`), ``mrz``
  only reads the MRZ (:func:`summarise`). Both give a :class:`ReadOutcome`, a plain, picklable
  record (the unit of work a batch worker process hands back to its orchestrator).

Nothing here touches the store or the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from docproc.config import Settings, get_settings
from docproc.db.models import MRZ_FIELDS, DocumentStatus, FieldSource
from docproc.db.repo import FieldValue
from docproc.errors import DocprocError, as_docproc_error
from docproc.reading.document import ReadResult, ReadStatus, read_bytes

if TYPE_CHECKING:  # the extraction imports spaCy: loaded when a full extraction runs
    from docproc.reading.extract.page import PageText
    from docproc.reading.extract.record import ExtractRecord
    from docproc.reading.extract.schema import LabelVariants
    from docproc.reading.intake import PageImage
    from docproc.reading.mrz.model import MRZRead

log = logging.getLogger(__name__)


_REASON_LENGTH = 200  # documents.status_reason and review_tasks.reasons are VARCHAR(200)


@dataclass(frozen=True)
class ReadOutcome:
    """What reading one file produced, in plain types (safe to pickle between processes)."""

    status: DocumentStatus
    reason: str | None
    retryable: bool = False
    doc_type: str | None = None
    pages: int = 0
    fields: tuple[FieldValue, ...] = ()
    mrz_json: dict[str, Any] | None = None
    seconds: float = 0.0
    engine: str = ""
    #: Further derived artefacts as (name under the document's derived prefix, JSON body).
    artefacts: tuple[tuple[str, dict[str, Any]], ...] = ()
    kind: str = ""  # of the full extraction: identity | form | unknown ("" for MRZ only)
    #: Facts about the document (``expired``, ``minor``, ...), apart from the review reasons;
    #: also in the stored ``mrz.json`` (``document_warnings``) and ``extract.json``.
    warnings: tuple[str, ...] = ()
    #: The holder's photo on the data page (``{"page", "box", "confidence"}``), also in the stored
    #: ``mrz.json`` and ``extract.json`` as ``portrait``; None when no face was found.
    portrait: dict[str, Any] | None = None
    #: Derived images as (name under the document's derived prefix, JPEG bytes): the portrait.
    images: tuple[tuple[str, bytes], ...] = ()

    @classmethod
    def failure(cls, error: DocprocError, seconds: float = 0.0) -> ReadOutcome:
        return cls(DocumentStatus.failed, error.reason, retryable=error.retryable, seconds=seconds)


# ------------------------------------------------------------------------------------- stages


def _bounding_box(quad: Any) -> tuple[int, int, int, int] | None:
    try:
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
    except (TypeError, ValueError, IndexError):
        return None
    if not xs:
        return None
    x, y = int(min(xs)), int(min(ys))
    return x, y, int(max(xs)) - x, int(max(ys)) - y


def _clamp(value: float | None) -> float | None:
    return None if value is None else min(1.0, max(0.0, float(value)))


def _join_reasons(reasons: tuple[str, ...] | list[str], default: str) -> str:
    """Reason codes joined by commas; whole codes only, as many as fit the column."""
    kept: list[str] = []
    length = -1
    for reason in dict.fromkeys(r for r in reasons if r):
        if length + 1 + len(reason) > _REASON_LENGTH:
            break
        kept.append(reason)
        length += 1 + len(reason)
    return ",".join(kept) or default[:_REASON_LENGTH]


def _mrz_fields(mrz: MRZRead) -> tuple[FieldValue, ...]:
    """One extraction field per MRZ field: source ``mrz``, the box of the MRZ on its page."""
    data = mrz.to_json()
    box = _bounding_box(mrz.quad)
    return tuple(
        FieldValue(
            name=name,
            value=None if data.get(name) in (None, "") else str(data[name]),
            confidence=_clamp(mrz.field_confidence.get(name, mrz.confidence)),
            source=FieldSource.mrz,
            page=mrz.page,  # 0-based, as in MRZRead and PageImage
            box=box,
        )
        for name in MRZ_FIELDS
    )


def routed_warnings(settings: Settings | None = None) -> frozenset[str]:
    """The warning kinds that also send a record to review (``DOCPROC_REVIEW_WARNINGS``)."""
    value = (settings or get_settings()).review_warnings
    return frozenset(w.strip() for w in value.split(",") if w.strip())


def _routed(warnings: tuple[str, ...] | list[str], routed: frozenset[str]) -> list[str]:
    from docproc.reading.extract.crosscheck import warning_kind

    return [w for w in warnings if warning_kind(w) in routed]


def _mrz_warnings(mrz: MRZRead, today: date | None = None) -> tuple[str, ...]:
    """Document warnings the MRZ alone shows (its dates: expired, minor)."""
    from docproc.reading.extract.crosscheck import crosscheck, split_warnings

    return tuple(split_warnings(crosscheck(mrz.to_json(), {}, today))[1])


def summarise(
    result: ReadResult, routed: frozenset[str] | None = None, today: date | None = None
) -> ReadOutcome:
    """Route a read result: ``done``, ``needs_review`` (with reasons) or ``failed``. Document
    warnings (as of ``today``, the day of registration) ride along; only those of a kind in
    ``routed`` (default ``DOCPROC_REVIEW_WARNINGS``) send it to review."""
    routed = routed_warnings() if routed is None else routed
    if result.status is ReadStatus.error:
        error = result.error or DocprocError("reading failed without an error")
        return ReadOutcome.failure(error, result.seconds)
    if result.status is ReadStatus.no_mrz or result.mrz is None:
        return ReadOutcome(
            DocumentStatus.needs_review, "no_mrz", pages=result.pages, seconds=result.seconds
        )
    mrz = result.mrz
    warnings = _mrz_warnings(mrz, today)
    reasons = [*mrz.review_reasons, *_routed(warnings, routed)]
    if reasons:
        status = DocumentStatus.needs_review
        reason: str | None = _join_reasons(reasons, "mrz_review")
    else:
        status, reason = DocumentStatus.done, None
    return ReadOutcome(
        status,
        reason,
        doc_type=mrz.parsed.type.value,
        pages=result.pages,
        fields=_mrz_fields(mrz),
        mrz_json={**mrz.to_json(), "document_warnings": list(warnings)},
        seconds=result.seconds,
        engine=mrz.engine,
        warnings=warnings,
    )


def summarise_extraction(
    record: ExtractRecord, page: PageText | None, routed: frozenset[str] | None = None
) -> ReadOutcome:
    """Route a full extraction: its MRZ, page and entity fields, its review reasons (the MRZ's
    own and the cross-checks'), the document warnings of a kind in ``routed`` (default
    ``DOCPROC_REVIEW_WARNINGS``), and the record and page OCR as artefacts."""
    from docproc.processing.fields import entity_fields, page_fields, page_ocr_json

    routed = routed_warnings() if routed is None else routed
    if record.status != "ok":
        error = record.error or DocprocError("extraction failed without an error")
        return ReadOutcome.failure(error, record.seconds)
    mrz = record.mrz
    fields = (
        (_mrz_fields(mrz) if mrz is not None else ())
        + page_fields(record.fields)
        + entity_fields(record.entities, page)
    )
    reasons = [*record.review_reasons, *_routed(record.warnings, routed)]
    if reasons or (mrz is not None and mrz.needs_review):
        status = DocumentStatus.needs_review
        reason: str | None = _join_reasons(reasons, "mrz_review")
    else:
        status, reason = DocumentStatus.done, None
    artefacts: list[tuple[str, dict[str, Any]]] = [("extract.json", record.to_json())]
    if page is not None:
        artefacts.append((f"page-{page.page}.ocr.json", page_ocr_json(page)))
    return ReadOutcome(
        status,
        reason,
        doc_type=mrz.parsed.type.value if mrz is not None else None,
        pages=record.pages,
        fields=fields,
        mrz_json=(
            {**mrz.to_json(), "document_warnings": list(record.warnings)}
            if mrz is not None
            else None
        ),
        seconds=record.seconds,
        engine=mrz.engine if mrz is not None else "",
        artefacts=tuple(artefacts),
        kind=record.kind,
        warnings=record.warnings,
    )


def with_portrait(outcome: ReadOutcome, pages: Iterable[PageImage]) -> ReadOutcome:
    """``outcome`` with the holder's portrait found on the page that holds the MRZ (the first
    page when there is none) of an identity document: its box in ``portrait`` and in the JSON
    artefacts, its crop as the derived image ``portrait.jpg``. A failure to find it never fails
    the document (logged; no portrait)."""
    if outcome.status is DocumentStatus.failed or outcome.kind not in ("", "identity"):
        return outcome
    if outcome.mrz_json is None and outcome.kind != "identity":
        return outcome  # MRZ only and no MRZ: nothing says this is an identity document
    from docproc.reading.portrait import find_portrait, portrait_jpeg

    want = int((outcome.mrz_json or {}).get("page") or 0)
    try:
        page = next((p for p in pages if p.index == want), None)
        found = find_portrait(page.image, page.index) if page is not None else None
        if page is None or found is None:
            return outcome
        crop = portrait_jpeg(page.image, found)
    except Exception:  # the portrait is a convenience: never a reason to fail a document
        log.exception("portrait detection failed")
        return outcome
    box = found.to_json()
    artefacts = tuple(
        (name, {**body, "portrait": box} if name == "extract.json" else body)
        for name, body in outcome.artefacts
    )
    mrz_json = {**outcome.mrz_json, "portrait": box} if outcome.mrz_json is not None else None
    return replace(
        outcome,
        portrait=box,
        images=(*outcome.images, ("portrait.jpg", crop)),
        artefacts=artefacts,
        mrz_json=mrz_json,
    )


def extract_bytes(
    data: bytes, name: str, settings: Settings, label_variants: LabelVariants = ()
) -> ReadOutcome:
    """The full extraction of one file's bytes: intake -> ``extract_pages`` (which reads the
    MRZ once, on the decoded pages) -> entities of the OCR'd page text -> :class:`ReadOutcome`.
    Forms are read with the installation's schema and ``label_variants`` (the labels reviewers
    taught, loaded from the case database by the caller)."""
    from docproc.reading.extract.record import record_from_pages
    from docproc.reading.extract.schema import shipped_schema
    from docproc.reading.intake import load_pages

    start = time.perf_counter()
    try:
        schema = shipped_schema(settings.form_definitions_dir).with_variants(label_variants)
        pages = load_pages(data, filename=name, settings=settings)
        record, page = record_from_pages(
            name, pages, start, lang=settings.ocr_languages, schema=schema
        )
    except Exception as exc:  # every failure becomes an outcome with a reason code
        return ReadOutcome.failure(as_docproc_error(exc), time.perf_counter() - start)
    return with_portrait(summarise_extraction(record, page, routed_warnings(settings)), pages)


def read_outcome(
    data: bytes,
    name: str,
    settings: Settings | None = None,
    label_variants: LabelVariants = (),
) -> ReadOutcome:
    """Read one file's bytes into a :class:`ReadOutcome` (never raises for a bad file).

    ``settings.extract`` chooses the full extraction (default) or the MRZ only;
    ``label_variants`` are the form labels reviewers taught the installation.
    """
    settings = settings or get_settings()
    try:
        if settings.extract == "mrz":
            outcome = summarise(read_bytes(data, name, settings), routed_warnings(settings))
            if outcome.mrz_json is None:
                return outcome
            from docproc.reading.intake import iter_pages

            return with_portrait(outcome, iter_pages(data, filename=name, settings=settings))
        return extract_bytes(data, name, settings, label_variants)
    except Exception as exc:  # a bug in a stage must not stop a batch; the task's soft time
        # limit (Celery's SoftTimeLimitExceeded) becomes a transient ``time_limit``
        return ReadOutcome.failure(as_docproc_error(exc))
