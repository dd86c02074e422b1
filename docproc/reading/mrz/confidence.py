"""Confidence and routing: per-field confidence, fields the check digits are blind to, and the
reasons a record goes to a person."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from docproc.reading.mrz.countries import is_known_code
from docproc.reading.mrz.model import ParsedMRZ
from docproc.reading.mrz.parse import LETTER_FOR_DIGIT, field_spans, parse_mrz
from docproc.reading.mrz.readings import _Reading
from docproc.reading.mrz.tuning import DEFAULT_TUNING, ReaderTuning
from docproc.reading.mrz.vote import _char_confidences, _glyph_of, _opcodes, _ZoneRead
from docproc.reading.ocr.ppocr import LOOKALIKE

# Warnings that make a record unsafe to accept without a person looking at it.
_UNVERIFIABLE = frozenset("0O1I2Z5S8B6G")
_REVIEW_WARNINGS = (
    "unknown_country",
    "ambiguous_correction",
    "guessed_correction",
    "invalid_",
    "not_a_date",
)
# Corrections that only restate what the field type allows keep the glyph's OCR probability; a
# character chosen by a check digit or inserted to repair the length is less certain.
_CORRECTION_CAP = {
    "check_digit_choice": 0.75,
    "length_insert": 0.5,
    "length_delete": 0.6,
    "country_code": 0.8,
}
_SWAP = LOOKALIKE  # a glyph and the one the recogniser confuses it with

# Letters a recogniser mistakes for one another in a code no check digit covers (P/M, O/D/Q,
# I/L, C/G): one such slip can land on another valid code (PHL -> MHL).
_CODE_LOOKALIKES = {
    "P": "M",
    "M": "P",
    "O": "DQ",
    "D": "OQ",
    "Q": "OD",
    "I": "L",
    "L": "I",
    "C": "G",
    "G": "C",
}
CODE_FIELDS = ("document_code", "issuing_country", "nationality", "sex")


def _name_agreement(zr: _ZoneRead, line: int) -> float:
    """Share of this line's readings that, parsed with the other chosen lines, give the same
    names as the final result (so readings differing only in what the parser corrects agree)."""
    p = zr.parsed
    votes = 0
    for r in zr.readings[line]:
        texts = [c.text for c in zr.chosen]
        texts[line] = r.text
        alt = parse_mrz(texts)
        if alt is not None and (alt.surname, alt.given_names) == (p.surname, p.given_names):
            votes += 1
    return votes / max(1, len(zr.readings[line]))


def field_confidence(zr: _ZoneRead, tuning: ReaderTuning = DEFAULT_TUNING) -> dict[str, float]:
    p = zr.parsed
    settled = _glyph_sure(zr, tuning)
    per_line = [_char_confidences(p.lines[i], zr.chosen[i]) for i in range(len(p.lines))]
    caps = {
        (c.line, c.column): _CORRECTION_CAP[c.rule]
        for c in p.corrections
        if c.rule in _CORRECTION_CAP
    }
    check_of = {
        "document_number": "document_number",
        "birth_date": "birth_date",
        "expiry_date": "expiry_date",
        "optional_data": "personal_number",
    }
    result: dict[str, float] = {}
    for name, spans in field_spans(p).items():
        probs: list[float] = []
        for line, start, end in spans:
            text = p.lines[line]
            if name in ("surname", "given_names"):
                # the name's own characters; trailing fillers are fixed by the line length
                end = min(end, len(text.rstrip("<")) + 1)
            for col in range(start, min(end, len(per_line[line]))):
                probs.append(min(per_line[line][col], caps.get((line, col), 1.0)))
        conf = min(probs) if probs else 0.0
        visa_data = name == "optional_data" and p.type.value in ("MRVA", "MRVB")
        if name in ("document_code", "sex") or visa_data:
            # no check digit: as sure as two recognisers reading it alike (look-alikes that give
            # another valid code are lookalike_codes' matter)
            conf = max(conf, _agreed_confidence(zr, spans, name=False, letters=not visa_data))
        # no check digit covers a visa's optional data: O/0, I/1, S/5... cannot be verified
        # unless the glyph reader settles them (:func:`_glyph_sure`)
        if visa_data and any(
            p.lines[ln][col] in _UNVERIFIABLE and (ln, col) not in settled
            for ln, s, e in spans
            for col in range(s, e)
        ):
            conf = min(conf, 0.8)
        if name in ("issuing_country", "nationality") and _round_letter_only(p, spans):
            # both recognisers saw the round glyph where a code has the letter O (OCR-B's O and
            # 0 look alike): as sure as their agreement; O-or-D/Q is lookalike_codes' matter
            agreed = _agreed_confidence(zr, spans, name=False)
            conf = max(conf, agreed)
            caps_here = agreed == 0.0  # one reading: no bonus for landing on a known code
        else:
            caps_here = any((ln, col) in caps for ln, s, e in spans for col in range(s, e))
            if name in ("issuing_country", "nationality") and not caps_here:
                conf = max(conf, _agreed_confidence(zr, spans, name=False))
        if name in ("issuing_country", "nationality") and not caps_here:
            code = p.issuing_country if name == "issuing_country" else p.nationality
            if is_known_code(code.ljust(3, "<")):
                # a misread that lands on another real code is far less likely than on noise
                conf = 1 - (1 - conf) * 0.3
        check = check_of.get(name)
        if check in p.checks:
            # A passing check digit leaves one chance in ten that an error slipped through.
            conf = 1 - (1 - conf) * 0.1 if p.checks[check] else conf * 0.5
        if name in ("surname", "given_names"):
            # No check digit covers a name: trust it only when independent readings agree.
            families = {_family(r.source) for r in zr.readings[spans[0][0]]} - {"vote"}
            if _name_agreement(zr, spans[0][0]) < 1.0 or len(families) < 2:
                conf = min(conf, 0.6)
            else:
                conf = max(1 - (1 - conf) * 0.5, _agreed_confidence(zr, spans))
        result[name] = float(conf)
    return result


def _agreed_confidence(
    zr: _ZoneRead,
    spans: Sequence[tuple[int, int, int]],
    *,
    name: bool = True,
    letters: bool = True,
) -> float:
    """A field that two independent recognisers (PP-OCR and the glyph reader) read alike: each
    character is wrong only if both are, so its confidence is 1 - (1 - p1)(1 - p2) over the
    recognisers' best readings (in a ``letters`` field a digit read for its look-alike letter
    counts as that letter). 0 when fewer than two recognisers read the line or one of them reads
    the field otherwise. A name's trailing fillers are left out (the line length fixes them)."""
    line = spans[0][0]
    final = zr.parsed.lines[line]
    stop = len(final.rstrip("<")) + 1 if name else len(final)
    cols = [col for ln, start, end in spans for col in range(start, min(end, stop)) if ln == line]
    best: dict[str, _Reading] = {}
    for r in zr.readings[line]:
        fam = _family(r.source)
        if fam == "vote" or not r.probs or not all(r.saw(col) for col in cols):
            continue  # a window set into the glyph reading is no reading of the rest
        if fam not in best or sum(r.probs) / len(r.probs) > sum(best[fam].probs) / len(
            best[fam].probs
        ):
            best[fam] = r
    if len(best) < 2:
        return 0.0
    doubt = [1.0] * len(final)
    for r in best.values():
        text = "".join(LETTER_FOR_DIGIT.get(c, c) for c in r.text) if letters else r.text
        said: dict[int, float] = {}
        for tag, i1, i2, j1, _j2 in _opcodes(text, final):
            if tag == "equal":
                said.update((j1 + k, r.probs[i1 + k]) for k in range(i2 - i1))
        if any(col not in said for col in cols):
            return 0.0  # this recogniser reads the field otherwise: no two readings
        for col, prob in said.items():
            doubt[col] *= 1.0 - prob
    return min((1.0 - doubt[col] for col in cols), default=0.0)


