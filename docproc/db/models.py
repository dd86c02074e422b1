"""The case database: typed SQLAlchemy 2 models.

Works on PostgreSQL (deployments) and SQLite (the embedded default). Enumerations are stored as
short strings with CHECK constraints rather than native enum types, so adding a value is a plain
migration on both engines. Timestamps are always timezone-aware UTC in Python.

Only :mod:`docproc.db.repo` queries these tables; everything else calls its functions.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware UTC in Python, on PostgreSQL and on SQLite alike.

    SQLite has no time zones: values are stored as naive UTC and given their zone back on load.
    Naive datetimes are refused on the way in, since their zone is a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Sequence-backed BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON(),
    }


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


class CaseStatus(StrEnum):
    open = "open"
    closed = "closed"


class CaseRole(StrEnum):
    """A person's place in a case (a household)."""

    head = "head"
    spouse = "spouse"
    child = "child"
    other = "other"


class MatchStatus(StrEnum):
    """A proposed duplicate pair of persons; only a reviewer moves it out of ``pending``.

    ``obsolete``: one of the two was merged into a third person that is already paired with the
    other one, so this pair is decided through that pair.
    """

    pending = "pending"
    merged = "merged"
    kept_apart = "kept_apart"
    obsolete = "obsolete"


def _enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
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


class Person(Base):
    """A person the documents are about. Personal data: keep it to what the case needs.

    ``name_key`` is the normalised, token-sorted name the matcher compares
    (:func:`docproc.people.name_key`). A merged person is kept, pointing at the survivor.
    """

    __tablename__ = "persons"
    __table_args__ = (Index("ix_persons_date_of_birth", "date_of_birth"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    surname: Mapped[str] = mapped_column(String(200))
    given_names: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    nationality: Mapped[str | None] = mapped_column(String(3))
    name_key: Mapped[str] = mapped_column(String(400), default="", server_default="")
    # No foreign key: persons are never deleted, and on SQLite a self-reference could only be
    # added or dropped by rebuilding the table, whose DROP would cascade into case_persons.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    merged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    documents: Mapped[list[Document]] = relationship(back_populates="person")
    case_links: Mapped[list[CasePerson]] = relationship(back_populates="person")


class Case(Base):
    """A registration case grouping persons (e.g. a household)."""

    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[CaseStatus] = mapped_column(
        _enum(CaseStatus, "case_status"), default=CaseStatus.open
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person_links: Mapped[list[CasePerson]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )


class CasePerson(Base):
    __tablename__ = "case_persons"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[CaseRole] = mapped_column(_enum(CaseRole, "case_role"), default=CaseRole.other)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="person_links")
    person: Mapped[Person] = relationship(back_populates="case_links")


class PersonMatch(Base):
    """A possible duplicate: two persons the matcher found alike, waiting for a reviewer.

    Proposed once per pair (``person_a`` the earlier person, ``person_b`` the newer); a pair kept
    apart is never proposed again.
    """

    __tablename__ = "person_matches"
    __table_args__ = (
        UniqueConstraint("person_a_id", "person_b_id"),
        CheckConstraint("person_a_id <> person_b_id", name="distinct_persons"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        Index("ix_person_matches_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    person_a_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    person_b_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    # The document whose reading made the proposal.
    document_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL")
    )
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(64))  # a reason code, e.g. similar_name_same_birth
    status: Mapped[MatchStatus] = mapped_column(
        _enum(MatchStatus, "match_status"), default=MatchStatus.pending
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class Document(Base):
    """One uploaded file (an original in object storage) and where it is in the pipeline."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("pages IS NULL OR pages >= 0", name="pages_non_negative"),
        Index("ix_documents_status_claimed_at", "status", "claimed_at"),
        Index("ix_documents_number_country", "document_number", "issuing_country"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source_key: Mapped[str] = mapped_column(String(1024))
    original_filename: Mapped[str | None] = mapped_column(String(255))
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
    # of the exact person match. Personal data, like the extraction it comes from.
    document_number: Mapped[str | None] = mapped_column(String(64))
    issuing_country: Mapped[str | None] = mapped_column(String(3))
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None]
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
    value: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    source: Mapped[FieldSource] = mapped_column(_enum(FieldSource, "field_source"))
    page: Mapped[int | None]
    # [x, y, width, height] in pixels of that page image.
    box: Mapped[list[int] | None] = mapped_column(JSON)

    extraction: Mapped[Extraction] = relationship(back_populates="fields")


class Event(Base):
    """The audit trail: append-only (no update/delete in code; a trigger refuses them in SQL).

    Keep personal data out of ``detail``: record ids, statuses and reason codes, not names.
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
