"""Accounts as the admin pages and ``docproc user`` show them: users with their sites and
tokens, and the changes an admin makes to a user's sites.

The changes to a user themselves (create, password, role, enable, tokens) are in
:mod:`docproc.casework.auth`; every change is written to the audit trail there or here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from docproc.casework.auth import InvalidUser
from docproc.casework.sites import BadSite, add_member, remove_member
from docproc.db.models import ApiToken, Role, Site, User, UserSite, utcnow

__all__ = [
    "SiteRow",
    "TokenRow",
    "UserRow",
    "all_sites",
    "set_sites",
    "tokens_of",
    "user_row",
    "users",
]


@dataclass(frozen=True, slots=True)
class SiteRow:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class UserRow:
    id: uuid.UUID
    username: str
    role: Role
    active: bool
    created_at: datetime
    sites: tuple[str, ...]  # site codes
    live_tokens: int
    second_factor: bool  # a TOTP second factor is set up


@dataclass(frozen=True, slots=True)
class TokenRow:
    """An API token as listed: never the token itself (only its hash is stored)."""

    id: uuid.UUID
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str  # "live", "expired" or "revoked"


def _state(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "live"


def _live(now: datetime) -> ColumnElement[bool]:
    """Tokens neither revoked nor past their expiry at ``now``."""
    return ApiToken.revoked_at.is_(None) & (
        ApiToken.expires_at.is_(None) | (ApiToken.expires_at > now)
    )


def users(session: Session) -> list[UserRow]:
    """Every user by name, with their site codes and how many live API tokens they have."""
    now = utcnow()
    sites: dict[uuid.UUID, list[str]] = {}
    for user_id, code in session.execute(
        select(UserSite.user_id, Site.code)
        .join(Site, Site.id == UserSite.site_id)
        .order_by(Site.code)
    ):
        sites.setdefault(user_id, []).append(code)
    tokens = dict(
        session.execute(
            select(ApiToken.user_id, func.count()).where(_live(now)).group_by(ApiToken.user_id)
        ).all()
    )
    return [
        UserRow(
            u.id,
            u.username,
            u.role,
            u.active,
            u.created_at,
            tuple(sites.get(u.id, ())),
            tokens.get(u.id, 0),
            u.totp_secret is not None,
        )
        for u in session.scalars(select(User).order_by(User.username))
    ]


def user_row(session: Session, username: str) -> UserRow:
    for row in users(session):
        if row.username == username:
            return row
    raise InvalidUser(f"no user {username[:70]!r}")


def tokens_of(session: Session, username: str) -> list[TokenRow]:
    """The API tokens of ``username``, newest first, with whether each still works."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise InvalidUser(f"no user {username[:70]!r}")
    now = utcnow()
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    )
    return [
        TokenRow(t.id, t.name, t.created_at, t.expires_at, t.revoked_at, _state(t, now))
        for t in rows
    ]


def all_sites(session: Session) -> list[SiteRow]:
    return [SiteRow(s.code, s.name) for s in session.scalars(select(Site).order_by(Site.code))]


def set_sites(session: Session, username: str, codes: Iterable[str], *, actor: str) -> None:
    """Make ``username``'s sites exactly ``codes`` (each change audited as a member event)."""
    wanted = set(codes)
    known = {site.code for site in all_sites(session)}
    if not wanted <= known:
        raise BadSite(f"no site {sorted(wanted - known)[0][:40]!r}")
    current = set(user_row(session, username).sites)
    for code in sorted(wanted - current):
        add_member(session, code, username, actor=actor)
    for code in sorted(current - wanted):
        remove_member(session, code, username, actor=actor)
