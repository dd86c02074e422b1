"""Pure MRZ parser with OCR-guided correction (ICAO Doc 9303 Parts 3-7).

No I/O and no logging: text in, :class:`~docproc.reading.mrz.model.ParsedMRZ` out. The rules (type
detection, length repair, per-field confusion fixes, the century rule and what is a warning
rather than a failure) are described in ``docs/mrz-parsing.md``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations, product

from docproc.reading.mrz.checkdigit import is_valid
from docproc.reading.mrz.countries import KNOWN_CODES, is_known_code
from docproc.reading.mrz.model import Correction, MRZType, ParsedMRZ

__all__ = ["mrz_likelihood", "normalise_line", "parse_mrz"]

MRZ_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")

# Glyphs OCR engines return for the filler '<'.
_FILLER_GLYPHS = str.maketrans(dict.fromkeys("«‹〈《⟨＜≤([{", "<"))
# Letters OCR engines read in place of '<' inside runs of fillers (EDGE_CASES 1).
_FILLER_LOOKALIKES = frozenset("KCELX")

# A letter read where only a digit may stand, and the reverse (EDGE_CASES 2).
_TO_DIGIT = {"O": "0", "D": "0", "Q": "0", "I": "1", "Z": "2", "S": "5", "B": "8", "G": "6"}
_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G"}
LETTER_FOR_DIGIT = _TO_LETTER  # what a digit read in a letters-only field stands for
# Confusable pairs tried in alphanumeric fields, where only a check digit may choose. G/6 is
# left out: G (16) and 6 weigh the same mod 10, so no check digit can tell them apart.
_ALNUM_SWAPS = {"0": "O", "O": "0", "D": "0", "Q": "0", "1": "I", "I": "1", "2": "Z",
                "Z": "2", "5": "S", "S": "5", "8": "B", "B": "8"}  # fmt: skip
_MAX_ALNUM_CHANGES = 2
_SHAPE_ALIKE = {"O": "CGQD0", "C": "OG", "G": "CO6", "Q": "O0", "D": "O0", "0": "ODQC", "Z": "N2",
                "N": "ZM", "M": "N", "3": "J", "J": "3", "U": "V", "V": "U", "1": "IL",
                "I": "1L", "L": "I1", "8": "B", "B": "8", "5": "S", "S": "5"}  # fmt: skip
_EXPIRY_HORIZON_YEARS = 30

# Rules recorded on each Correction.
RULE_DIGIT = "digit_field"
RULE_LETTER = "letter_field"
RULE_FILLER = "filler"
RULE_COUNTRY = "country_code"
RULE_CHECK = "check_digit_choice"
RULE_INSERT = "length_insert"
RULE_DELETE = "length_delete"

# Field kinds, and the template class each gives its positions.
_CLASS_OF_KIND = {"code": "A", "country": "A", "name": "A", "date": "N", "digits": "N",
                  "check": "C", "sex": "S", "alnum": "X", "docnum": "X"}  # fmt: skip


@dataclass(frozen=True)
class _Field:
    name: str
    line: int
    start: int
    end: int  # exclusive
    kind: str


@dataclass(frozen=True)
class _Layout:
    key: str
    mrz_type: MRZType
    shape: tuple[int, int]
    fields: tuple[_Field, ...]
    # check name -> (segments making the checked string, (line, column) of the check digit)
    checks: tuple[tuple[str, tuple[tuple[int, int, int], ...], tuple[int, int]], ...]


def _f(name: str, line: int, start: int, end: int, kind: str) -> _Field:
    return _Field(name, line, start, end, kind)


def _two_line(key: str, mrz_type: MRZType, width: int, visa: bool) -> _Layout:
    opt_end = width - 1 if not visa else width
    fields = [
        _f("document_code", 0, 0, 2, "code"),
        _f("issuing_country", 0, 2, 5, "country"),
        _f("names", 0, 5, width, "name"),
        _f("document_number", 1, 0, 9, "docnum"),
        _f("document_number_check", 1, 9, 10, "check"),
        _f("nationality", 1, 10, 13, "country"),
        _f("birth_date", 1, 13, 19, "date"),
        _f("birth_date_check", 1, 19, 20, "check"),
        _f("sex", 1, 20, 21, "sex"),
        _f("expiry_date", 1, 21, 27, "date"),
        _f("expiry_date_check", 1, 27, 28, "check"),
    ]
    checks: list[tuple[str, tuple[tuple[int, int, int], ...], tuple[int, int]]] = [
        ("document_number", ((1, 0, 9),), (1, 9)),
        ("birth_date", ((1, 13, 19),), (1, 19)),
        ("expiry_date", ((1, 21, 27),), (1, 27)),
    ]
    if mrz_type is MRZType.TD3:
        fields.append(_f("optional_data", 1, 28, 42, "alnum"))
        fields.append(_f("personal_check", 1, 42, 43, "check"))
        checks.append(("personal_number", ((1, 28, 42),), (1, 42)))
    else:
        fields.append(_f("optional_data", 1, 28, opt_end, "alnum"))
    if not visa:
        fields.append(_f("composite_check", 1, width - 1, width, "check"))
        segments = ((1, 0, 10), (1, 13, 20), (1, 21, width - 1))
        checks.append(("composite", segments, (1, width - 1)))
    return _Layout(key, mrz_type, (2, width), tuple(fields), tuple(checks))


_TD1 = _Layout(
    "TD1",
    MRZType.TD1,
    (3, 30),
    (
        _f("document_code", 0, 0, 2, "code"),
        _f("issuing_country", 0, 2, 5, "country"),
        _f("document_number", 0, 5, 14, "docnum"),
        _f("document_number_check", 0, 14, 15, "check"),
        _f("optional_data", 0, 15, 30, "alnum"),
        _f("birth_date", 1, 0, 6, "date"),
        _f("birth_date_check", 1, 6, 7, "check"),
        _f("sex", 1, 7, 8, "sex"),
        _f("expiry_date", 1, 8, 14, "date"),
        _f("expiry_date_check", 1, 14, 15, "check"),
        _f("nationality", 1, 15, 18, "country"),
        _f("optional_data_2", 1, 18, 29, "alnum"),
        _f("composite_check", 1, 29, 30, "check"),
        _f("names", 2, 0, 30, "name"),
    ),
    (
        ("document_number", ((0, 5, 14),), (0, 14)),
        ("birth_date", ((1, 0, 6),), (1, 6)),
        ("expiry_date", ((1, 8, 14),), (1, 14)),
        ("composite", ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)), (1, 29)),
    ),
)

# French national identity card (1988-2021): 2 x 36 but not the ICAO TD2 layout. Reported as
# TD2. Line 1: ID FRA surname(25) office(6). Line 2: document number (issue YYMM, department,
# serial), check, given names(14), birth date, check, sex, composite over both lines.
_FRA = _Layout(
    "FRA",
    MRZType.TD2,
    (2, 36),
    (
        _f("document_code", 0, 0, 2, "code"),
        _f("issuing_country", 0, 2, 5, "country"),
        _f("surname", 0, 5, 30, "name"),
        _f("optional_data", 0, 30, 36, "alnum"),
        _f("issue_month", 1, 0, 4, "digits"),
        _f("department", 1, 4, 7, "alnum"),
        _f("serial", 1, 7, 12, "digits"),
        _f("document_number_check", 1, 12, 13, "check"),
        _f("given_names", 1, 13, 27, "name"),
        _f("birth_date", 1, 27, 33, "date"),
        _f("birth_date_check", 1, 33, 34, "check"),
        _f("sex", 1, 34, 35, "sex"),
        _f("composite_check", 1, 35, 36, "check"),
    ),
    (
        ("document_number", ((1, 0, 12),), (1, 12)),
        ("birth_date", ((1, 27, 33),), (1, 33)),
        ("composite", ((0, 0, 36), (1, 0, 35)), (1, 35)),
    ),
)

_LAYOUTS: dict[str, _Layout] = {
    "TD1": _TD1,
    "TD2": _two_line("TD2", MRZType.TD2, 36, visa=False),
    "TD3": _two_line("TD3", MRZType.TD3, 44, visa=False),
    "MRVA": _two_line("MRVA", MRZType.MRVA, 44, visa=True),
    "MRVB": _two_line("MRVB", MRZType.MRVB, 36, visa=True),
    "FRA": _FRA,
}


def _templates(layout: _Layout) -> tuple[str, ...]:
    rows = [["X"] * layout.shape[1] for _ in range(layout.shape[0])]
    for fld in layout.fields:
        for col in range(fld.start, fld.end):
            rows[fld.line][col] = _CLASS_OF_KIND[fld.kind]
    return tuple("".join(r) for r in rows)


_TEMPLATES: dict[str, tuple[str, ...]] = {k: _templates(v) for k, v in _LAYOUTS.items()}


# ---------------------------------------------------------------------------------------------
# Single lines


def normalise_line(text: str) -> str:
    """Uppercase, drop whitespace, map the glyphs OCR uses for the filler (``«‹([``...) to ``<``."""
    return "".join(text.split()).upper().translate(_FILLER_GLYPHS)


def mrz_likelihood(text: str) -> float:
    """How much one OCR line looks like an MRZ line, in [0, 1].

    Combines closeness of the normalised length to 30/36/44, the share of MRZ-alphabet characters,
    the presence of filler runs or digit runs, and penalties for lowercase letters and spaces.
    """
    raw = text.strip()
    if not raw:
        return 0.0
    norm = normalise_line(raw)
    n = len(norm)
    if n == 0:
        return 0.0
    off = min(abs(n - width) for width in (30, 36, 44))
    length_score = max(0.0, 1.0 - off / 8.0)
    legal = sum(ch in MRZ_ALPHABET for ch in norm) / n
    letters = sum(ch.isalpha() for ch in raw)
    lower_frac = sum(ch.islower() for ch in raw) / letters if letters else 0.0
    space_frac = sum(ch.isspace() for ch in raw) / len(raw)
    fillers = norm.count("<")
    filler_score = min(1.0, fillers / 4.0) if "<<" in norm else min(0.5, fillers / 4.0)
    digit_score = min(1.0, 2.5 * sum(ch in _DIGITS for ch in norm) / n)
    structure = max(filler_score, digit_score)
    score = (
        length_score
        * legal**2
        * (1.0 - 0.6 * lower_frac)
        * (1.0 - 0.6 * min(1.0, 4.0 * space_frac))
        * (0.3 + 0.7 * structure)
    )
    return max(0.0, min(1.0, score))


# ---------------------------------------------------------------------------------------------
# Length repair


def _fit_cost(ch: str, cls: str) -> float:
    """How badly ``ch`` fits a template class (0 = fits)."""
    if cls == "X":
        return 0.0 if ch in MRZ_ALPHABET else 1.0
    if cls == "A":
        if ch in _LETTERS or ch == "<":
            return 0.0
        return 0.5 if ch in _TO_LETTER else 1.0
    if cls in ("N", "C"):
        if ch in _DIGITS:
            return 0.0
        if ch == "<":
            return 0.3
        return 0.5 if ch in _TO_DIGIT else 1.0
    return 0.0 if ch in "MFX<" else 0.7  # sex


def _align(raw: str, template: str) -> tuple[str, list[tuple[int, str, str, str]]]:
    """Fit ``raw`` to the template's length by inserting '<' and deleting characters.

    Edit-distance alignment in a band; insertions and deletions next to existing '<' runs and
    towards the line end are cheaper, since that is where OCR gains or loses fillers.
    Returns the fitted line and the edits as (column, before, after, rule).
    """
    n, m = len(raw), len(template)
    band = abs(n - m) + 2
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    move = [[""] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0

    def near_filler(i: int) -> bool:
        return (i > 0 and raw[i - 1] == "<") or (i < n and raw[i] == "<")

    for i in range(n + 1):
        for j in range(max(0, i - band), min(m, i + band) + 1):
            here = cost[i][j]
            if here == inf:
                continue
            late = 0.01 * (m - j) / m
            if i < n and j < m:
                c = here + _fit_cost(raw[i], template[j])
                if c < cost[i + 1][j + 1]:
                    cost[i + 1][j + 1], move[i + 1][j + 1] = c, "M"
            if j < m:  # insert a filler at template position j
                c = here + (0.5 if near_filler(i) else 1.0) + late
                if template[j] in "NCS":  # dates, check digits and sex are rarely '<'
                    c += 0.3
                if c < cost[i][j + 1]:
                    cost[i][j + 1], move[i][j + 1] = c, "I"
            if i < n:  # delete raw[i]
                ch = raw[i]
                cheap = ch not in MRZ_ALPHABET or (ch == "<" and near_filler(i) and i + 1 <= n)
                c = here + (0.5 if cheap else 1.0) + late
                if c < cost[i + 1][j]:
                    cost[i + 1][j], move[i + 1][j] = c, "D"
    out: list[str] = []
    edits: list[tuple[int, str, str, str]] = []
    i, j = n, m
    while i > 0 or j > 0:
        step = move[i][j]
        if step == "M":
            out.append(raw[i - 1])
            i, j = i - 1, j - 1
        elif step == "I":
            out.append("<")
            edits.append((j - 1, "", "<", RULE_INSERT))
            j -= 1
        else:
            edits.append((j, raw[i - 1], "", RULE_DELETE))
            i -= 1
    edits.reverse()
    return "".join(reversed(out)), edits


# ---------------------------------------------------------------------------------------------
# Type detection


def _layout_candidates(lines: list[str]) -> list[str]:
    def near(length: int, width: int) -> bool:
        return abs(length - width) <= 3

    if len(lines) == 3:
        return ["TD1"] if all(near(len(x), 30) for x in lines) else []
    if len(lines) != 2:
        return []
    head = "".join(_TO_LETTER.get(ch, ch) for ch in lines[0][:5])
    if all(near(len(x), 36) for x in lines):
        if head.startswith("V"):
            return ["MRVB"]
        if head.startswith("IDFRA"):
            return ["FRA", "TD2"]
        # a visa's code starts with V; a P (like I, A, C) is never one (a passport line cut at
        # 36 characters by a missed filler run parses as an MRV-B by chance otherwise)
        return ["TD2"] if head[:1] in ("I", "A", "C", "P") else ["TD2", "MRVB"]
    if all(near(len(x), 44) for x in lines):
        if head.startswith("V"):
            return ["MRVA"]
        return ["TD3"] if head.startswith("P") else ["TD3", "MRVA"]
    return []


# ---------------------------------------------------------------------------------------------
# Field corrections on fixed-length lines


class _Work:
    """Mutable character grid plus the corrections made to it."""

    def __init__(self, lines: list[str]) -> None:
        self.rows = [list(x) for x in lines]
        self.corrections: list[Correction] = []

    def get(self, line: int, start: int, end: int) -> str:
        return "".join(self.rows[line][start:end])

    def set(self, line: int, col: int, ch: str, rule: str) -> None:
        before = self.rows[line][col]
        if before != ch:
            self.rows[line][col] = ch
            self.corrections.append(Correction(line, col, before, ch, rule))

    def put(self, fld: _Field, value: str, rule: str) -> None:
        for k, ch in enumerate(value):
            self.set(fld.line, fld.start + k, ch, rule)

    def segments(self, segs: tuple[tuple[int, int, int], ...]) -> str:
        return "".join(self.get(line, a, b) for line, a, b in segs)


def _fix_code(work: _Work, fld: _Field) -> None:
    # Only the first character must be a letter: 'C1' (US resident card) is a real code.
    first = work.rows[fld.line][fld.start]
    work.set(fld.line, fld.start, _TO_LETTER.get(first, first), RULE_LETTER)


def _fix_country(work: _Work, fld: _Field) -> None:
    code = work.get(fld.line, fld.start, fld.end)
    if is_known_code(code):
        return
    # A digit may be its look-alike letter ('0' may be O, D or Q); a filler look-alike after the
    # first letter may be '<' (D<< read as DKK). Accept only a unique known code.
    options: list[list[str]] = []
    for k, ch in enumerate(code):
        alternatives = ["O", "D", "Q"] if ch == "0" else [_TO_LETTER.get(ch, ch)]
        if k > 0 and ch in _FILLER_LOOKALIKES:
            alternatives.append("<")
        options.append(sorted({ch, *alternatives}))
    known = sorted({"".join(p) for p in product(*options)} & KNOWN_CODES)
    if not known:
        # Wider: glyphs of similar shape (round letters, Z/N, 3/J) that recognisers trained on
        # other fonts confuse in OCR-B. Still only a unique known code; the reader marks the
        # result as less certain. A code no character of which was read as itself is no reading
        # but a guess ('000' is COD only because nothing else fits), so one read character must
        # stay: the glyph reader's COU beside PP-OCR's 000 is then not outranked by a known code.
        wide = [sorted({ch, *_SHAPE_ALIKE.get(ch, "")}) for ch in code]
        known = sorted(
            c
            for c in {"".join(p) for p in product(*wide)} & KNOWN_CODES
            if any(a == b for a, b in zip(c, code, strict=True))
        )
    if len(known) == 1:
        work.put(fld, known[0], RULE_COUNTRY)
    elif all(ch in _LETTERS or ch == "<" or ch in _TO_LETTER for ch in code):
        work.put(fld, "".join(_TO_LETTER.get(ch, ch) for ch in code), RULE_LETTER)


def _fix_name(work: _Work, fld: _Field) -> None:
    value = "".join(_TO_LETTER.get(ch, ch) for ch in work.get(fld.line, fld.start, fld.end))
    work.put(fld, value, RULE_LETTER)
    sep = value.find("<<")
    if sep < 0:
        return
    tail = value.find("<<", sep + 2)
    if tail < 0:
        return
    chars = list(value)
    for k in range(tail, len(chars)):
        if chars[k] in _FILLER_LOOKALIKES and _short_letter_run(value, k):
            chars[k] = "<"
    work.put(fld, "".join(chars), RULE_FILLER)


def _short_letter_run(value: str, k: int) -> bool:
    """True when value[k] belongs to a run of at most two letters between fillers."""
    a = k
    while a > 0 and value[a - 1] != "<":
        a -= 1
    b = k
    while b < len(value) - 1 and value[b + 1] != "<":
        b += 1
    return b - a + 1 <= 2 and a > 0


_ALNUM_TAIL = re.compile(r"<[<KCELX]*$")


def _fix_alnum_fillers(work: _Work, fld: _Field) -> None:
    value = work.get(fld.line, fld.start, fld.end)
    if fld.kind == "docnum":
        # Padding after a document number is all fillers.
        first = next((k for k, ch in enumerate(value) if ch != "<"), len(value))
        pad = value.find("<", first)
        if pad < 0:
            return
        fixed = value[:pad] + "".join("<" if ch in _FILLER_LOOKALIKES else ch for ch in value[pad:])
    else:
        match = _ALNUM_TAIL.search(value)
        if not match or match.group().count("<") < 3:
            return
        tail = match.group()
        fixed = value[: match.start()] + "".join(
            "<" if ch in _FILLER_LOOKALIKES else ch for ch in tail
        )
    work.put(fld, fixed, RULE_FILLER)


def _fix_digits(work: _Work, fld: _Field) -> None:
    value = work.get(fld.line, fld.start, fld.end)
    work.put(fld, "".join(_TO_DIGIT.get(ch, ch) for ch in value), RULE_DIGIT)


def _fix_sex(work: _Work, fld: _Field) -> None:
    ch = work.get(fld.line, fld.start, fld.end)
    if ch in _FILLER_LOOKALIKES - {"X"}:
        work.set(fld.line, fld.start, "<", RULE_FILLER)


def _check_ok(
    work: _Work, layout: _Layout, name: str, override: tuple[_Field, str] | None = None
) -> bool:
    """Whether check ``name`` passes, optionally with ``override`` = (field, value) substituted."""
    for check_name, segs, (line, col) in layout.checks:
        if check_name != name:
            continue
        parts = []
        for seg_line, a, b in segs:
            row = list(work.rows[seg_line][a:b])
            if override is not None and override[0].line == seg_line:
                fld, value = override
                for k, ch in enumerate(value):
                    if a <= fld.start + k < b:
                        row[fld.start + k - a] = ch
            parts.append("".join(row))
        return is_valid("".join(parts), work.rows[line][col])
    return True


def _choose_by_check(work: _Work, layout: _Layout, fld: _Field, check_name: str) -> str | None:
    """Resolve confusable characters in an alphanumeric field with its check digit.

    Only suspicious characters are candidates: a confusable glyph whose kind (letter/digit)
    differs from every neighbour, like the ``0`` in ``K682T8YL0``. Tries variants with at most
    two swaps from ``_ALNUM_SWAPS`` (one on visas, which have no
    composite). A variant is accepted only if it passes the field's check AND the composite check
    where the type has one, so a field whose printed check digit is simply wrong is left alone.
    Equally small variants are ranked by how well each changed character matches its neighbours
    (letter among letters); a remaining tie is ambiguous and nothing is changed.
    Returns a warning or None.
    """
    if _check_ok(work, layout, check_name):
        return None
    value = work.get(fld.line, fld.start, fld.end)
    spots = [k for k, ch in enumerate(value) if ch in _ALNUM_SWAPS and _odd_one_out(value, k)]
    has_composite = any(c[0] == "composite" for c in layout.checks)
    max_changes = _MAX_ALNUM_CHANGES if has_composite else 1
    for changes in range(1, max_changes + 1):
        passing: list[tuple[int, str]] = []
        for picks in combinations(spots, changes):
            chars = list(value)
            for k in picks:
                chars[k] = _ALNUM_SWAPS[chars[k]]
            variant = "".join(chars)
            override = (fld, variant)
            if _check_ok(work, layout, check_name, override) and _check_ok(
                work, layout, "composite", override
            ):
                passing.append((sum(_context_score(variant, k) for k in picks), variant))
        if passing:
            passing.sort(reverse=True)
            if len(passing) > 1 and passing[0][0] == passing[1][0]:
                return f"ambiguous_correction:{check_name}"
            work.put(fld, passing[0][1], RULE_CHECK)
            return None
    # Last resort: one swap of any confusable glyph (an O between digits, say), when exactly one
    # such swap satisfies the checks. A swap of a letter for a digit always changes the check
    # digit (their values differ by a number that is not a multiple of 10), so a real O/0
    # confusion is always caught; but a different error can pass by chance, so the result is
    # only a guess and is flagged for review.
    confusable = [k for k, ch in enumerate(value) if ch in _ALNUM_SWAPS]
    guesses = []
    for k in confusable:
        variant = value[:k] + _ALNUM_SWAPS[value[k]] + value[k + 1 :]
        override = (fld, variant)
        if _check_ok(work, layout, check_name, override) and _check_ok(
            work, layout, "composite", override
        ):
            guesses.append(variant)
    if len(guesses) == 1:
        work.put(fld, guesses[0], RULE_CHECK)
        return f"guessed_correction:{check_name}"
    if guesses:
        return f"ambiguous_correction:{check_name}"
    return None


def _odd_one_out(value: str, k: int) -> bool:
    """True when value[k] has neighbours (ignoring '<') and differs in kind from all of them."""
    kind = value[k].isdigit()
    neighbours = [value[j] for j in (k - 1, k + 1) if 0 <= j < len(value) and value[j] != "<"]
    return bool(neighbours) and all(ch.isdigit() != kind for ch in neighbours)


def _context_score(value: str, k: int) -> int:
    """1 when value[k] is of the same kind (letter/digit) as a neighbour, else 0."""
    kind = value[k].isdigit()
    neighbours = [value[j] for j in (k - 1, k + 1) if 0 <= j < len(value) and value[j] != "<"]
    return int(any(ch.isdigit() == kind for ch in neighbours))


def _apply_field_fixes(work: _Work, layout: _Layout) -> list[str]:
    warnings: list[str] = []
    for fld in layout.fields:
        if fld.kind == "code":
            _fix_code(work, fld)
        elif fld.kind == "country":
            _fix_country(work, fld)
        elif fld.kind == "name":
            _fix_name(work, fld)
        elif fld.kind in ("date", "digits", "check"):
            _fix_digits(work, fld)
        elif fld.kind == "sex":
            _fix_sex(work, fld)
        elif fld.kind in ("alnum", "docnum"):
            _fix_alnum_fillers(work, fld)
    for fld in layout.fields:
        check_name = {"document_number": "document_number", "optional_data": "personal_number"}
        name = check_name.get(fld.name)
        if name is None or not any(c[0] == name for c in layout.checks):
            continue
        if name == "document_number" and work.rows[fld.line][fld.end] == "<":
            continue  # long document number: its check digit sits in the optional data
        warning = _choose_by_check(work, layout, fld, name)
        if warning:
            warnings.append(warning)
    warnings += _joint_fix(work, layout)
    warning = _guess_composite_only(work, layout)
    if warning:
        warnings.append(warning)
    return warnings


_CHECKED_ALNUM = {"document_number": "document_number", "optional_data": "personal_number"}


def _joint_fix(work: _Work, layout: _Layout) -> list[str]:
    """Two alphanumeric fields each misread by one look-alike (an ``O`` read as ``0`` in the
    document number and in the personal number): the composite covers both, so neither field's
    own fix passes it while the other is wrong, and :func:`_choose_by_check` leaves both. When
    every other check passes, each failing field has exactly one single swap that passes its
    own check, and those swaps together pass the composite, they are applied, as guesses
    (flagged for review)."""
    if not any(c[0] == "composite" for c in layout.checks) or _check_ok(work, layout, "composite"):
        return []
    checked = {c[0] for c in layout.checks}
    failing = [
        (fld, _CHECKED_ALNUM[fld.name])
        for fld in layout.fields
        if fld.name in _CHECKED_ALNUM
        and _CHECKED_ALNUM[fld.name] in checked
        and not (fld.name == "document_number" and work.rows[fld.line][fld.end] == "<")
        and not _check_ok(work, layout, _CHECKED_ALNUM[fld.name])
    ]
    names = {name for _, name in failing}
    if len(failing) < 2 or not all(
        _check_ok(work, layout, c) for c in checked - names - {"composite"}
    ):
        return []
    chosen: list[tuple[_Field, str]] = []
    for fld, name in failing:
        value = work.get(fld.line, fld.start, fld.end)
        passing = [
            variant
            for k, ch in enumerate(value)
            if ch in _ALNUM_SWAPS
            and _check_ok(
                work, layout, name, (fld, variant := value[:k] + _ALNUM_SWAPS[ch] + value[k + 1 :])
            )
        ]
        if len(passing) != 1:
            return []
        chosen.append((fld, passing[0]))
    trial = _Work(["".join(row) for row in work.rows])
    for fld, variant in chosen:
        trial.put(fld, variant, RULE_CHECK)
    if not _check_ok(trial, layout, "composite"):
        return []
    for fld, variant in chosen:
        work.put(fld, variant, RULE_CHECK)
    return [f"guessed_correction:{name}" for _, name in failing]


def _guess_composite_only(work: _Work, layout: _Layout) -> str | None:
    """Optional data that only the composite protects (TD1, TD2): when every other check passes
    and the composite fails, try one swap of a confusable glyph there; a unique fix is applied
    as a guess (flagged for review), several are reported as ambiguous."""
    if not any(c[0] == "composite" for c in layout.checks) or _check_ok(work, layout, "composite"):
        return None
    if not all(_check_ok(work, layout, c[0]) for c in layout.checks if c[0] != "composite"):
        return None
    if layout.key not in ("TD1", "TD2"):
        return None
    guesses: list[tuple[_Field, str]] = []
    for fld in layout.fields:
        if fld.name not in ("optional_data", "optional_data_2"):
            continue
        value = work.get(fld.line, fld.start, fld.end)
        for k, ch in enumerate(value):
            if ch not in _ALNUM_SWAPS:
                continue
            variant = value[:k] + _ALNUM_SWAPS[ch] + value[k + 1 :]
            if _check_ok(work, layout, "composite", (fld, variant)):
                guesses.append((fld, variant))
    if len(guesses) == 1:
        work.put(guesses[0][0], guesses[0][1], RULE_CHECK)
        return "guessed_correction:composite"
    return "ambiguous_correction:composite" if guesses else None


# ---------------------------------------------------------------------------------------------
# Building the result


def _parse_date(raw: str, today: date, birth: bool) -> date | None:
    if len(raw) != 6 or not raw.isdigit():
        return None
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:6])
    try:
        if birth:
            candidate = date(2000 + yy, mm, dd) if 2000 + yy <= today.year else None
            if candidate is not None and candidate <= today:
                return candidate
            return date(1900 + yy, mm, dd)
        year = 2000 + yy
        if year > today.year + _EXPIRY_HORIZON_YEARS:
            year -= 100
        return date(year, mm, dd)
    except ValueError:
        return None


def _split_names(field: str) -> tuple[str, str]:
    """Primary and secondary identifiers, components joined by single spaces."""
    text = field.rstrip("<")
    if text.startswith("<<"):
        primary, secondary = "", text[2:]
    elif "<<" in text:
        primary, secondary = text.split("<<", 1)
    else:
        primary, secondary = text, ""
    return _words(primary), _words(secondary)


def _words(text: str) -> str:
    """Name components separated by any run of '<', joined by single spaces."""
    return " ".join(part for part in text.split("<") if part)


def _field_value(work: _Work, layout: _Layout, name: str) -> str:
    for fld in layout.fields:
        if fld.name == name:
            return work.get(fld.line, fld.start, fld.end)
    return ""


def _long_document_number(work: _Work, layout: _Layout) -> tuple[str, bool, str] | None:
    """ICAO Part 5 note j: a '<' in the check position means the number spills into the optional
    data, followed by its check digit. Returns (number, check passed, remaining optional data)."""
    if layout.key not in ("TD1", "TD2"):
        return None
    doc = _field_value(work, layout, "document_number")
    check_line, check_col = next(c[2] for c in layout.checks if c[0] == "document_number")
    optional = _field_value(work, layout, "optional_data")
    if work.rows[check_line][check_col] != "<" or "<" in doc or optional[:1] in ("<", ""):
        return None
    end = optional.find("<")
    spill = optional if end < 0 else optional[:end]
    if len(spill) < 2:
        return None
    number, digit = doc + spill[:-1], spill[-1]
    # Belgium computes the check over the number INCLUDING the '<' in the check position.
    ok = is_valid(number, digit) or is_valid(doc + "<" + spill[:-1], digit)
    return number, ok, optional[len(spill) :]


def _build(work: _Work, layout: _Layout, today: date, warnings: list[str]) -> ParsedMRZ:
    checks = {
        name: is_valid(work.segments(segs), work.rows[line][col])
        for name, segs, (line, col) in layout.checks
    }
    optional = _field_value(work, layout, "optional_data")
    if layout.key == "FRA":
        surname = _words(_field_value(work, layout, "surname"))
        given = _words(_field_value(work, layout, "given_names"))
        doc_number = work.get(1, 0, 12).strip("<")
        nationality, raw_expiry = "FRA", ""
        name_fields: tuple[str, ...] = ("surname", "given_names")
        warnings.append("fra_national_id")
    else:
        surname, given = _split_names(_field_value(work, layout, "names"))
        doc_number = _field_value(work, layout, "document_number").strip("<")
        nationality = _field_value(work, layout, "nationality")
        raw_expiry = _field_value(work, layout, "expiry_date")
        name_fields = ("names",)
        long_number = _long_document_number(work, layout)
        if long_number is not None:
            doc_number, checks["document_number"], optional = long_number
    for name in name_fields:
        value = _field_value(work, layout, name)
        if value[-1:] in _LETTERS:
            warnings.append("name_possibly_truncated")
    raw_birth = _field_value(work, layout, "birth_date")
    birth = _parse_date(raw_birth, today, birth=True)
    expiry = _parse_date(raw_expiry, today, birth=False) if raw_expiry else None
    dates_ok = birth is not None and (expiry is not None or layout.key == "FRA")
    if birth is None:
        warnings.append("invalid_birth_date")
    if raw_expiry and expiry is None:
        warnings.append("invalid_expiry_date")
    if expiry is not None and expiry < today:
        warnings.append("expired")
    issuing = _field_value(work, layout, "issuing_country")
    for code in (issuing, nationality):
        if code.strip("<") and not is_known_code(code):
            warnings.append(f"unknown_country:{code}")
    code = _field_value(work, layout, "document_code")
    if code[:1] not in _FIRST_CODE_LETTERS.get(layout.mrz_type.value, code[:1]):
        warnings.append(f"invalid_document_code:{code}")
    sex = _field_value(work, layout, "sex")
    sex_ok = sex in ("M", "F", "X", "<")
    if not sex_ok:
        warnings.append(f"invalid_sex:{sex}")
    lines = tuple("".join(r) for r in work.rows)
    legal = all(ch in MRZ_ALPHABET for line in lines for ch in line)
    if not legal:
        warnings.append("illegal_characters")
    return ParsedMRZ(
        type=layout.mrz_type,
        lines=lines,
        document_code=_field_value(work, layout, "document_code").rstrip("<"),
        issuing_country=issuing.rstrip("<"),
        surname=surname,
        given_names=given,
        document_number=doc_number,
        nationality=nationality.rstrip("<"),
        birth_date=birth,
        sex="X" if sex == "<" else sex,
        expiry_date=expiry,
        optional_data=optional.rstrip("<"),
        optional_data_2=_field_value(work, layout, "optional_data_2").rstrip("<"),
        checks=checks,
        valid=all(checks.values()) and dates_ok and sex_ok and legal,
        corrections=tuple(work.corrections),
        warnings=tuple(dict.fromkeys(warnings)),
        raw_birth_date=raw_birth,
        raw_expiry_date=raw_expiry,
    )


# The first letter of the document code each format allows (ICAO 9303 parts 4-7): a reading
# with another one took a look-alike (I as Z, P as R) or is not of this format.
_FIRST_CODE_LETTERS = {"TD1": "ACI", "TD2": "ACI", "TD3": "P", "MRVA": "V", "MRVB": "V"}


def _looks_like_mrz(work: _Work, layout: _Layout) -> bool:
    """Reject text that fits no MRZ: template fit, a letter document code and real date digits."""
    template = _TEMPLATES[layout.key]
    total = bad = 0
    for row, tpl in zip(work.rows, template, strict=True):
        for ch, cls in zip(row, tpl, strict=True):
            total += 1
            bad += _fit_cost(ch, cls) > 0
    if bad > 0.2 * total or work.rows[0][0] not in _LETTERS:
        return False
    date_digits = sum(
        ch in _DIGITS
        for fld in layout.fields
        if fld.kind == "date"
        for ch in work.get(fld.line, fld.start, fld.end)
    )
    return date_digits >= 6


def _parse_as(lines: list[str], layout: _Layout, today: date) -> ParsedMRZ | None:
    template = _TEMPLATES[layout.key]
    fitted: list[str] = []
    length_edits: list[Correction] = []
    for index, (line, tpl) in enumerate(zip(lines, template, strict=True)):
        if len(line) == len(tpl):
            fitted.append(line)
            continue
        text, edits = _align(line, tpl)
        fitted.append(text)
        length_edits += [Correction(index, col, b, a, rule) for col, b, a, rule in edits]
    work = _Work(fitted)
    work.corrections = length_edits
    warnings = _apply_field_fixes(work, layout)
    if not _looks_like_mrz(work, layout):
        return None
    return _build(work, layout, today, warnings)


def parse_mrz(lines: Sequence[str], today: date | None = None) -> ParsedMRZ | None:
    """Parse the raw OCR lines of one MRZ; None when the text is no MRZ of a known type.

    ``today`` fixes the reference day for the century rule and the ``expired`` warning
    (default: ``date.today()``). A failed check digit is reported in ``checks``/``valid``, never
    repaired; see ``docs/mrz-parsing.md`` for what is corrected and why.
    """
    clean = (normalise_line(x) for x in lines if isinstance(x, str))
    return _parse_clean(tuple(x for x in clean if x), today or date.today())


@functools.lru_cache(maxsize=4096)
def _parse_clean(lines: tuple[str, ...], ref: date) -> ParsedMRZ | None:
    """:func:`parse_mrz` of normalised lines. Cached: the reader parses the same combinations
    of line readings many times over while it votes (a :class:`ParsedMRZ` is never changed)."""
    clean = list(lines)
    best: ParsedMRZ | None = None
    best_key: tuple[float, int] = (-1.0, 0)
    for key in _layout_candidates(clean):
        layout = _LAYOUTS[key]
        parsed = _parse_as(clean, layout, ref)
        if parsed is None:
            continue
        score = (parsed.check_score / max(1, len(parsed.checks)), -len(parsed.corrections))
        if score > best_key:
            best, best_key = parsed, score
    return best


# Which output field each layout field belongs to (check digits count with what they protect).
_OUTPUT_FIELD = {
    "names": ("surname", "given_names"),
    "document_number_check": ("document_number",),
    "birth_date_check": ("birth_date",),
    "expiry_date_check": ("expiry_date",),
    "personal_check": ("optional_data",),
    "composite_check": (),
    "issue_month": ("document_number",),
    "department": ("document_number",),
    "serial": ("document_number",),
}


def field_spans(parsed: ParsedMRZ) -> dict[str, tuple[tuple[int, int, int], ...]]:
    """For each output field of ``parsed``, the (line, start, end) spans of the MRZ that hold it.

    The reader uses this to turn per-character OCR confidences into per-field confidences.
    """
    key = "FRA" if "fra_national_id" in parsed.warnings else parsed.type.value
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for fld in _LAYOUTS[key].fields:
        for name in _OUTPUT_FIELD.get(fld.name, (fld.name,)):
            spans.setdefault(name, []).append((fld.line, fld.start, fld.end))
    return {name: tuple(s) for name, s in spans.items()}
