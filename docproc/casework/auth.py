"""Users, passwords, browser sessions, API tokens and CSRF tokens.

Passwords are hashed with argon2id (argon2-cffi). Session ids and API tokens are 256-bit random
strings shown once and stored as SHA-256 hashes: a leaked database does not let anyone log in,
and a fast hash is safe for secrets that long. The CSRF token of a session is an HMAC of its
(secret) session id, so it needs no storage and cannot be guessed without the cookie.

Functions take a session and never commit, like :mod:`docproc.db.repo`. Every login, logout,
user and token change is written to the audit trail.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docproc.db import repo
from docproc.db.models import ApiToken, Role, Site, User, UserSite, WebSession, utcnow
from docproc.errors import DocprocError, ExitCode

__all__ = [
    "SESSION_LIFETIME",
    "AuthError",
    "Forbidden",
    "LoginRequired",
    "Principal",
    "TooManyAttempts",
    "authenticate",
    "check_password",
    "common_passwords",
    "create_api_token",
    "create_session",
    "create_user",
    "csrf_token_for",
    "end_session",
    "hash_password",
    "principal_for_session",
    "principal_for_token",
    "revoke_token",
    "revoke_tokens",
    "set_active",
    "set_password",
    "set_role",
    "sha256_hex",
]

SESSION_LIFETIME = timedelta(hours=8)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_MIN_PASSWORD = 12
_MAX_PASSWORD = 1024
_MIN_DISTINCT = 5
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AuthError(DocprocError):
    reason = "unauthorised"
    fix = "Log in, or send a valid API token as 'Authorization: Bearer <token>'."
    http_status = 401
    exit_code = ExitCode.bad_arguments


class LoginRequired(AuthError):
    reason = "login_required"


class BadCredentials(AuthError):
    reason = "bad_credentials"
    fix = "Check the user name and password (both are case-sensitive)."


class Forbidden(DocprocError):
    reason = "forbidden"
    fix = "Your role may not do this; ask a supervisor or an admin."
    http_status = 403
    exit_code = ExitCode.bad_arguments


class CsrfFailed(DocprocError):
    reason = "csrf_failed"
    fix = "Reload the page and try again (the form was stale or came from another site)."
    http_status = 403
    exit_code = ExitCode.bad_arguments


class UserExists(DocprocError):
    reason = "user_exists"
    fix = "Pick another user name."
    http_status = 409
    exit_code = ExitCode.bad_arguments


class InvalidUser(DocprocError):
    reason = "invalid_user"
    fix = (
        f"User names are 2-64 lower-case letters, digits, '.', '_' or '-'; passwords at least "
        f"{_MIN_PASSWORD} characters, not a common password or the user name."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments


class TooManyAttempts(DocprocError):
    """Refused by the login throttle (:mod:`docproc.casework.throttle`)."""

    reason = "too_many_login_attempts"
    fix = "Wait 15 minutes, or ask an admin to set a new password (`docproc user passwd`)."
    http_status = 429
    exit_code = ExitCode.bad_arguments


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user, through a browser session or an API token."""

    user_id: str
    username: str
    role: Role
    via: str  # "session" or "token"
    csrf: str | None = None  # only for browser sessions
    # The sites whose records the caller may see (need-to-know); None: every site (supervisors,
    # admins). Empty: only records that belong to no site.
    sites: frozenset[uuid.UUID] | None = None
    home_site: uuid.UUID | None = None  # the site new uploads and cases belong to
    language: str | None = None  # the interface language the user chose; None: the browser's

    def may(self, role: Role | str) -> bool:
        return self.role.at_least(Role(role))

    def sees_site(self, site_id: uuid.UUID | None) -> bool:
        """Whether a record of ``site_id`` is within the caller's need-to-know."""
        if self.sites is None:
            return True
        return site_id in self.sites if site_id is not None else not self.sites


