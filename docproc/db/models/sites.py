"""Sites: the desks and offices records belong to, and which users work at which.

A document, person and case carries the site that created it (``site_id``, no foreign key:
sites are never deleted, and on SQLite a foreign key could only be added by rebuilding those
referenced tables). Desk officers and reviewers see the records of their sites; supervisors and
admins see every site (:mod:`docproc.casework.sites`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from docproc.db.models.base import Base, utcnow

__all__ = ["Site", "UserSite"]


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserSite(Base):
    """A user's membership of a site."""

    __tablename__ = "user_sites"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
