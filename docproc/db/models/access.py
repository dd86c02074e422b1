"""Access: users, browser sessions and API tokens.

They live on the same :class:`~docproc.db.models.base.Base` metadata as the case database and
are created by migrations ``0002_auth_review``, ``0010_accounts`` (token expiry, the login
throttle's failures) and ``0013_second_factor`` (a user's TOTP secret; a session that still owes
its second factor). Tokens and session ids are stored only as SHA-256
hashes (they are long random strings, so a fast hash is enough); passwords as argon2 hashes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docproc.db.models.base import Base, BigIntId, _enum, utcnow
from docproc.db.sealed import SealedText

__all__ = ["ApiToken", "BulkRead", "LoginFailure", "Role", "User", "WebSession"]


class Role(StrEnum):
    """Roles, lowest first: each role may do everything the roles before it may."""

    desk = "desk"
    reviewer = "reviewer"
    supervisor = "supervisor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The interface language the user chose ('en', 'id'); None: the browser's.
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    # The second factor (docproc/casework/totp.py): the TOTP secret in base32, None when the
    # user has none; the last 30-second step a code was taken for (a code is never taken twice).
    # Sealed when encryption is on (docproc/db/sealed.py), like the personal columns.
    totp_secret: Mapped[str | None] = mapped_column(SealedText("users.totp_secret"), default=None)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)


class WebSession(Base):
    """A browser login; the cookie holds the token, the table only its hash."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # What the login still owes before the session counts: None (nothing), "code" (the user's
    # second-factor code) or "enrol" (setting one up: the user's role requires it).
    owes: Mapped[str | None] = mapped_column(String(8), default=None)

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A bearer token for another system, acting as its user."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    # After this the token is refused (DOCPROC_API_TOKEN_DAYS after it was made); None: never
    # (only tokens made with expiry turned off).
    expires_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """One failed login under one throttle key (``pair:<name>:<address>``, ``addr:<address>``,
    ``user:<name>``, each cut to 64 characters): kept in the database so that every web process
    counts the same failures. Rows older than the throttle's window are deleted as new ones come.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(140))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class BulkRead(Base):
    """One bulk read (a listing of many records, an export) by one user: counted per user over
    the last hour so every web process enforces the same rate (``DOCPROC_BULK_READS_PER_HOUR``).
    Rows older than the window are deleted as new ones come."""

    __tablename__ = "bulk_reads"
    __table_args__ = (Index("ix_bulk_reads_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID]
    at: Mapped[datetime] = mapped_column(default=utcnow)
