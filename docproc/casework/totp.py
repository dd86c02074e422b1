"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): the second factor of a login.

Pure functions, no I/O. A secret is 20 random bytes written in base32 (what authenticator apps
take); a code is 6 digits for a 30-second step, HMAC-SHA1 as every common app computes it. A
code is accepted for the step before and after the current one (clocks drift), and never twice:
the caller keeps the last step used and passes it back (:func:`verify` refuses steps at or before
it), so a code seen over a shoulder or in a log cannot be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

__all__ = [
    "DIGITS",
    "STEP_SECONDS",
    "code_at",
    "new_secret",
    "provisioning_uri",
    "step_of",
    "verify",
]

STEP_SECONDS = 30
DIGITS = 6
#: Steps either side of now a code is still taken for (one: 30 s of clock drift).
WINDOW = 1


def new_secret() -> str:
    """A new secret: 160 random bits in base32 without padding (32 characters)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    text = secret.strip().replace(" ", "").upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def step_of(now: float | None = None) -> int:
    """The 30-second step ``now`` (seconds since the epoch; default: the clock) falls in."""
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int, digits: int = DIGITS) -> str:
    """The code for ``step`` (HOTP with the step as the counter, RFC 4226 section 5.3)."""
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def verify(
    secret: str, code: str, *, now: float | None = None, last_step: int | None = None
) -> int | None:
    """The step ``code`` is right for, within :data:`WINDOW` steps of now and after
    ``last_step``; None when it is not (wrong, too old, or used already)."""
    typed = "".join(code.split())
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    current = step_of(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, step), typed):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "docproc") -> str:
    """The ``otpauth://`` address an authenticator app reads from the enrolment QR code."""
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"
