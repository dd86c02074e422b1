"""Exports of the records of a batch or a case, as CSV or JSON (supervisors and admins).

One row per document, from its newest extraction version, so reviewer corrections win. For each
field: the value, its source (``mrz``/``viz``/``ner``/``reviewer``), the confidence, and whether
a reviewer confirmed it: a field a reviewer typed, or any field of a version a reviewer accepted
or saved (a review task closed ``accepted`` or ``fixed`` after that version was made).

An export is personal data leaving the system: each one is an event (who, what, how many rows).
CSV cells that a spreadsheet would run as a formula are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.casework.cases import get_case
from docproc.casework.review import NotFound
from docproc.db import repo
from docproc.db.models import (
    MRZ_FIELDS,
    CasePerson,
    Document,
    Extraction,
    FieldSource,
    ReviewState,
    ReviewTask,
    utcnow,
)

__all__ = [
    "EXPORT_FORMATS",
    "Export",
    "ExportRecord",
    "batch_export",
    "case_export",
    "safe_cell",
    "to_csv",
]

EXPORT_FORMATS = ("csv", "json")
_CONFIRMING = (ReviewState.accepted, ReviewState.fixed)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RECORD_COLUMNS = (
    "document_id",
    "person_id",
    "case_role",
    "batch_id",
    "status",
    "status_reason",
    "doc_type",
    "version",
    "reviewed_by",
)


def safe_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text (never runs it as a formula)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


@dataclass(frozen=True)
class ExportField:
    value: str | None
    source: str
    confidence: float | None
    reviewer_confirmed: bool


@dataclass(frozen=True)
class ExportRecord:
    document_id: str
    person_id: str | None
    case_role: str | None
    batch_id: str | None
    status: str
    status_reason: str | None
    doc_type: str | None
    version: int | None
    reviewed_by: str | None
    fields: dict[str, ExportField]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Export:
    scope: str  # "batch" or "case"
    scope_id: str
    label: str  # the batch name or the case reference
    exported_at: str
    exported_by: str
    records: tuple[ExportRecord, ...]

    @property
    def field_names(self) -> list[str]:
        """The MRZ fields in their order, then any other field found, sorted."""
        found = {name for record in self.records for name in record.fields}
        return [n for n in MRZ_FIELDS if n in found] + sorted(found - set(MRZ_FIELDS))

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "id": self.scope_id,
            "label": self.label,
            "exported_at": self.exported_at,
            "exported_by": self.exported_by,
            "records": [r.to_json() for r in self.records],
        }

    @property
    def filename(self) -> str:
        return f"docproc-{self.scope}-{self.scope_id}"


def to_csv(export: Export) -> str:
    """One row per document; per field four columns: value, source, confidence, confirmed."""
    names = export.field_names
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = list(RECORD_COLUMNS)
    for name in names:
        header += [name, f"{name}_source", f"{name}_confidence", f"{name}_confirmed"]
    writer.writerow(header)
    for record in export.records:
        meta = record.to_json()
        row = [safe_cell(meta[column]) for column in RECORD_COLUMNS]
        for name in names:
            f = record.fields.get(name)
            row += (
                [safe_cell(f.value), f.source, safe_cell(f.confidence), str(f.reviewer_confirmed)]
                if f
                else ["", "", "", ""]
            )
        writer.writerow(row)
    return buffer.getvalue()


def _confirming_review(
    session: Session, document: Document, extraction: Extraction | None
) -> ReviewTask | None:
    """The closed review task that confirmed ``extraction`` (made before it closed), if any."""
    task = session.scalars(
        select(ReviewTask).where(
            ReviewTask.document_id == document.id, ReviewTask.state.in_(_CONFIRMING)
        )
    ).one_or_none()
    if task is None or extraction is None or task.resolved_at is None:
        return None
    return task if extraction.created_at <= task.resolved_at else None


def _record(session: Session, document: Document, case_role: str | None) -> ExportRecord:
    extraction = repo.latest_extraction(session, document.id)
    task = _confirming_review(session, document, extraction)
    fields = {
        f.name: ExportField(
            value=f.value,
            source=f.source.value,
            confidence=f.confidence,
            reviewer_confirmed=task is not None or f.source is FieldSource.reviewer,
        )
        for f in (extraction.fields if extraction else ())
    }
    return ExportRecord(
        document_id=str(document.id),
        person_id=str(document.person_id) if document.person_id else None,
        case_role=case_role,
        batch_id=str(document.batch_id) if document.batch_id else None,
        status=document.status.value,
        status_reason=document.status_reason,
        doc_type=document.doc_type,
        version=extraction.version if extraction else None,
        reviewed_by=task.claimed_by if task else None,
        fields=fields,
    )


def _export(
    session: Session,
    scope: str,
    scope_id: uuid.UUID,
    label: str,
    rows: Iterable[tuple[Document, str | None]],
    actor: Principal,
    fmt: str,
) -> Export:
    records = tuple(_record(session, document, role) for document, role in rows)
    repo.record_event(
        session,
        entity_type=scope,
        entity_id=scope_id,
        kind="exported",
        actor=actor.username,
        # Which person records left the system (ids: references, not values), so an erasure
        # request can be told where copies went.
        detail={
            "via": actor.via,
            "format": fmt,
            "rows": len(records),
            "persons": sorted({r.person_id for r in records if r.person_id}),
            "documents": [r.document_id for r in records],
        },
    )
    return Export(
        scope=scope,
        scope_id=str(scope_id),
        label=label,
        exported_at=utcnow().isoformat(timespec="seconds"),
        exported_by=actor.username,
        records=records,
    )


def batch_export(session: Session, batch_id: uuid.UUID, actor: Principal, fmt: str) -> Export:
    """Every document of a batch, oldest first; an audited export."""
    batch = repo.get_batch(session, batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    documents: Sequence[Document] = session.scalars(
        select(Document).where(Document.batch_id == batch_id).order_by(Document.created_at)
    ).all()
    return _export(
        session, "batch", batch_id, batch.name, ((d, None) for d in documents), actor, fmt
    )


def case_export(session: Session, case_id: uuid.UUID, actor: Principal, fmt: str) -> Export:
    """Every document of every person of a case, with the person's role; an audited export."""
    case = get_case(session, case_id)
    rows = session.execute(
        select(Document, CasePerson.role)
        .join(CasePerson, CasePerson.person_id == Document.person_id)
        .where(CasePerson.case_id == case_id)
        .order_by(CasePerson.role, Document.person_id, Document.created_at)
    ).all()
    return _export(
        session,
        "case",
        case_id,
        case.reference,
        ((document, role.value) for document, role in rows),
        actor,
        fmt,
    )
