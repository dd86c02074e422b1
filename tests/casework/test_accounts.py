"""Passwords against the policy and the shipped common-password list; the login throttle per
account and per address, with bounded memory."""

from __future__ import annotations

import pytest

from docproc.casework.auth import (
    InvalidUser,
    LoginThrottle,
    TooManyAttempts,
    check_password,
    common_passwords,
)


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


def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere() -> None:
    throttle = LoginThrottle(limit=5, address_limit=20, account_limit=50)
    for _ in range(5):
        throttle.failed("amira", "203.0.113.9")
    with pytest.raises(TooManyAttempts):
        throttle.check("amira", "203.0.113.9")
    throttle.check("amira", "10.0.0.5")  # the real user, from the desk's own machine


def test_one_address_guessing_many_accounts_is_stopped() -> None:
    throttle = LoginThrottle(limit=5, address_limit=20, account_limit=50)
    for i in range(20):
        throttle.failed(f"user{i}", "203.0.113.9")
    with pytest.raises(TooManyAttempts):
        throttle.check("someone-new", "203.0.113.9")
    throttle.check("someone-new", "10.0.0.5")


def test_one_account_guessed_from_many_addresses_is_stopped() -> None:
    throttle = LoginThrottle(limit=5, address_limit=20, account_limit=50)
    for i in range(50):
        throttle.failed("amira", f"198.51.100.{i}")
    with pytest.raises(TooManyAttempts):
        throttle.check("amira", "10.0.0.5")


def test_junk_user_names_cannot_grow_memory() -> None:
    throttle = LoginThrottle(max_keys=300)
    for i in range(2000):
        throttle.failed(f"{i}-" + "x" * 1_000_000, f"198.51.{i // 256}.{i % 256}")
    assert len(throttle) <= 300
    assert all(len(key) < 200 for key in throttle._failures)
