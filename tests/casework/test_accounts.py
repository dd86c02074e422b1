"""Passwords against the policy and the shipped common-password list; the login throttle per
account and per address, counted in the database (both engines), bounded, shared by every
process; API tokens that expire, are listed and revoked one by one or on a password change."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import accounts
from docproc.casework.auth import (
    InvalidUser,
    TooManyAttempts,
    check_password,
    common_passwords,
    create_api_token,
    create_user,
    principal_for_token,
    revoke_token,
    set_password,
)
from docproc.casework.throttle import KEY_CHARS, LoginThrottle
from docproc.db.models import ApiToken, Event, Role, utcnow
from docproc.db.models.access import LoginFailure
from docproc.db.session import session_scope

PASSWORD = "correct horse battery"


@pytest.mark.parametrize(
    "password",
    [
        " " * 10,
        " " * 14,
        "password12",
        "password1234",
        "Password2026!",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "aaaaaaaaaaaaaaaa",
        "abababababababab",
        "Welcome123456",
        "correct horse battery staple",
        "short",
        "x" * 1025,
        "amira-the-user-2026",
    ],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(InvalidUser):
        check_password(password, "amira-the-user")


@pytest.mark.parametrize(
    "password", ["correct horse battery", "tinta-biru 7 gunung", "Pz8#kQ2!vL0m"]
)
def test_good_passwords_pass(password: str) -> None:
    check_password(password, "amira")


def test_the_common_password_list_ships_with_the_package() -> None:
    common = common_passwords()
    assert len(common) > 100 and "password" in common and "rahasia" in common
    assert not any(p.startswith("#") for p in common)


def _name() -> str:
    return f"amira-{uuid.uuid4().hex[:8]}"


def _address() -> str:
    return f"203.0.113.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"


def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(
    factory: sessionmaker[Session],
) -> None:
    throttle = LoginThrottle(factory, limit=5, address_limit=20, account_limit=50)
    name, guesser = _name(), _address()
    for _ in range(5):
        throttle.check(name, guesser)
        throttle.failed(name, guesser)
    with pytest.raises(TooManyAttempts):
        throttle.check(name, guesser)
    throttle.check(name, _address())  # the real user, from the desk's own machine


def test_one_address_guessing_many_accounts_is_stopped(factory: sessionmaker[Session]) -> None:
    throttle = LoginThrottle(factory, limit=5, address_limit=20, account_limit=50)
    guesser = _address()
    for _ in range(20):
        throttle.failed(_name(), guesser)
    with pytest.raises(TooManyAttempts):
        throttle.check(_name(), guesser)
    throttle.check(_name(), _address())


def test_one_account_guessed_from_many_addresses_is_stopped(
    factory: sessionmaker[Session],
) -> None:
    throttle = LoginThrottle(factory, limit=5, address_limit=20, account_limit=50)
    name = _name()
    for _ in range(50):
        throttle.failed(name, _address())
    with pytest.raises(TooManyAttempts):
        throttle.check(name, _address())


def test_the_throttle_holds_for_another_process_sharing_the_database(
    factory: sessionmaker[Session],
) -> None:
    """Two throttles on one database (two web processes): failures seen by one count for both."""
    first, second = LoginThrottle(factory), LoginThrottle(factory)
    name, guesser = _name(), _address()
    for i in range(5):
        (first if i % 2 else second).failed(name, guesser)
    with pytest.raises(TooManyAttempts):
        first.check(name, guesser)
    with pytest.raises(TooManyAttempts):
        second.check(name, guesser)


def test_a_successful_login_clears_only_its_own_counter(factory: sessionmaker[Session]) -> None:
    throttle = LoginThrottle(factory, limit=3, address_limit=4)
    name, guesser = _name(), _address()
    for _ in range(3):
        throttle.failed(name, guesser)
    throttle.succeeded(name, guesser)
    throttle.check(name, guesser)
    throttle.failed(name, guesser)
    with pytest.raises(TooManyAttempts):  # the address counter kept all four
        throttle.check(_name(), guesser)


def test_junk_names_are_cut_and_old_failures_are_forgotten(
    factory: sessionmaker[Session],
) -> None:
    now = [utcnow()]
    throttle = LoginThrottle(factory, window=timedelta(minutes=15), clock=lambda: now[0])
    marker = uuid.uuid4().hex[:8]
    for i in range(20):
        throttle.failed(f"{marker}-{i}-" + "x" * 1_000_000, f"198.51.{i}.{marker}")
    with session_scope(factory) as session:
        keys = list(
            session.scalars(select(LoginFailure.key).where(LoginFailure.key.contains(marker)))
        )
    assert len(keys) == 60
    assert all(len(key) <= 5 + 2 * KEY_CHARS + 1 for key in keys)
    now[0] += timedelta(minutes=16)
    throttle.failed("someone", "192.0.2.1")  # a new failure sweeps the old ones
    with session_scope(factory) as session:
        left = session.scalars(select(LoginFailure.key).where(LoginFailure.key.contains(marker)))
        assert list(left) == []


def _user(factory: sessionmaker[Session]) -> str:
    name = _name()
    with session_scope(factory) as session:
        create_user(session, name, PASSWORD, Role.desk, actor="test")
    return name


def test_a_token_past_its_expiry_is_refused(factory: sessionmaker[Session]) -> None:
    name = _user(factory)
    with session_scope(factory) as session:
        token = create_api_token(session, name, "bridge", actor="test", days=90)
        never = create_api_token(session, name, "old", actor="test", days=None)
    with session_scope(factory) as session:
        assert principal_for_token(session, token) is not None
        listed = accounts.tokens_of(session, name)
        row = next(t for t in listed if t.name == "bridge")
        assert row.expires_at is not None
        assert timedelta(days=89) < row.expires_at - utcnow() <= timedelta(days=90)
        assert next(t for t in listed if t.name == "old").expires_at is None
    with session_scope(factory) as session:  # as if 90 days had passed
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(expires_at=utcnow()))
    with session_scope(factory) as session:
        assert principal_for_token(session, token) is None
        assert principal_for_token(session, never) is not None
        assert next(t for t in accounts.tokens_of(session, name) if t.name == "bridge").state == (
            "expired"
        )


def test_tokens_are_listed_and_revoked_one_by_one(factory: sessionmaker[Session]) -> None:
    name = _user(factory)
    with session_scope(factory) as session:
        keep = create_api_token(session, name, "keep", actor="test")
        drop = create_api_token(session, name, "drop", actor="test")
    with session_scope(factory) as session:
        listed = {t.name: t for t in accounts.tokens_of(session, name)}
        assert {t.state for t in listed.values()} == {"live"}
        assert revoke_token(session, name, str(listed["drop"].id), actor="admin")
    with session_scope(factory) as session:
        assert principal_for_token(session, keep) is not None
        assert principal_for_token(session, drop) is None
        assert {t.name: t.state for t in accounts.tokens_of(session, name)} == {
            "keep": "live",
            "drop": "revoked",
        }
        kinds = session.scalars(select(Event.kind).where(Event.actor == "admin"))
        assert "token_revoked" in set(kinds)


@pytest.mark.parametrize("revoke", [True, False])
def test_a_new_password_revokes_tokens_unless_told_not_to(
    factory: sessionmaker[Session], revoke: bool
) -> None:
    name = _user(factory)
    with session_scope(factory) as session:
        token = create_api_token(session, name, "bridge", actor="test")
    with session_scope(factory) as session:
        count = set_password(
            session, name, "tinta-biru 7 gunung", actor="admin", revoke_tokens=revoke
        )
    assert count == (1 if revoke else 0)
    with session_scope(factory) as session:
        assert (principal_for_token(session, token) is None) is revoke


def test_expiry_times_are_aware(factory: sessionmaker[Session]) -> None:
    name = _user(factory)
    with session_scope(factory) as session:
        create_api_token(session, name, "x", actor="test", days=1)
    with session_scope(factory) as session:
        (token,) = accounts.tokens_of(session, name)
        assert isinstance(token.expires_at, datetime) and token.expires_at.tzinfo is not None


def test_bulk_reads_count_per_user_over_a_sliding_hour(factory: sessionmaker[Session]) -> None:
    from docproc.casework.auth import Principal
    from docproc.casework.throttle import BulkReadLimit, TooManyBulkReads

    now = [utcnow()]
    limit = BulkReadLimit(2, clock=lambda: now[0])
    reader = Principal(str(uuid.uuid4()), _name(), Role.supervisor, "token")
    with session_scope(factory) as session:
        limit.take(session, reader, "/api/v1/persons")
        limit.take(session, reader, "/api/v1/cases")
    with pytest.raises(TooManyBulkReads), session_scope(factory) as session:
        limit.take(session, reader, "/api/v1/persons")
    now[0] += timedelta(minutes=61)
    with session_scope(factory) as session:
        limit.take(session, reader, "/api/v1/persons")
        kinds = session.scalars(select(Event.kind).where(Event.actor == reader.username))
        assert list(kinds).count("bulk_read") == 3  # the refused one is not recorded