def _principal(session: Session, user: User, via: str, csrf: str | None = None) -> Principal:
    """The caller as a user: supervisors and admins see every site; the others their own."""
    ids = list(
        session.scalars(
            select(Site.id)
            .join(UserSite, UserSite.site_id == Site.id)
            .where(UserSite.user_id == user.id)
            .order_by(Site.code)
        )
    )
    sites = None if user.role.at_least(Role.supervisor) else frozenset(ids)
    return Principal(
        str(user.id),
        user.username,
        user.role,
        via,
        csrf,
        sites,
        ids[0] if ids else None,
        user.language,
    )


def sha256_hex(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords and stems (package data, one per line)."""
    text = resources.files("docproc.casework").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def check_password(password: str, username: str = "") -> None:
    """Refuse a weak password: too short or long, too few different characters, the user's name,
    or a common password (possibly with digits and symbols added at its ends)."""
    if len(password) < _MIN_PASSWORD or len(password.strip()) < _MIN_PASSWORD:
        raise InvalidUser(f"the password is shorter than {_MIN_PASSWORD} characters")
    if len(password) > _MAX_PASSWORD:
        raise InvalidUser(f"the password is longer than {_MAX_PASSWORD} characters")
    if len(set(password)) < _MIN_DISTINCT:
        raise InvalidUser(f"the password has fewer than {_MIN_DISTINCT} different characters")
    lowered = password.lower()
    stem = lowered.strip("0123456789!@#$%^&*()-_=+.,?~ ")
    if username and username.lower() in lowered:
        raise InvalidUser("the password contains the user name")
    common = common_passwords()
    if lowered in common or stem in common or (stem and stem[::-1] in common):
        raise InvalidUser("the password is on the list of common passwords")


def hash_password(password: str, username: str = "") -> str:
    check_password(password, username)
    return _hasher.hash(password)


def create_user(session: Session, username: str, password: str, role: Role, *, actor: str) -> User:
    if not _USERNAME.match(username):
        raise InvalidUser(f"invalid user name {username[:70]!r}")
    user = User(
        username=username,
        password_hash=hash_password(password, username),
        role=role,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as exc:
        raise UserExists(f"user {username!r} already exists") from exc
    repo.record_event(
        session, entity_type="user", entity_id=user.id, kind="created", actor=actor, new=role.value
    )
    return user


def set_password(
    session: Session, username: str, password: str, *, actor: str, revoke_tokens: bool = True
) -> int:
    """Set ``username``'s password: their browser sessions end, and (``revoke_tokens``, the
    setting ``DOCPROC_REVOKE_TOKENS_ON_PASSWORD_CHANGE``) their API tokens are revoked; return
    how many tokens were."""
    user = _user(session, username)
    user.password_hash = hash_password(password, username)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    repo.record_event(
        session, entity_type="user", entity_id=user.id, kind="password_changed", actor=actor
    )
    return _revoke(session, user, actor=actor) if revoke_tokens else 0


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user with these credentials, or :class:`BadCredentials`."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user_ok = False
    else:
        user_ok = user is not None and user.active
    if not user_ok or user is None:
        raise BadCredentials("wrong user name or password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def record_failed_login(session: Session, username: str) -> None:
    """Audit a failed login against an existing account (unknown names are not recorded)."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is not None:
        repo.record_event(
            session, entity_type="user", entity_id=user.id, kind="login_failed", actor="anonymous"
        )


