"""Persons the documents are about, registration cases, and proposed duplicate pairs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docproc.db.models.base import Base, BigIntId, _enum, utcnow
from docproc.db.sealed import SealedDate, SealedText

if TYPE_CHECKING:
    from docproc.db.models.documents import Document


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


class Person(Base):
    """A person the documents are about. Personal data: keep it to what the case needs.

    ``name_key`` is the normalised, token-sorted name the matcher compares
    (:func:`docproc.casework.people.name_key`). A merged person is kept, pointing at the survivor.

    The names, the name key and the date of birth are sealed when encryption is configured
    (:mod:`docproc.db.sealed`); equality goes through the blind indexes ``birth_date_index``
    and ``name_words`` (one per word of the name key), kept current on every flush
    (:mod:`docproc.db.crypto`).
    """

    __tablename__ = "persons"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    surname: Mapped[str] = mapped_column(SealedText("persons.surname"))
    given_names: Mapped[str] = mapped_column(SealedText("persons.given_names"), default="")
    date_of_birth: Mapped[date | None] = mapped_column(SealedDate("persons.date_of_birth"))
    birth_date_index: Mapped[str | None] = mapped_column(String(64), index=True)
    sex: Mapped[str | None] = mapped_column(String(1))
    nationality: Mapped[str | None] = mapped_column(String(3))
    name_key: Mapped[str] = mapped_column(
        SealedText("persons.name_key"), default="", server_default=""
    )
    # No foreign key: persons are never deleted, and on SQLite a self-reference could only be
    # added or dropped by rebuilding the table, whose DROP would cascade into case_persons.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    merged_at: Mapped[datetime | None]
    # The desk or office that created it (docproc/db/models/sites.py); no foreign key.
    site_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # While set, neither the person nor their documents can be erased or purged.
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    documents: Mapped[list[Document]] = relationship(back_populates="person")
    case_links: Mapped[list[CasePerson]] = relationship(back_populates="person")
    name_words: Mapped[list[PersonNameWord]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class PersonNameWord(Base):
    """The blind index of one word of a person's name key: name search by whole words over
    sealed names (:mod:`docproc.casework.search`)."""

    __tablename__ = "person_name_words"

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    word_index: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Case(Base):
    """A registration case grouping persons (e.g. a household)."""

    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    # The case number another agency gave the household (UNHCR, IOM); searchable (0009).
    external_number: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[CaseStatus] = mapped_column(
        _enum(CaseStatus, "case_status"), default=CaseStatus.open
    )
    # The desk or office that created it (docproc/db/models/sites.py); no foreign key.
    site_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
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
