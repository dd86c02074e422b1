"""Data keys of the sealed database columns (:mod:`docproc.db.sealed`), wrapped by a KEK."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from docproc.db.models.base import Base, utcnow

__all__ = ["DataKey"]


class DataKey(Base):
    """A 256-bit data key, AES-256-GCM-wrapped by the key-encryption key ``kek_id``.

    ``values`` seals column values, ``index`` keys the blind indexes. ``docproc keys rewrap``
    wraps them again with the current KEK (the sealed values are not touched).
    """

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    kek_id: Mapped[str] = mapped_column(String(64))
    # base64 of the wrap nonce (12 bytes) and the wrapped key (48 bytes)
    wrapped: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
