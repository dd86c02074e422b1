"""Cross-checks between the MRZ and the visual zone, and of the dates themselves.

Each finding is a named code. Doubts about the reading send the record to review:

* ``date_order`` -- birth < issue < expiry does not hold;
* ``implausible_age`` -- the holder would be under 0 or over 120 years old today.

Facts about the document are *warnings* (:data:`DOCUMENT_WARNINGS`, split off by
:func:`split_warnings`); which of them also send a record to review is an installation setting
(``DOCPROC_REVIEW_WARNINGS``, default: a mismatch only):

* ``mrz_viz_mismatch:<field>`` -- surname, given_names, name, birth_date, expiry_date,
  document_number, sex, nationality disagree between MRZ and visual zone;
* ``expired`` -- the expiry date is before today;
* ``not_yet_valid`` -- the issue date is after today;
* ``minor`` -- the holder is under 18 on the day of registration (a protection flag).

Pure code over plain field mappings (MRZ fields as in ``MRZRead.to_json()``, visual-zone
values as normalised by :mod:`docproc.reading.extract.viz`), so each rule can be tested alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from docproc.reading.extract.fields import Field
from docproc.reading.extract.normalise import (
    clean_document_number,
    confusable,
    country_code,
    icao_name,
    repair_symbols,
)
from docproc.reading.mrz.model import ParsedMRZ

MAX_AGE = 120
ADULT_AGE = 18

#: Kinds of finding that are facts about the document, not doubts about the reading.
DOCUMENT_WARNINGS = ("expired", "not_yet_valid", "minor", "mrz_viz_mismatch")


def warning_kind(code: str) -> str:
    """``mrz_viz_mismatch:surname`` -> ``mrz_viz_mismatch``."""
    return code.partition(":")[0]


def split_warnings(codes: list[str] | tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(review reasons, document warnings) of a list of finding codes, order kept."""
    warnings = [c for c in codes if warning_kind(c) in DOCUMENT_WARNINGS]
    return [c for c in codes if warning_kind(c) not in DOCUMENT_WARNINGS], warnings


def _names(text: str) -> list[tuple[str, ...]]:
    """Both ICAO transliterations (Ä -> AE and Ä -> A) as token tuples."""
    return [tuple(icao_name(text).split()), tuple(icao_name(text, alternative=True).split())]


def name_matches(mrz: str, viz: str) -> bool:
    """``viz`` agrees with ``mrz`` allowing for MRZ truncation (the MRZ may cut the last name)."""
    want = tuple(mrz.replace("<", " ").split())
    if not want:
        return not icao_name(viz)
    for got in _names(viz):
        joined, mjoined = " ".join(got), " ".join(want)
        if joined == mjoined:
            return True
        if mjoined and joined.startswith(mjoined) and len(mjoined) >= 3:
            return True  # truncated in the MRZ
        if "".join(got) == "".join(want):  # 'AL JUBOURI' vs 'ALJUBOURI'
            return True
    return False


def full_name_matches(surname: str, given: str, viz_name: str) -> bool:
    """A single printed name ("Nama / Name") holds the same words as MRZ surname + given names,
    in either order (Indonesian documents print given names first)."""
    want = sorted((surname + " " + given).replace("<", " ").split())
    for got in _names(viz_name):
        if sorted(got) == want:
            return True
        # truncated MRZ: every MRZ word is a word (or the prefix of the last word) of the name
        if (
            want
            and all(any(g == w or g.startswith(w) for g in got) for w in want)
            and len(got) >= len(want)
        ):
            return True
    return False


