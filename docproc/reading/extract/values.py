"""Typed normalisers of form values: one per field type of the schema (``schema.FIELD_TYPES``).

Pure functions, no I/O. Each returns the normalised value and whether it is valid; the raw text
is kept by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docproc.reading.extract.layout import similarity
from docproc.reading.extract.normalise import (
    COUNTRY_CODES,
    clean_document_number,
    clean_text,
    country_code,
    normalise_sex,
    parse_date,
)

__all__ = ["Normalised", "normalise_nationality", "normalise_phone", "normalise_value"]

#: The country calling code a phone number without one is taken to be in (Indonesia).
DEFAULT_CALLING_CODE = "62"

#: Ethnic groups often written where a form asks for nationality; recorded as ethnicity.
ETHNIC_GROUPS = frozenset({"ROHINGYA", "HAZARA", "TAMIL", "KURD", "KURDISH", "ORO MO", "OROMO"})

_STATELESS = re.compile(
    r"\b(TANPA\s*KEWARGA\s*NEGARAAN|STATELESS(\s*PERSON)?|TIDAK\s*BERKEWARGANEGARAAN)\b"
)


@dataclass(frozen=True)
class Normalised:
    value: str
    valid: bool = True
    note: str = ""
    extra: tuple[tuple[str, str], ...] = ()  # more fields the value gives (key, value)


def normalise_phone(text: str, calling_code: str = DEFAULT_CALLING_CODE) -> str | None:
    """E.164 (``+6281234567890``) from a printed number: ``+62 812-3456-7890``,
    ``0812 3456 7890`` (a national number, trunk prefix 0), ``62812...``; ``None`` when it
    does not have 8 to 15 digits."""
    t = text.strip().translate(str.maketrans("OolI", "0011"))
    plus = t.lstrip().startswith("+")
    digits = re.sub(r"\D", "", t)
    if t.startswith("00"):
        digits, plus = digits[2:], True
    elif not plus:
        if digits.startswith("0"):
            digits = calling_code + digits[1:]
        elif not digits.startswith(calling_code):
            digits = calling_code + digits
    if not 8 <= len(digits) <= 15:
        return None
    return "+" + digits


def normalise_nationality(text: str) -> Normalised:
    """An ICAO code from a printed nationality: country names and adjectives (English,
    Indonesian), ``Tanpa kewarganegaraan`` / ``Stateless`` -> ``XXA``. An ethnic group written
    as nationality (``Rohingya``) is recorded as ethnicity, and the nationality is what else
    the value says (``Rohingya / Myanmar`` -> MMR), else ``XXX`` (unspecified) for review."""
    up = clean_text(text).upper()
    if _STATELESS.search(up.replace("-", " ")):
        return Normalised("XXA")
    words = [w for w in re.split(r"[^A-Z]+", up) if w]
    ethnic = [w for w in words if w in ETHNIC_GROUPS]
    extra = (("ethnicity", ethnic[0]),) if ethnic else ()
    code = country_code(up)
    if code is None:
        rest = [w for w in words if w not in ETHNIC_GROUPS]
        for n in (2, 1):
            for i in range(len(rest) - n + 1):
                code = code or country_code(" ".join(rest[i : i + n]))
    if code is None:
        code = _nearest_country(" ".join(w for w in words if w not in ETHNIC_GROUPS))
    if code is None and ethnic:
        return Normalised("XXX", True, "ethnicity_not_nationality", extra)
    if code is None:
        return Normalised(up, False, "unknown_nationality", extra)
    return Normalised(code, True, "", extra)


def _nearest_country(name: str) -> str | None:
    """The code of the one country name within an OCR slip of ``name`` (``IRAO`` -> IRQ):
    edit-similarity >= 0.75 for names of five letters or more, clearly nearer than any other."""
    if len(name) < 4:
        return None
    fold = str.maketrans("Q0D15", "OOOIS")  # letters OCR confuses count as one
    name = name.translate(fold)
    scored = sorted(
        ((similarity(name, known.translate(fold)), code) for known, code in COUNTRY_CODES.items()),
        reverse=True,
    )
    best, code = scored[0]
    runner = next((s for s, c in scored[1:] if c != code), 0.0)
    return code if best >= 0.75 and best - runner >= 0.1 else None


def normalise_value(ftype: str, text: str) -> Normalised:
    """The value of a field of type ``ftype`` (not ``place_date``: see ``split_place_date``)."""
    t = clean_text(text)
    if ftype == "date":
        d = parse_date(t)
        return Normalised(d.isoformat(), True) if d else Normalised(t, False, "unreadable_date")
    if ftype == "sex":
        s = normalise_sex(t)
        return Normalised(s, True) if s else Normalised(t.upper(), False, "unreadable_sex")
    if ftype == "phone":
        p = normalise_phone(t)
        return Normalised(p, True) if p else Normalised(t, False, "unreadable_phone")
    if ftype == "country":
        return normalise_nationality(t)
    if ftype == "document_number":
        return Normalised(clean_document_number(t), bool(clean_document_number(t)))
    if ftype in ("person_name", "place", "case_number"):
        return Normalised(re.sub(r"\s+", " ", t.upper()).strip(" .,"))
    return Normalised(t)
