"""The documents a desk sees: lists (mine, today, by status, by batch, found by a search) in
pages, one document's facts beside its record, and who uploaded a file first.

Need-to-know as everywhere (:func:`docproc.casework.sites.site_filter`): a list holds only the
caller's sites' documents. Every list is an audited read (the count, the filters used and the
kinds of search term, never the terms); the document page's record is audited by
:func:`docproc.casework.review.document_record`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.casework.review import NotFound
from docproc.casework.search import SearchTerms, document_conditions
from docproc.casework.sites import site_filter
from docproc.db import repo
from docproc.db.crypto import blind_index
from docproc.db.models import Batch, Document, DocumentStatus, Event, Person

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "DocumentFilters",
    "DocumentPage",
    "DocumentRow",
    "Upload",
    "document_of",
    "document_row",
    "first_upload",
    "list_documents",
    "recent_batches",
]

#: A page of the documents list holds this many rows, and never more than the maximum.
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class DocumentRow:
    """One document as a list shows it: its state, where it came from, whose it is."""

    id: str
    status: str
    status_reason: str | None
    doc_type: str | None
    filename: str | None
    pages: int | None
    created_at: datetime
    uploaded_by: str | None
    batch_id: str | None
    batch_name: str | None
    person_id: str | None
    person_name: str | None

    @property
    def reasons(self) -> list[str]:
        return [r for r in (self.status_reason or "").split(",") if r]

    @property
    def finished(self) -> bool:
        return self.status in {s.value for s in _FINISHED}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "status_reason": self.status_reason,
            "doc_type": self.doc_type,
            "filename": self.filename,
            "pages": self.pages,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "uploaded_by": self.uploaded_by,
            "batch_id": self.batch_id,
            "person_id": self.person_id,
            "url": f"/api/v1/documents/{self.id}",
        }


_FINISHED = (DocumentStatus.done, DocumentStatus.needs_review, DocumentStatus.failed)


@dataclass(frozen=True)
class DocumentFilters:
    """Which documents to list; every filter given must hold."""

    mine: bool = False
    since: datetime | None = None  # "today": from the start of the day in the installation's zone
    status: DocumentStatus | None = None
    batch_id: uuid.UUID | None = None
    terms: SearchTerms = field(default_factory=SearchTerms)

    @property
    def used(self) -> list[str]:
        """The filters in use (for the audit: which, not their values)."""
        flags = (
            ("mine", self.mine),
            ("today", self.since is not None),
            ("status", self.status is not None),
            ("batch", self.batch_id is not None),
        )
        return [name for name, on in flags if on]


@dataclass(frozen=True)
class DocumentPage:
    rows: list[DocumentRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": [r.to_json() for r in self.rows],
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "pages": self.pages,
        }


def _row(document: Document, batch: Batch | None, person: Person | None) -> DocumentRow:
    name = f"{person.surname} {person.given_names}".strip() if person is not None else None
    return DocumentRow(
        id=str(document.id),
        status=document.status.value,
        status_reason=document.status_reason,
        doc_type=document.doc_type,
        filename=document.original_filename,
        pages=document.pages,
        created_at=document.created_at,
        uploaded_by=document.uploaded_by,
        batch_id=str(document.batch_id) if document.batch_id else None,
        batch_name=batch.name if batch is not None else None,
        person_id=str(document.person_id) if document.person_id else None,
        person_name=name or None,
    )


def list_documents(
    session: Session,
    actor: Principal,
    filters: DocumentFilters | None = None,
    *,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    audit: bool = True,
) -> DocumentPage:
    """Documents of ``actor``'s sites matching ``filters``, newest first, one page of them
    (``page_size`` is capped at :data:`MAX_PAGE_SIZE`). An audited read."""
    filters = filters or DocumentFilters()
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    conditions = document_conditions(filters.terms, blind_index(session))
    if filters.mine:
        conditions.append(Document.uploaded_by == actor.username)
    if filters.since is not None:
        conditions.append(Document.created_at >= filters.since)
    if filters.status is not None:
        conditions.append(Document.status == filters.status)
    if filters.batch_id is not None:
        conditions.append(Document.batch_id == filters.batch_id)
    scope = site_filter(actor, Document.site_id)
    if scope is not None:
        conditions.append(scope)
    total = session.scalar(select(func.count()).select_from(Document).where(*conditions)) or 0
    query = (
        select(Document, Batch, Person)
        .outerjoin(Batch, Batch.id == Document.batch_id)
        .outerjoin(Person, Person.id == Document.person_id)
        .where(*conditions)
        .order_by(Document.created_at.desc(), Document.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = [_row(d, b, p) for d, b, p in session.execute(query)]
    if audit:
        repo.record_event(
            session,
            entity_type="document",
            entity_id="list",
            kind="listed",
            actor=actor.username,
            detail={
                "via": actor.via,
                "count": len(rows),
                "filters": filters.used,
                "terms": filters.terms.kinds,
            },
        )
    return DocumentPage(rows, int(total), page, page_size)


#: The documents page offers at most this many batches to filter by (the newest).
MAX_BATCHES = 50


def recent_batches(session: Session, actor: Principal) -> list[tuple[str, str]]:
    """(id, name) of the newest batches that hold a document of ``actor``'s sites."""
    holding = select(Document.batch_id).where(Document.batch_id.is_not(None))
    scope = site_filter(actor, Document.site_id)
    if scope is not None:
        holding = holding.where(scope)
    batches = session.scalars(
        select(Batch)
        .where(Batch.id.in_(holding))
        .order_by(Batch.created_at.desc())
        .limit(MAX_BATCHES)
    )
    return [(str(batch.id), batch.name) for batch in batches]


def document_of(session: Session, document_id: uuid.UUID, actor: Principal) -> Document:
    """The document row, if it exists within ``actor``'s sites (else ``record_not_found``)."""
    document = session.get(Document, document_id)
    if document is None or not actor.sees_site(document.site_id):
        raise NotFound(f"no document {document_id}")
    return document


def document_row(session: Session, document_id: uuid.UUID, actor: Principal) -> DocumentRow:
    """One document's list row (no fields: not a read of its record), within need-to-know."""
    document = document_of(session, document_id, actor)
    batch = session.get(Batch, document.batch_id) if document.batch_id else None
    person = session.get(Person, document.person_id) if document.person_id else None
    return _row(document, batch, person)


@dataclass(frozen=True)
class Upload:
    """When a file was first uploaded, and by whom (a batch run names its creator)."""

    document_id: str
    at: datetime
    by: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.document_id,
            "uploaded_at": self.at.isoformat(timespec="seconds"),
            "uploaded_by": self.by,
            "url": f"/api/v1/documents/{self.document_id}",
            "page": f"/documents/{self.document_id}",
        }


def first_upload(session: Session, document: Document) -> Upload:
    """Who brought ``document`` in first: its uploader, else the actor of its ``created`` event
    (documents from before migration 0008, batch runs)."""
    by = document.uploaded_by
    if by is None:
        by = session.scalar(
            select(Event.actor)
            .where(
                Event.entity_type == "document",
                Event.entity_id == str(document.id),
                Event.kind == "created",
            )
            .order_by(Event.id)
            .limit(1)
        )
    return Upload(str(document.id), document.created_at, by)
