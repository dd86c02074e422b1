"""The checked MRZ as a prior for the visual zone: what each MRZ-backed field should read,
whether a reading agrees, value shapes per field, and finding a printed value whose label
was not read.

The MRZ never supplies a value here: it only picks among readings of the printed text and
points at printed words. A field the visual zone does not show stays missing, and a printed
value that differs from the MRZ is read as printed (the cross-check reports it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from docproc.reading.extract.crosscheck import full_name_matches, name_matches
from docproc.reading.extract.layout import similarity
from docproc.reading.extract.normalise import (
    clean_document_number,
    country_code,
    icao_name,
    normalise_sex,
    parse_date,
    repair_symbols,
)
from docproc.reading.extract.page import OcrWord, PageText, TextLine
from docproc.reading.mrz.countries import is_known_code
from docproc.reading.mrz.model import ParsedMRZ

_NAMES = frozenset({"surname", "given_names", "name"})


def expected_values(mrz: ParsedMRZ) -> dict[str, str]:
    """Normalised visual-zone values the MRZ implies (names as the MRZ holds them: possibly
    truncated; nationality as its code)."""
    out: dict[str, str] = {}
    code = mrz.document_code.strip("<")
    if code:
        out["document_code"] = code
    if mrz.issuing_country.strip("<"):
        out["issuing_country"] = mrz.issuing_country.strip("<")
    if mrz.document_number.strip("<"):
        out["document_number"] = clean_document_number(mrz.document_number)
    surname = mrz.surname.replace("<", " ").strip()
    given = mrz.given_names.replace("<", " ").strip()
    if surname:
        out["surname"] = surname
    if given:
        out["given_names"] = given
    if surname or given:
        out["name"] = f"{given} {surname}".strip()
    if mrz.nationality.strip("<"):
        out["nationality"] = mrz.nationality.strip("<")
    if mrz.birth_date is not None:
        out["birth_date"] = mrz.birth_date.isoformat()
    if mrz.expiry_date is not None:
        out["expiry_date"] = mrz.expiry_date.isoformat()
    if mrz.sex in ("M", "F", "X"):
        out["sex"] = mrz.sex
    return out


def agreement(key: str, value: str, mrz: ParsedMRZ, raw: str = "") -> int:
    """2 when a normalised visual-zone ``value`` of ``key`` is exactly what the MRZ says, 1
    when it agrees allowing for MRZ truncation and transliteration (or, for a document
    number, when the ``raw`` reading differs only at misread symbols such as ``£`` for ``E``),
    0 when it does not."""
    if not agrees(key, value, mrz):
        want = expected_values(mrz).get(key, "")
        repaired = key == "document_number" and want and repair_symbols(raw, want, confusables=True)
        return 1 if repaired else 0
    want = expected_values(mrz).get(key, "")
    if key in _NAMES:
        return 2 if icao_name(value) == want else 1
    return 2


def _whole_name(value: str, mrz: ParsedMRZ) -> bool:
    """``value`` holds both the surname and the given names of the MRZ."""
    return bool(
        mrz.surname.strip("<")
        and mrz.given_names.strip("<")
        and full_name_matches(mrz.surname, mrz.given_names, value)
    )


def agrees(key: str, value: str, mrz: ParsedMRZ) -> bool:
    """Whether a normalised visual-zone ``value`` of ``key`` says what the MRZ says."""
    want = expected_values(mrz).get(key)
    if not want or not value:
        return False
    if key in ("surname", "given_names") and _whole_name(value, mrz):
        return False  # the whole name, printed on one line
    if key == "surname":
        return name_matches(mrz.surname, value)
    if key == "given_names":
        return name_matches(mrz.given_names, value)
    if key == "name":
        return full_name_matches(mrz.surname, mrz.given_names, value)
    if key == "nationality":
        return country_code(value) == want
    if key == "document_number":
        return clean_document_number(value) == want
    return value == want


_SHAPES: dict[str, re.Pattern[str]] = {
    "document_code": re.compile(r"[A-Z][A-Z0-9]?"),
    "document_number": re.compile(r"[A-Z0-9]{5,}"),
    "sex": re.compile(r"[MFX]"),
}


def shape_ok(key: str, value: str) -> bool:
    """Whether a normalised value has the shape its field takes on any document."""
    if key == "issuing_country":
        return 1 <= len(value) <= 3 and is_known_code(value.ljust(3, "<"))
    if key in _SHAPES:
        return _SHAPES[key].fullmatch(value) is not None
    if key in ("birth_date", "issue_date", "expiry_date"):
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
    if key in _NAMES:
        return bool(icao_name(value)) and not re.search(r"\d", value)
    return bool(value.strip())


def _line_matches(key: str, line: TextLine, want: str, mrz: ParsedMRZ) -> float:
    """How well a whole printed line reads as ``key``'s MRZ value (0: not at all)."""
    text = line.text
    if key in ("birth_date", "expiry_date"):
        d = parse_date(text)
        return 1.0 if d is not None and d.isoformat() == want else 0.0
    if key == "sex":
        return 1.0 if len(line.words) == 1 and normalise_sex(text) == want else 0.0
    if key in ("document_code", "issuing_country"):
        # exact and alone on its line: one or two letters are found everywhere in noise
        return 1.0 if text.strip() == want else 0.0
    if key == "nationality":
        return 1.0 if country_code(text) == want and not re.fullmatch(r"[A-Z]{3}", text) else 0.0
    if key == "document_number":
        got = clean_document_number(text)
        s = similarity(got, want)
        return s if s >= 0.75 and len(got) >= 5 else 0.0
    # names: the whole line against the MRZ name (allowing MRZ truncation)
    got = icao_name(text)
    if not got or re.search(r"\d", got):
        return 0.0
    if agrees(key, text.upper(), mrz):
        return 1.0
    if key != "name" and _whole_name(text, mrz):
        return 0.0
    compact, target = got.replace(" ", ""), want.replace(" ", "")
    s = similarity(compact, target)
    if len(compact) > len(target):  # the MRZ may have cut the name
        s = max(s, similarity(compact[: len(target)], target))
    return s if s >= 0.8 and len(compact) >= 3 else 0.0


def locate(page: PageText, key: str, mrz: ParsedMRZ, taken: Iterable[OcrWord]) -> TextLine | None:
    """The one printed line that reads as ``key``'s MRZ value, among lines none of whose words
    are ``taken`` (labels, other values). ``None`` when there is none or more than one (the
    state name in the header and the nationality, say)."""
    want = expected_values(mrz).get(key)
    if not want:
        return None
    used = {id(w) for w in taken}
    scored = [
        (score, line)
        for line in page.lines
        if not any(id(w) in used for w in line.words)
        and (score := _line_matches(key, line, want, mrz)) > 0
    ]
    if len(scored) != 1:
        best = sorted(scored, key=lambda sl: -sl[0])
        if len(best) >= 2 and best[0][0] == 1.0 and best[1][0] < 0.9:
            return best[0][1]
        return None
    return scored[0][1]