def _round_letter_only(parsed: ParsedMRZ, spans: Sequence[tuple[int, int, int]]) -> bool:
    """The field's only corrections turned a read 0 into the letter O (a country code)."""
    inside = [
        c
        for c in parsed.corrections
        if any(c.line == ln and s <= c.column < e for ln, s, e in spans)
    ]
    return bool(inside) and all((c.before, c.after) == ("0", "O") for c in inside)


def _doubtful_code(parsed: ParsedMRZ) -> bool:
    """A country code the ICAO list does not know, or a document code its format does not allow:
    other readings may get it right."""
    return any(w.startswith(("unknown_country", "invalid_document_code")) for w in parsed.warnings)


def _lookalike_evidence(zr: _ZoneRead, tuning: ReaderTuning) -> set[tuple[int, int]]:
    """Positions of the final lines where some reading gave the look-alike glyph a real chance."""
    out: set[tuple[int, int]] = set()
    for line, final in enumerate(zr.parsed.lines):
        for r in zr.readings[line]:
            if len(r.lookalike) != len(r.text):
                out.update((line, col) for col in range(len(final)))  # e.g. tesseract: unknown
                continue
            for tag, i1, i2, j1, _j2 in _opcodes(r.text, final):
                if tag == "equal":
                    for k in range(i2 - i1):
                        if r.lookalike[i1 + k] >= tuning.lookalike_evidence:
                            out.add((line, j1 + k))
    return out


