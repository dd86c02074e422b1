"""Label variants reviewers taught the installation: a form label the lexicon did not know (or
mapped to the wrong field) and the schema field it names (created by migration
``0009_label_variants``). The form reader is given them with every form it reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from docproc.db.models.base import Base, BigIntId, utcnow

__all__ = ["LabelVariant"]


class LabelVariant(Base):
    """One printed label and the field it names; one row per label (``label_key``, its
    normalised tokens). Who set it and when is on the row; every change is also an event
    (``label_variant``: ``label_mapped``, ``label_remapped``, ``label_forgotten``)."""

    __tablename__ = "label_variants"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    label: Mapped[str] = mapped_column(String(120))  # as the reviewer gave it
    label_key: Mapped[str] = mapped_column(String(120), unique=True)
    field: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime | None]
