"""The second factor of a login on SQLite and PostgreSQL: the password opens a pending session
that opens nothing, the code ends it under a new id, a code is never taken twice, a pending
login expires, a role that requires a second factor enrols at login, removal is audited."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import second_factor, totp
from docproc.casework.auth import (
    BadCredentials,
    Forbidden,
    create_user,
    principal_for_session,
)
from docproc.db import repo
from docproc.db.models import Role, User, WebSession, utcnow
from docproc.db.session import session_scope

PASSWORD = "correct horse battery"


def _user(factory: sessionmaker[Session], role: Role = Role.reviewer) -> str:
    name = f"u-{uuid.uuid4().hex[:8]}"
    with session_scope(factory) as session:
        create_user(session, name, PASSWORD, role, actor="test")
    return name


def _get(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.username == name)).one()


def _enrolled(factory: sessionmaker[Session], name: str) -> str:
    secret = totp.new_secret()
    with session_scope(factory) as session:
        second_factor.enrol(
            session, _get(session, name), secret, totp.code_at(secret, totp.step_of()), actor=name
        )
    return secret


def _wrong(secret: str) -> str:
    """A code none of the steps around now has."""
    now = totp.step_of()
    taken = {totp.code_at(secret, step) for step in range(now - 2, now + 3)}
    return next(c for c in (f"{n:06d}" for n in range(10)) if c not in taken)


def _kinds(session: Session, name: str) -> list[str]:
    return [e.kind for e in repo.events_for(session, "user", _get(session, name).id)]


def test_without_a_second_factor_the_password_logs_in(factory: sessionmaker[Session]) -> None:
    name = _user(factory)
    with session_scope(factory) as session:
        token, owes = second_factor.begin_login(session, _get(session, name), "")
    assert owes is None
    with session_scope(factory) as session:
        principal = principal_for_session(session, token)
        assert principal is not None and principal.username == name


def test_the_code_completes_a_login_under_a_new_session_id(factory: sessionmaker[Session]) -> None:
    name = _user(factory)
    secret = _enrolled(factory, name)
    with session_scope(factory) as session:
        pending, owes = second_factor.begin_login(session, _get(session, name), "")
    assert owes == "code"
    with session_scope(factory) as session:
        assert principal_for_session(session, pending) is None  # opens nothing yet
    with pytest.raises(second_factor.BadCode), session_scope(factory) as session:
        second_factor.complete_login(session, pending, _wrong(secret))
    next_code = totp.code_at(secret, totp.step_of() + 1)  # the enrolment used this step's
    with session_scope(factory) as session:
        token = second_factor.complete_login(session, pending, next_code)
    assert token != pending
    with session_scope(factory) as session:
        principal = principal_for_session(session, token)
        assert principal is not None and principal.username == name
        assert principal_for_session(session, pending) is None
        assert "second_factor_asked" in _kinds(session, name)
        assert "logged_in" in _kinds(session, name)
    # the same code again, on a new login: refused (taken once)
    with session_scope(factory) as session:
        again, _ = second_factor.begin_login(session, _get(session, name), "")
    with pytest.raises(second_factor.BadCode), session_scope(factory) as session:
        second_factor.complete_login(session, again, next_code)


def test_a_pending_login_expires(factory: sessionmaker[Session]) -> None:
    name = _user(factory)
    secret = _enrolled(factory, name)
    with session_scope(factory) as session:
        pending, _ = second_factor.begin_login(session, _get(session, name), "")
    with session_scope(factory) as session:
        session.execute(
            update(WebSession)
            .where(WebSession.user_id == _get(session, name).id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    with pytest.raises(BadCredentials), session_scope(factory) as session:
        second_factor.complete_login(session, pending, totp.code_at(secret, totp.step_of() + 1))


def test_a_required_role_enrols_at_login(factory: sessionmaker[Session]) -> None:
    name = _user(factory, Role.supervisor)
    with session_scope(factory) as session:
        pending, owes = second_factor.begin_login(session, _get(session, name), "admin,supervisor")
    assert owes == "enrol"
    secret = totp.new_secret()
    with pytest.raises(second_factor.BadCode), session_scope(factory) as session:
        second_factor.complete_enrolment(session, pending, secret, "123456")
    with pytest.raises(second_factor.BadCode), session_scope(factory) as session:
        second_factor.complete_enrolment(session, pending, "not base32!", "123456")
    with session_scope(factory) as session:
        token = second_factor.complete_enrolment(
            session, pending, secret, totp.code_at(secret, totp.step_of())
        )
    with session_scope(factory) as session:
        assert principal_for_session(session, token) is not None
        assert _get(session, name).totp_secret == secret
        assert "second_factor_enrolled" in _kinds(session, name)
        # a code is owed from now on
        _, owes = second_factor.begin_login(session, _get(session, name), "admin,supervisor")
        assert owes == "code"
    # the user may not drop it while the role requires it; an admin may
    with pytest.raises(Forbidden), session_scope(factory) as session:
        second_factor.remove(session, _get(session, name), actor=name, required_roles="supervisor")
    with session_scope(factory) as session:
        assert second_factor.remove(session, _get(session, name), actor="admin")
    with session_scope(factory) as session:
        user = _get(session, name)
        assert user.totp_secret is None and user.totp_last_step is None
        removed = [
            e
            for e in repo.events_for(session, "user", user.id)
            if e.kind == "second_factor_removed"
        ]
        assert [e.actor for e in removed] == ["admin"]
