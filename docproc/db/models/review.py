"""Review tasks: one per document a person must look at (created by migration
``0002_auth_review``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docproc.db.models.base import Base, BigIntId, _enum, utcnow
from docproc.db.sealed import SealedText

if TYPE_CHECKING:
    from docproc.db.models.documents import Document

__all__ = ["ReviewHistory", "ReviewState", "ReviewTask"]


class ReviewState(StrEnum):
    open = "open"
    claimed = "claimed"
    accepted = "accepted"
    fixed = "fixed"
    rejected = "rejected"


class ReviewTask(Base):
    """One review of one document: opened for ``needs_review`` or by the random sample."""

    __tablename__ = "review_tasks"
    __table_args__ = (Index("ix_review_tasks_state_priority", "state", "priority", "created_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), unique=True
    )
    reasons: Mapped[str] = mapped_column(String(200), default="")
    sampled: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[int] = mapped_column(default=1)  # lower comes first
    state: Mapped[ReviewState] = mapped_column(
        _enum(ReviewState, "review_state"), default=ReviewState.open
    )
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    resolution_reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    document: Mapped[Document] = relationship()


class ReviewHistory(Base):
    """What a reviewer changed: one row per corrected field, with the old and the new value.

    Personal data, kept apart from the append-only audit trail (whose ``field_corrected`` event
    names only the field and the version) so that erasing the document removes it.
    """

    __tablename__ = "review_history"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int | None]
    version: Mapped[int | None]
    field: Mapped[str] = mapped_column(String(64))
    # Sealed when encryption is on (docproc/db/sealed.py).
    old_value: Mapped[str | None] = mapped_column(SealedText("review_history.old_value"))
    new_value: Mapped[str | None] = mapped_column(SealedText("review_history.new_value"))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