def _glyph_sure(zr: _ZoneRead, tuning: ReaderTuning) -> set[tuple[int, int]]:
    """Positions of the final lines where the glyph reader read the same character, sure of it:
    at least ``glyph_sure``; an O or 0 whose look-alike it gave less than
    ``glyph_lookalike_settled``; another look-alike (1/I, 5/S, 8/B, 2/Z, 6/G) read at least
    ``glyph_pair_settled`` when every other recogniser that read the line agrees; a filler read
    at least ``glyph_decisive`` (a K it is not: a cell cut across a K reads as a filler, less
    sure)."""
    out: set[tuple[int, int]] = set()
    for line, final in enumerate(zr.parsed.lines):
        g = _glyph_of(zr.readings[line]) if line < len(zr.readings) else None
        if g is None or len(g.text) != len(final):
            continue
        alt = g.lookalike if len(g.lookalike) == len(g.text) else [1.0] * len(g.text)
        for col, ch in enumerate(final):
            if g.text[col] != ch:
                continue
            if g.probs[col] >= tuning.glyph_sure:
                out.add((line, col))
            elif ch == "<":
                if g.probs[col] >= tuning.glyph_decisive:
                    out.add((line, col))
            elif ch in "0O":
                if alt[col] < tuning.glyph_lookalike_settled:
                    out.add((line, col))
            elif (
                ch in _SWAP
                and g.probs[col] >= tuning.glyph_pair_settled
                and len(_agreeing_families(zr, line, col)) >= 2
            ):
                out.add((line, col))
    return out


def _plausible_swap(rows: list[list[str]], picks: Sequence[tuple[int, int]]) -> bool:
    """A swapped-in letter next to digits only (or a digit among letters only) would stand out
    to the recogniser; such a look-alike reading is not a real alternative."""
    for ln, col in picks:
        row = rows[ln]
        near = [row[j] for j in (col - 1, col + 1) if 0 <= j < len(row)]
        if row[col].isalpha() and all(c.isdigit() for c in near):
            return False
        if row[col].isdigit() and all(c.isalpha() for c in near):
            return False
    return True


