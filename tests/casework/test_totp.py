"""docproc.casework.totp against RFC 6238's own test vectors, and the window and replay rules."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, unquote, urlparse

from docproc.casework import totp

# RFC 6238 appendix B: the SHA-1 key is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = {
    59: "94287082",
    1111111109: "07081804",
    1111111111: "14050471",
    1234567890: "89005924",
    2000000000: "69279037",
    20000000000: "65353130",
}


def test_the_codes_are_rfc_6238s() -> None:
    for at, code in RFC_VECTORS.items():
        assert totp.code_at(RFC_SECRET, totp.step_of(at), digits=8) == code
    # six digits, as the apps show them, are the last six of those
    assert totp.code_at(RFC_SECRET, totp.step_of(59)) == "287082"


def test_a_code_is_taken_within_one_step_of_now_and_never_twice() -> None:
    secret = totp.new_secret()
    now = 1_800_000_015.0
    step = totp.step_of(now)
    for offset in (-1, 0, 1):
        assert totp.verify(secret, totp.code_at(secret, step + offset), now=now) == step + offset
    for offset in (-2, 2):
        assert totp.verify(secret, totp.code_at(secret, step + offset), now=now) is None
    code = totp.code_at(secret, step)
    assert totp.verify(secret, code, now=now, last_step=step) is None  # used already
    assert totp.verify(secret, code, now=now, last_step=step - 1) == step
    assert totp.verify(secret, code[:3] + " " + code[3:], now=now) == step  # as typed, "123 456"
    for wrong in ("", "12345", "1234567", "abcdef", str((int(code) + 1) % 10**6).zfill(6)):
        assert totp.verify(secret, wrong, now=now) is None


def test_a_new_secret_is_160_random_bits_and_the_app_address_carries_it() -> None:
    secrets = {totp.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    secret = secrets.pop()
    assert len(secret) == 32 and len(base64.b32decode(secret)) == 20
    uri = urlparse(totp.provisioning_uri(secret, "nadia"))
    assert (uri.scheme, uri.netloc, unquote(uri.path)) == ("otpauth", "totp", "/docproc:nadia")
    query = parse_qs(uri.query)
    assert query["secret"] == [secret] and query["issuer"] == ["docproc"]
    assert query["digits"] == ["6"] and query["period"] == ["30"]
