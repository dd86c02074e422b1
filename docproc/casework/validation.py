"""What a reviewer may type into a field: each MRZ field by its type and length, and the
printed visual zone's and a form's fields (``viz.*``, ``form.*``): dates as dates, names as names,
anything else as text of at most :data:`MAX_TEXT_LENGTH` characters without control characters.

Pure functions (no database). A value that does not fit is refused with ``bad_fix`` rather than
saved: a fix is the truth the record ends up with, so ``2020-13-45``, ``17 MAY 1978``, a 100 kB
surname or a name with a NUL or a right-to-left override in it must never reach the database or
an export.

Each refusal carries a machine code (``not_a_date``, ``unknown_country``, ...) and its
parameters besides the English message, so the review page can show it beside the field in the
reviewer's language; the browser runs the same rules as the reviewer types (``static/task.js``).

:func:`check_digit_of` and :func:`mrz_check_digits` give what the live check-digit hint needs: the
digit the MRZ printed for a field, and the digit a typed value would have.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from docproc.errors import DocprocError, ExitCode
from docproc.reading.mrz.checkdigit import check_digit
from docproc.reading.mrz.countries import KNOWN_CODES

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_TEXT_LENGTH",
    "BadFix",
    "check_digit_of",
    "editable",
    "field_errors",
    "mrz_check_digits",
    "validate_field",
]

MAX_NAME_LENGTH = 100
#: A printed or form field that is neither a date nor a name (a place, an address, a phone
#: number, a remark) takes at most this many characters.
MAX_TEXT_LENGTH = 500
#: The prefixes of fields read from the printed page and from a form; ``form.raw:`` pairs
#: (labels the lexicon did not know) are mapped to a field, not edited.
_PRINTED = ("viz.", "form.")
_RAW = "form.raw:"
#: Printed and form fields checked as names and as dates, by the name after the prefix.
_PRINTED_NAMES = frozenset({"surname", "given_names", "name"})
_NAME_PUNCTUATION = frozenset(" -'.,<")
_COUNTRY = re.compile(r"^[A-Z<]{1,3}$")
_DOCUMENT_CODE = re.compile(r"^[A-Z][A-Z0-9<]?$")
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9<]{1,20}$")
_OPTIONAL = re.compile(r"^[A-Z0-9< ]{1,30}$")
_SEX = frozenset({"M", "F", "X", "<"})
_EARLIEST_BIRTH = date(1900, 1, 1)
#: Where each check digit sits in the MRZ lines, per document type: field -> (line, value
#: start, value end, position of its check digit). Document numbers of TD1 and TD3 as printed
#: (an overlong number continues in the optional data; then no hint is given).
_CHECK_POSITIONS: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "TD1": {
        "document_number": (0, 5, 14, 14),
        "birth_date": (1, 0, 6, 6),
        "expiry_date": (1, 8, 14, 14),
    },
}
for _kind in ("TD2", "TD3", "MRVA", "MRVB"):
    _CHECK_POSITIONS[_kind] = {
        "document_number": (1, 0, 9, 9),
        "birth_date": (1, 13, 19, 19),
        "expiry_date": (1, 21, 27, 27),
    }


class BadFix(DocprocError):
    reason = "bad_fix"
    fix = (
        "Dates as YYYY-MM-DD, countries as 3-letter codes, sex M, F or X, document numbers of "
        f"letters and digits, names of letters only (up to {MAX_NAME_LENGTH}); no control or "
        "direction characters."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments

    def __init__(self, message: str, *, field: str = "", code: str = "", **params: Any) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.params = params


def _no_control(name: str, value: str) -> None:
    for char in value:
        # Cc control (NUL, newlines), Cf format (RLO and other direction overrides, zero-width),
        # Cs/Co/Cn surrogates, private use, unassigned
        if unicodedata.category(char)[0] == "C":
            raise BadFix(
                f"{name}: control or format character U+{ord(char):04X}",
                field=name,
                code="control_character",
            )


def _at_most(name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise BadFix(
            f"{name}: longer than {limit} characters", field=name, code="too_long", limit=limit
        )


def _name(name: str, value: str) -> None:
    _at_most(name, value, MAX_NAME_LENGTH)
    for char in value:
        if char not in _NAME_PUNCTUATION and unicodedata.category(char)[0] not in {"L", "M"}:
            raise BadFix(
                f"{name}: {char!r} is not a letter", field=name, code="not_a_letter", char=char
            )


def _date(name: str, value: str) -> None:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or len(value) != 10:
        raise BadFix(
            f"{name}: {value[:20]!r} is not a date as YYYY-MM-DD", field=name, code="not_a_date"
        )
    if name == "birth_date" and not _EARLIEST_BIRTH <= parsed <= date.today():
        raise BadFix(
            f"{name}: {value} is not a plausible date of birth",
            field=name,
            code="implausible_birth_date",
        )


def _pattern(pattern: re.Pattern[str], what: str, code: str) -> Callable[[str, str], None]:
    def check(name: str, value: str) -> None:
        if not pattern.match(value):
            raise BadFix(f"{name}: {value[:40]!r} is not {what}", field=name, code=code)

    return check


def _country(name: str, value: str) -> None:
    _pattern(_COUNTRY, "a 3-letter country code", "not_a_country_code")(name, value)
    if value.replace("<", "") and value not in KNOWN_CODES:
        raise BadFix(
            f"{name}: {value!r} is not a known country code", field=name, code="unknown_country"
        )


def _sex(name: str, value: str) -> None:
    if value not in _SEX:
        raise BadFix(f"{name}: {value[:10]!r} is not M, F or X", field=name, code="not_a_sex")


_CHECKS: dict[str, Callable[[str, str], None]] = {
    "document_code": _pattern(
        _DOCUMENT_CODE, "a document code (P, I, ID, V, ...)", "not_a_document_code"
    ),
    "issuing_country": _country,
    "nationality": _country,
    "surname": _name,
    "given_names": _name,
    "document_number": _pattern(
        _DOCUMENT_NUMBER, "a document number (letters and digits)", "not_a_document_number"
    ),
    "birth_date": _date,
    "expiry_date": _date,
    "sex": _sex,
    "optional_data": _pattern(_OPTIONAL, "letters and digits (up to 30)", "not_optional_data"),
    "optional_data_2": _pattern(_OPTIONAL, "letters and digits (up to 30)", "not_optional_data"),
}


def _text(name: str, value: str) -> None:
    _at_most(name, value, MAX_TEXT_LENGTH)


def editable(name: str) -> bool:
    """Whether a reviewer may correct the field ``name``: an MRZ field, or a field read from the
    printed page or a form (not an entity, not an unmapped form pair)."""
    return name in _CHECKS or (name.startswith(_PRINTED) and not name.startswith(_RAW))


def _check_of(name: str) -> Callable[[str, str], None] | None:
    if name in _CHECKS:
        return _CHECKS[name]
    if not editable(name):
        return None
    base = name.split(".", 1)[1]
    if base in _PRINTED_NAMES:
        return _name
    if base == "date" or base.endswith("_date"):
        return _date
    return _text


def validate_field(name: str, value: str | None) -> None:
    """Refuse a value that does not fit the field (``None``, clearing the field, always fits)."""
    if value is None:
        return
    _no_control(name, value)
    check = _check_of(name)
    if check is None:
        raise BadFix(f"unknown field {name[:40]!r}", field=name, code="unknown_field")
    check(name, value)


def field_errors(values: Mapping[str, str | None]) -> dict[str, BadFix]:
    """Every field of ``values`` that does not fit, with its refusal (empty when all fit)."""
    errors: dict[str, BadFix] = {}
    for name, value in values.items():
        try:
            validate_field(name, value)
        except BadFix as error:
            errors[name] = error
    return errors


def check_digit_of(name: str, value: str | None) -> str | None:
    """The ICAO check digit a value of ``name`` would have in the MRZ (dates as YYMMDD)."""
    if not value:
        return None
    if name in ("birth_date", "expiry_date"):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return None
        value = value[2:4] + value[5:7] + value[8:10]
    elif name != "document_number" or not _DOCUMENT_NUMBER.match(value):
        return None
    return check_digit(value)


def mrz_check_digits(doc_type: str | None, lines: Sequence[str]) -> dict[str, str]:
    """The check digits the MRZ printed, by field (only fields the MRZ gives one for)."""
    positions = _CHECK_POSITIONS.get((doc_type or "").upper(), {})
    found: dict[str, str] = {}
    for name, (line, _start, _end, at) in positions.items():
        if line < len(lines) and at < len(lines[line]) and lines[line][at].isdigit():
            found[name] = lines[line][at]
    return found
