"""What a reviewer may type into a field: each MRZ field by its type and length.

Pure functions (no database). A value that does not fit is refused with ``bad_fix`` rather than
saved: a fix is the truth the record ends up with, so ``2020-13-45``, a 100 kB surname or a name
with a NUL or a right-to-left override in it must never reach the database or an export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

from docproc.errors import DocprocError, ExitCode

__all__ = ["MAX_NAME_LENGTH", "BadFix", "validate_field"]

MAX_NAME_LENGTH = 100
_NAME_PUNCTUATION = frozenset(" -'.,<")
_COUNTRY = re.compile(r"^[A-Z<]{1,3}$")
_DOCUMENT_CODE = re.compile(r"^[A-Z][A-Z0-9<]?$")
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9<]{1,20}$")
_OPTIONAL = re.compile(r"^[A-Z0-9< ]{1,30}$")
_SEX = frozenset({"M", "F", "X", "<"})
_EARLIEST_BIRTH = date(1900, 1, 1)


class BadFix(DocprocError):
    reason = "bad_fix"
    fix = (
        "Dates as YYYY-MM-DD, countries as 3-letter codes, sex M, F or X, document numbers of "
        f"letters and digits, names of letters only (up to {MAX_NAME_LENGTH}); no control or "
        "direction characters."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments


def _no_control(name: str, value: str) -> None:
    for char in value:
        # Cc control (NUL, newlines), Cf format (RLO and other direction overrides, zero-width),
        # Cs/Co/Cn surrogates, private use, unassigned
        if unicodedata.category(char)[0] == "C":
            raise BadFix(f"{name}: control or format character U+{ord(char):04X}")


def _name(name: str, value: str) -> None:
    if len(value) > MAX_NAME_LENGTH:
        raise BadFix(f"{name}: longer than {MAX_NAME_LENGTH} characters")
    for char in value:
        if char not in _NAME_PUNCTUATION and unicodedata.category(char)[0] not in {"L", "M"}:
            raise BadFix(f"{name}: {char!r} is not a letter")


def _date(name: str, value: str) -> None:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise BadFix(f"{name}: {value[:20]!r} is not a date as YYYY-MM-DD") from None
    if len(value) != 10:
        raise BadFix(f"{name}: write the date as YYYY-MM-DD")
    if name == "birth_date" and not _EARLIEST_BIRTH <= parsed <= date.today():
        raise BadFix(f"{name}: {value} is not a plausible date of birth")


def _pattern(pattern: re.Pattern[str], what: str) -> Callable[[str, str], None]:
    def check(name: str, value: str) -> None:
        if not pattern.match(value):
            raise BadFix(f"{name}: {value[:40]!r} is not {what}")

    return check


def _sex(name: str, value: str) -> None:
    if value not in _SEX:
        raise BadFix(f"{name}: {value[:10]!r} is not M, F or X")


_CHECKS: dict[str, Callable[[str, str], None]] = {
    "document_code": _pattern(_DOCUMENT_CODE, "a document code (P, I, ID, V, ...)"),
    "issuing_country": _pattern(_COUNTRY, "a 3-letter country code"),
    "nationality": _pattern(_COUNTRY, "a 3-letter country code"),
    "surname": _name,
    "given_names": _name,
    "document_number": _pattern(_DOCUMENT_NUMBER, "a document number (letters and digits)"),
    "birth_date": _date,
    "expiry_date": _date,
    "sex": _sex,
    "optional_data": _pattern(_OPTIONAL, "letters and digits (up to 30)"),
    "optional_data_2": _pattern(_OPTIONAL, "letters and digits (up to 30)"),
}


def validate_field(name: str, value: str | None) -> None:
    """Refuse a value that does not fit the field (``None``, clearing the field, always fits)."""
    if value is None:
        return
    _no_control(name, value)
    check = _CHECKS.get(name)
    if check is None:
        raise BadFix(f"unknown field {name[:40]!r}")
    check(name, value)