def _iso(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def mrz_vs_viz(mrz: Mapping[str, object], viz: Mapping[str, str]) -> list[str]:
    """Reasons where the visual zone disagrees with the MRZ (fields missing on either side are
    not compared)."""
    reasons: list[str] = []

    def s(key: str) -> str:
        value = mrz.get(key)
        return value if isinstance(value, str) else ""

    if viz.get("surname") and s("surname") and not name_matches(s("surname"), viz["surname"]):
        reasons.append("mrz_viz_mismatch:surname")
    if (
        viz.get("given_names")
        and s("given_names")
        and not name_matches(s("given_names"), viz["given_names"])
    ):
        reasons.append("mrz_viz_mismatch:given_names")
    if (
        viz.get("name")
        and (s("surname") or s("given_names"))
        and not full_name_matches(s("surname"), s("given_names"), viz["name"])
    ):
        reasons.append("mrz_viz_mismatch:name")
    for key in ("birth_date", "expiry_date"):
        if viz.get(key) and s(key) and viz[key] != s(key):
            reasons.append(f"mrz_viz_mismatch:{key}")
    if (
        viz.get("document_number")
        and s("document_number")
        and clean_document_number(viz["document_number"])
        != clean_document_number(s("document_number"))
    ):
        reasons.append("mrz_viz_mismatch:document_number")
    if viz.get("sex") and s("sex") and viz["sex"] != s("sex"):
        reasons.append("mrz_viz_mismatch:sex")
    if viz.get("nationality") and s("nationality"):
        code = country_code(viz["nationality"])
        if code is not None and code != s("nationality").strip("<"):
            reasons.append("mrz_viz_mismatch:nationality")
    return reasons


def date_rules(
    birth: date | None, issue: date | None, expiry: date | None, today: date | None = None
) -> list[str]:
    """``expired``, ``not_yet_valid``, ``minor``, ``date_order`` and ``implausible_age`` for one
    document's dates (``today``: the day of registration)."""
    now = today or date.today()
    reasons: list[str] = []
    if expiry is not None and expiry < now:
        reasons.append("expired")
    if issue is not None and issue > now:
        reasons.append("not_yet_valid")
    if birth is not None and 0 <= _age(birth, now) < ADULT_AGE:
        reasons.append("minor")
    ordered = [d for d in (birth, issue, expiry) if d is not None]
    if any(a >= b for a, b in itertools.pairwise(ordered)):
        reasons.append("date_order")
    if birth is not None and not 0 <= _age(birth, now) <= MAX_AGE:
        reasons.append("implausible_age")
    return reasons


def crosscheck(
    mrz: Mapping[str, object] | None, viz: Mapping[str, str], today: date | None = None
) -> list[str]:
    """All reasons for one document: MRZ vs visual zone, then the date rules over the best
    available dates (MRZ first, the visual zone where the MRZ has none)."""
    reasons = mrz_vs_viz(mrz, viz) if mrz else []

    def pick(key: str) -> date | None:
        from_mrz = _iso(mrz.get(key) if mrz and isinstance(mrz.get(key), str) else None)  # type: ignore[arg-type]
        return from_mrz or _iso(viz.get(key))

    reasons += date_rules(pick("birth_date"), pick("issue_date"), pick("expiry_date"), today)
    return reasons


# Characters OCR confuses in sans-serif print; the MRZ (check digits) decides between them.
def same_but_confusables(viz: str, mrz: str) -> bool:
    """Equal length and every differing character is an OCR confusion pair (O/0, I/1, ...)."""
    return (
        len(viz) == len(mrz)
        and viz != mrz
        and all(confusable(a, b) for a, b in zip(viz, mrz, strict=True))
    )


def reconcile_with_mrz(fields: dict[str, Field], mrz: ParsedMRZ) -> dict[str, Field]:
    """Resolve O/0-type confusions in visual-zone values the MRZ also holds, when the MRZ field
    is protected by a passing check digit (document number) or the whole MRZ is valid (names).
    Anything else that differs is left alone for the cross-checks to report."""
    out = dict(fields)
    doc = out.get("document_number")
    if doc is not None and mrz.checks.get("document_number"):
        want = clean_document_number(mrz.document_number)
        if same_but_confusables(doc.value, want):
            out["document_number"] = replace(doc, value=want, note="confusables_from_mrz")
        elif repair_symbols(doc.raw, want, confusables=True):
            out["document_number"] = replace(doc, value=want, note="symbols_from_mrz")
    if mrz.valid:
        for key, want_raw in (("surname", mrz.surname), ("given_names", mrz.given_names)):
            f = out.get(key)
            want = want_raw.replace("<", " ").strip()
            if f is not None and want and same_but_confusables(f.value, want):
                out[key] = replace(f, value=want, note="confusables_from_mrz")
        f = out.get("name")
        if f is not None:
            words = f.value.split()
            mrz_words = (mrz.given_names + " " + mrz.surname).replace("<", " ").split()
            fixed = [next((m for m in mrz_words if same_but_confusables(w, m)), w) for w in words]
            if fixed != words:
                out["name"] = replace(f, value=" ".join(fixed), note="confusables_from_mrz")
    return out