def create_session(
    session: Session, user: User, *, owes: str | None = None, lifetime: timedelta | None = None
) -> str:
    """Start a browser session for ``user``; return the cookie value (shown only now). A session
    that ``owes`` its second factor (:mod:`docproc.casework.second_factor`) opens no page and is
    not a login yet (``logged_in`` is audited when the full session starts)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_hash=sha256_hex(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + (lifetime or SESSION_LIFETIME),
            owes=owes,
        )
    )
    if owes is None:
        repo.record_event(
            session, entity_type="user", entity_id=user.id, kind="logged_in", actor=user.username
        )
    return token


def end_session(session: Session, token: str, *, actor: str) -> None:
    row = session.scalars(
        select(WebSession).where(WebSession.token_hash == sha256_hex(token))
    ).one_or_none()
    if row is not None:
        repo.record_event(
            session, entity_type="user", entity_id=row.user_id, kind="logged_out", actor=actor
        )
        session.delete(row)


def csrf_token_for(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"docproc-csrf", hashlib.sha256).hexdigest()


def check_csrf(principal: Principal, given: str | None) -> None:
    if principal.csrf is None:  # API tokens are not sent by browsers on their own
        return
    if not given or not hmac.compare_digest(given, principal.csrf):
        raise CsrfFailed("missing or wrong CSRF token")


def principal_for_session(session: Session, token: str) -> Principal | None:
    row = session.scalars(
        select(WebSession).where(WebSession.token_hash == sha256_hex(token))
    ).one_or_none()
    if row is None or row.owes is not None or row.expires_at < utcnow() or not row.user.active:
        return None  # (a session that still owes its second factor opens nothing)
    return _principal(session, row.user, "session", csrf_token_for(token))


def create_api_token(
    session: Session, username: str, name: str, *, actor: str, days: int | None = 90
) -> str:
    """A new bearer token for ``username``, refused ``days`` after now (``None`` or 0: never;
    callers pass ``DOCPROC_API_TOKEN_DAYS``); return it (it is stored only as a hash)."""
    user = _user(session, username)
    token = "dp_" + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        token_hash=sha256_hex(token),
        user_id=user.id,
        name=name[:100],
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    session.add(row)
    session.flush()
    repo.record_event(
        session,
        entity_type="user",
        entity_id=user.id,
        kind="token_created",
        actor=actor,
        new=str(row.id),
    )
    return token


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise InvalidUser(f"no user {username!r}")
    return user


def revoke_tokens(session: Session, username: str, *, actor: str) -> int:
    """Revoke every API token of ``username``; return how many were live."""
    return _revoke(session, _user(session, username), actor=actor)


def revoke_token(session: Session, username: str, token_id: str, *, actor: str) -> bool:
    """Revoke one API token of ``username`` by its id; return whether it was live."""
    try:
        wanted = uuid.UUID(token_id)
    except ValueError:
        raise InvalidUser("no such API token") from None
    user = _user(session, username)
    return _revoke(session, user, actor=actor, only=wanted) == 1


def _revoke(session: Session, user: User, *, actor: str, only: uuid.UUID | None = None) -> int:
    now = utcnow()
    live = list(
        session.scalars(
            select(ApiToken).where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                *([ApiToken.id == only] if only is not None else []),
            )
        )
    )
    for token in live:
        token.revoked_at = now
        repo.record_event(
            session,
            entity_type="user",
            entity_id=user.id,
            kind="token_revoked",
            actor=actor,
            old=str(token.id),
        )
    return len(live)


def set_active(session: Session, username: str, active: bool, *, actor: str) -> None:
    """Enable or disable a user; disabling ends their sessions (tokens stop working too)."""
    user = _user(session, username)
    user.active = active
    if not active:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    repo.record_event(
        session,
        entity_type="user",
        entity_id=user.id,
        kind="enabled" if active else "disabled",
        actor=actor,
    )


def set_role(session: Session, username: str, role: Role, *, actor: str) -> None:
    """Give ``username`` another role (their sessions end, so the new role holds at once)."""
    user = _user(session, username)
    if user.role == role:
        return
    old, user.role = user.role, role
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    repo.record_event(
        session,
        entity_type="user",
        entity_id=user.id,
        kind="role_changed",
        actor=actor,
        old=old.value,
        new=role.value,
    )


def set_language(session: Session, user_id: str, language: str | None) -> None:
    """The interface language a user chose (``None``: follow the browser's)."""
    user = session.get(User, uuid.UUID(user_id))
    if user is None:
        raise InvalidUser("no such user")
    user.language = language


def principal_for_token(session: Session, token: str) -> Principal | None:
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == sha256_hex(token))
    ).one_or_none()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    return _principal(session, row.user, "token")