def check_blind_fields(
    parsed: ParsedMRZ,
    doubtful: set[tuple[int, int]] | None = None,
    sure: set[tuple[int, int]] | None = None,
) -> list[str]:
    """Alphanumeric fields whose check digits cannot tell the reading from a look-alike.

    Two swapped look-alikes can leave every check digit intact (O and 0 at weights 7 and 3 add
    240, a multiple of 10). When another plausible reading with one or two such swaps also passes
    every check, the check digits prove nothing about those characters and a person must look.
    O and 0 are candidates (the line recogniser cannot tell them apart in OCR-B) unless the glyph
    reader is sure of them (``sure``); other look-alikes only where a reading gave the other
    glyph some probability (``doubtful``); a filler before the end of the field's characters is
    a K misread unless the glyph reader is sure of it (:func:`_inner_filler`).
    """
    blind: list[str] = []
    spans = field_spans(parsed)
    for name in ("document_number", "optional_data", "optional_data_2"):
        positions = [
            (ln, col)
            for ln, s, e in spans.get(name, ())
            for col in range(s, e)
            if (parsed.lines[ln][col] in "0O" and (sure is None or (ln, col) not in sure))
            or (parsed.lines[ln][col] in _SWAP and doubtful is not None and (ln, col) in doubtful)
            or (_inner_filler(parsed.lines[ln], col, e) and (sure is None or (ln, col) not in sure))
        ]
        if _has_blind_swap(parsed, name, positions):
            blind.append(name)
    return blind


def _inner_filler(line: str, col: int, end: int) -> bool:
    """A filler read before the end of a field's characters (``end``: where the field ends): a
    ``K`` misread (half a ``K`` is a chevron), which no check digit sees (K counts 20, a filler
    0: the same at every weight)."""
    return line[col] == "<" and line[col + 1 : end].strip("<") != ""


# The look-alikes a check-blind swap tries: the recognisers' pairs, and a filler for a K.
_BLIND_SWAP = {**_SWAP, "<": "K"}


def _has_blind_swap(parsed: ParsedMRZ, name: str, positions: list[tuple[int, int]]) -> bool:
    for k in (1, 2):
        for picks in itertools.combinations(positions, k):
            rows = [list(t) for t in parsed.lines]
            for ln, col in picks:
                rows[ln][col] = _BLIND_SWAP[rows[ln][col]]
            # a K for a filler is a cut, not a shape, slip: a letter among digits is no less likely
            if not _plausible_swap(
                rows, [(ln, c) for ln, c in picks if parsed.lines[ln][c] != "<"]
            ):
                continue
            alt = parse_mrz(["".join(t) for t in rows])
            if alt is not None and alt.valid and getattr(alt, name) != getattr(parsed, name):
                return True
    return False


def _family(source: str) -> str:
    """The recogniser behind a reading: PP-OCR's renderings are one recogniser, not several,
    and so are the line recogniser's (greedy and forced to a length)."""
    if source.startswith("ppocr"):
        return "ppocr"
    return "line" if source.startswith("line") else source


# Characters a recogniser may have read for another in a country code: the digit/letter pairs
# (0/O, 1/I, ...), the code look-alikes (P/M, O/D/Q, I/L, C/G) and a filler for a K (the glyph
# reader's K/< pair).
_SLIPS = {
    ch: "".join(sorted(set(LOOKALIKE.get(ch, "") + _CODE_LOOKALIKES.get(ch, ""))))
    for ch in set(LOOKALIKE) | set(_CODE_LOOKALIKES)
}
_SLIPS["<"] = "K"
_SLIPS["K"] = "<"


def known_by_a_slip(code: str) -> bool:
    """Whether look-alike slips (:data:`_SLIPS`, in any of its characters) turn ``code`` into
    another country code the ICAO list knows: ``PHI`` (``PHL``), ``8GD`` (``BGD``), ``AFC``
    (``AFG``). A pure function of the code."""
    options = [ch + _SLIPS.get(ch, "") for ch in code]
    return any(
        "".join(variant) != code and is_known_code("".join(variant))
        for variant in itertools.product(*options)
    )


