"""Documents, their readings (extractions and fields), batches and the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docproc.db.models.base import Base, BigIntId, _enum, utcnow
from docproc.db.sealed import SealedText

if TYPE_CHECKING:
    from docproc.db.models.people import Person


class DocumentStatus(StrEnum):
    """Where a document is in the pipeline; see ``docs/storage-and-database.md``."""

    queued = "queued"
    processing = "processing"
    done = "done"
    needs_review = "needs_review"
    failed = "failed"


class FieldSource(StrEnum):
    """Which reader produced a field value."""

    mrz = "mrz"
    viz = "viz"
    form = "form"
    ner = "ner"
    reviewer = "reviewer"


#: Statuses after which a document is not processed again unless someone asks for it.
TERMINAL_STATUSES = frozenset(
    {DocumentStatus.done, DocumentStatus.needs_review, DocumentStatus.failed}
)

#: MRZ fields stored as extraction fields, in this order.
MRZ_FIELDS = (
    "document_code",
    "issuing_country",
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "birth_date",
    "sex",
    "expiry_date",
    "optional_data",
    "optional_data_2",
)


class Batch(Base):
    """One run over a source (a folder, an S3 prefix, an upload session)."""

    __tablename__ = "batches"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(1024))
    # Files found in the source when the batch started; the per-status counts are computed.
    total: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    documents: Mapped[list[Document]] = relationship(back_populates="batch")


class Document(Base):
    """One uploaded file (an original in object storage) and where it is in the pipeline."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("pages IS NULL OR pages >= 0", name="pages_non_negative"),
        Index("ix_documents_status_claimed_at", "status", "claimed_at"),
        Index("ix_documents_number_country", "number_index", "issuing_country"),
        Index("ix_documents_uploaded_by", "uploaded_by", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source_key: Mapped[str] = mapped_column(String(1024))
    # The uploader's file name (it may be a person's name): sealed when encryption is on.
    original_filename: Mapped[str | None] = mapped_column(SealedText("documents.original_filename"))
    media_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    doc_type: Mapped[str | None] = mapped_column(String(8))  # TD1, TD2, TD3, MRVA, MRVB
    pages: Mapped[int | None]
    status: Mapped[DocumentStatus] = mapped_column(
        _enum(DocumentStatus, "document_status"), default=DocumentStatus.queued
    )
    # Comma-separated reason codes. SQLite keeps the declared 64 (it does not enforce lengths;
    # migration 0004 widens PostgreSQL only, rather than rebuilding a referenced table).
    status_reason: Mapped[str | None] = mapped_column(
        String(200).with_variant(String(64), "sqlite")
    )
    batch_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("batches.id", ondelete="SET NULL"), index=True
    )
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("persons.id", ondelete="SET NULL"), index=True
    )
    # The document's identity (from its extraction, set when it is linked to a person): the key
    # of the exact person match. Personal data, like the extraction it comes from: sealed when
    # encryption is configured, found by its blind index ``number_index`` (docproc/db/sealed.py).
    document_number: Mapped[str | None] = mapped_column(SealedText("documents.document_number"))
    number_index: Mapped[str | None] = mapped_column(String(64))
    issuing_country: Mapped[str | None] = mapped_column(String(3))
    attempts: Mapped[int] = mapped_column(default=0)
    # The desk or office that created it (docproc/db/models/sites.py); no foreign key.
    site_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # The user who first uploaded it through the desk or the API (None for batch runs; 0009).
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    # While set, the document cannot be erased, by request or by the retention purge.
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None]
    # Until when the claim holds: its owner renews it while reading (a heartbeat); a claim whose
    # lease ran out is taken back by the next claim or sweep (migration 0005).
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    batch: Mapped[Batch | None] = relationship(back_populates="documents")
    person: Mapped[Person | None] = relationship(back_populates="documents")
    extractions: Mapped[list[Extraction]] = relationship(
        back_populates="document", order_by="Extraction.version"
    )


class Extraction(Base):
    """One reading of a document; every re-run or review correction is a new version."""

    __tablename__ = "extractions"
    __table_args__ = (
        UniqueConstraint("document_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(200))  # engine and version, or "review"

    document: Mapped[Document] = relationship(back_populates="extractions")
    fields: Mapped[list[ExtractionField]] = relationship(
        back_populates="extraction", cascade="all, delete-orphan", order_by="ExtractionField.id"
    )


class ExtractionField(Base):
    __tablename__ = "extraction_fields"
    __table_args__ = (
        CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)",
            name="confidence_range",
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    extraction_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("extractions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    # What was read: personal values (names, numbers, dates), sealed when encryption is on.
    value: Mapped[str | None] = mapped_column(SealedText("extraction_fields.value"))
    confidence: Mapped[float | None] = mapped_column(Float)
    source: Mapped[FieldSource] = mapped_column(_enum(FieldSource, "field_source"))
    page: Mapped[int | None]
    # [x, y, width, height] in pixels of that page image.
    box: Mapped[list[int] | None] = mapped_column(JSON)
    # For an entity (``entity.<LABEL>.<n>``): the sentence of the text it was found in, so the
    # desk and review pages show it in context (erased with the row, like the value).
    sentence: Mapped[str | None] = mapped_column(SealedText("extraction_fields.sentence"))

    extraction: Mapped[Extraction] = relationship(back_populates="fields")


class Event(Base):
    """The audit trail: append-only (no update/delete in code; a trigger refuses them in SQL).

    Events hold references, never personal values: ids, statuses, reason codes and counts, not
    names, numbers or dates. What a reviewer changed lives in the erasable
    :class:`~docproc.db.models.review.ReviewHistory`, so erasing a person never rewrites history.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    old: Mapped[str | None] = mapped_column(String(200))
    new: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class EventSeal(Base):
    """The hash chain over the audit trail: one seal per event, in event id order.

    ``hash`` is SHA-256 over the previous seal's hash and the event's canonical form
    (:func:`docproc.db.audit.event_digest`). Append-only like ``events``. Events are sealed
    after they are written (``docproc audit seal``, the beat worker), never in the transaction
    that writes them, so writers do not queue on one lock.
    """

    __tablename__ = "event_seals"

    event_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)
