"""The second factor of a login: a TOTP code from an authenticator app (:mod:`totp`).

A user with a secret logs in in two steps: the password opens a *pending* session that owes a
code (``web_sessions.owes = 'code'``) and opens no page; the code within
:data:`PENDING_LIFETIME` ends it and starts a full session under a new id (the id a pending
login carried is never the one that ends up logged in). A user whose role must have a second
factor (``DOCPROC_SECOND_FACTOR_ROLES``) and has none owes an enrolment instead (``'enrol'``):
they scan the QR code, type a code, and are logged in.

Codes are taken once (the last step used is kept), wrong codes count against the login
throttle (the callers do that), and every enrolment, removal and code login is audited.
Functions take a session and never commit, like :mod:`docproc.casework.auth`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from docproc.casework import totp
from docproc.casework.auth import (
    AuthError,
    BadCredentials,
    Forbidden,
    create_session,
    sha256_hex,
)
from docproc.db import repo
from docproc.db.models import Role, User, WebSession, utcnow

__all__ = [
    "PENDING_LIFETIME",
    "BadCode",
    "begin_login",
    "complete_enrolment",
    "complete_login",
    "enrol",
    "pending_login",
    "remove",
    "remove_own",
    "required_for",
]

#: How long the password step of a login waits for its code.
PENDING_LIFETIME = timedelta(minutes=5)
_OWES = ("code", "enrol")


class BadCode(AuthError):
    reason = "bad_second_factor"
    fix = (
        "Type the 6-digit code your authenticator app shows for docproc now (each code works "
        "once); check the phone's clock. Lost the phone? An admin removes the second factor."
    )


def required_for(role: Role, roles: str) -> bool:
    """Whether ``role`` is among ``roles`` (``DOCPROC_SECOND_FACTOR_ROLES``, comma-separated)."""
    return role.value in {r.strip() for r in roles.split(",") if r.strip()}


def begin_login(session: Session, user: User, required_roles: str) -> tuple[str, str | None]:
    """After the right password: a full session (``owes`` None) or a pending one that owes a
    ``code`` or an ``enrol``ment; return its cookie value and what it owes."""
    owes = "code" if user.totp_secret else None
    if owes is None and required_for(user.role, required_roles):
        owes = "enrol"
    if owes is None:
        return create_session(session, user), None
    token = create_session(session, user, owes=owes, lifetime=PENDING_LIFETIME)
    repo.record_event(
        session,
        entity_type="user",
        entity_id=user.id,
        kind="second_factor_asked",
        actor=user.username,
        detail={"owes": owes},
    )
    return token, owes


def pending_login(session: Session, token: str) -> tuple[WebSession, User] | None:
    """The pending login of this cookie (still in time, its user active), or None."""
    row = session.scalars(
        select(WebSession).where(WebSession.token_hash == sha256_hex(token))
    ).one_or_none()
    if row is None or row.owes not in _OWES or row.expires_at < utcnow() or not row.user.active:
        return None
    return row, row.user


def _take(user: User, secret: str, code: str, *, fresh: bool = False) -> None:
    """Take ``code`` for ``secret`` (``fresh``: a new secret, no step used yet) and keep its
    step, or raise :class:`BadCode`."""
    try:
        step = totp.verify(secret, code, last_step=None if fresh else user.totp_last_step)
    except ValueError:  # not base32: a set-up form that was tampered with or cut short
        raise BadCode("the secret is not a TOTP secret; start the set-up again") from None
    if step is None:
        raise BadCode("the code is wrong, too old or used already")
    user.totp_last_step = step


def complete_login(session: Session, token: str, code: str) -> str:
    """The code of a pending login: the full session's new cookie value."""
    found = pending_login(session, token)
    if found is None or found[0].owes != "code" or not found[1].totp_secret:
        raise BadCredentials("the login has expired; log in again")
    row, user = found
    _take(user, user.totp_secret or "", code)
    session.delete(row)
    return create_session(session, user)


def enrol(session: Session, user: User, secret: str, code: str, *, actor: str) -> None:
    """Give ``user`` the second factor ``secret`` once a code from it proves the app has it."""
    _take(user, secret, code, fresh=True)
    user.totp_secret = secret
    repo.record_event(
        session, entity_type="user", entity_id=user.id, kind="second_factor_enrolled", actor=actor
    )


def complete_enrolment(session: Session, token: str, secret: str, code: str) -> str:
    """The enrolment a pending login owes: the full session's new cookie value."""
    found = pending_login(session, token)
    if found is None or found[0].owes != "enrol":
        raise BadCredentials("the login has expired; log in again")
    row, user = found
    enrol(session, user, secret, code, actor=user.username)
    session.delete(row)
    return create_session(session, user)


def remove_own(session: Session, user: User, code: str, *, required_roles: str) -> bool:
    """The user's own removal of their second factor, proved by a code from it (refused while
    their role requires one); return whether they had one."""
    if user.totp_secret is None:
        return False
    _take(user, user.totp_secret, code)
    return remove(session, user, actor=user.username, required_roles=required_roles)


def remove(session: Session, user: User, *, actor: str, required_roles: str = "") -> bool:
    """Take ``user``'s second factor away (a lost phone: an admin; the user themself only when
    their role does not require one); return whether they had one."""
    if actor == user.username and required_for(user.role, required_roles):
        raise Forbidden("your role must keep a second factor; an admin can reset it")
    had = user.totp_secret is not None
    user.totp_secret = None
    user.totp_last_step = None
    if had:
        repo.record_event(
            session,
            entity_type="user",
            entity_id=user.id,
            kind="second_factor_removed",
            actor=actor,
        )
    return had