def _valid_code(name: str, value: str) -> bool:
    if name in ("issuing_country", "nationality"):
        return is_known_code(value.ljust(3, "<"))
    if name == "sex":
        return value in ("M", "F", "<", "X")
    # a document code: its first letter says the kind (P, I, A, C, V), the second is free
    return len(value) == 2 and value[0] in "PIACV" and (value[1].isalpha() or value[1] == "<")


def _agreeing_families(zr: _ZoneRead, line: int, col: int) -> set[str]:
    """Recognisers every one of whose readings of this line has the final character at ``col``."""
    final = zr.parsed.lines[line]
    said: dict[str, set[str]] = {}
    for r in zr.readings[line]:
        if r.source == "vote" or not r.saw(col):
            continue
        got = "?"
        for tag, i1, i2, j1, j2 in _opcodes(r.text, final):
            if tag in ("equal", "replace") and j1 <= col < j2 and i2 - i1 == j2 - j1:
                got = r.text[i1 + col - j1]
        said.setdefault(_family(r.source), set()).add(got)
    return {fam for fam, chars in said.items() if chars == {final[col]}}


def lookalike_codes(zr: _ZoneRead, tuning: ReaderTuning) -> list[str]:
    """Check-blind codes (document code, countries, sex) that a single look-alike slip would turn
    into another valid code, and that neither two independent recognisers (PP-OCR, the glyph
    reader, tesseract) agree on nor the glyph reader is sure of (``code_glyph_sure``)."""
    p = zr.parsed
    out: list[str] = []
    for name, spans in field_spans(p).items():
        if name not in CODE_FIELDS:
            continue
        for line, start, end in spans:
            text = p.lines[line]
            glyph = _glyph_of(zr.readings[line]) if line < len(zr.readings) else None
            doubtful = False
            for col in range(start, min(end, len(text))):
                ch = text[col]
                value = text[start:end]
                alternatives = [
                    value[: col - start] + alt + value[col - start + 1 :]
                    for alt in _CODE_LOOKALIKES.get(ch, "")
                ]
                if not any(_valid_code(name, alt) for alt in alternatives):
                    continue
                if (
                    glyph is not None
                    and len(glyph.text) == len(text)
                    and glyph.text[col] == ch
                    and glyph.probs[col] >= tuning.code_glyph_sure
                ):
                    continue
                if len(_agreeing_families(zr, line, col)) >= 2:
                    continue
                doubtful = True
            if doubtful and name not in out:
                out.append(name)
    return out


def review_reasons(
    parsed: ParsedMRZ,
    conf: dict[str, float],
    doubtful: set[tuple[int, int]] | None = None,
    sure: set[tuple[int, int]] | None = None,
    *,
    tuning: ReaderTuning,
    lookalike: Sequence[str] = (),
) -> list[str]:
    """Why a person must look at this reading (empty: it may be accepted). ``lookalike`` names
    the codes :func:`lookalike_codes` found resting on one reading of a look-alike letter."""
    reasons = [f"check_failed:{name}" for name, ok in parsed.checks.items() if not ok]
    if not parsed.valid and not reasons:
        reasons.append("invalid_mrz")
    reasons += [w for w in parsed.warnings if w.startswith(_REVIEW_WARNINGS)]
    reasons += [f"low_confidence:{name}" for name, c in conf.items() if c < tuning.review_threshold]
    if parsed.valid:
        blind = check_blind_fields(parsed, doubtful, sure)
        reasons += [f"check_blind:{name}" for name in blind]
    reasons += [f"lookalike_code:{name}" for name in lookalike]
    return reasons


def _good_enough(zr: _ZoneRead, tuning: ReaderTuning) -> bool:
    if not zr.parsed.valid:
        return False
    conf = field_confidence(zr, tuning)
    return not review_reasons(zr.parsed, conf, tuning=tuning, lookalike=lookalike_codes(zr, tuning))
