"""Read the MRZ of a page: detect zones, recognise lines in several ways, vote by check digits.

Stages (each a small function): detect text lines -> group into zone candidates -> fix the
reading direction -> complete the zone (equal line lengths, a missed line) -> recognise every line
(PP-OCR first; more renderings and tesseract only when the checks are not yet satisfied) -> choose
the combination of line readings the parser validates best -> per-field confidence -> routing.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
import numpy.typing as npt

from docproc.config import get_settings
from docproc.reading.mrz.countries import is_known_code
from docproc.reading.mrz.detect import LineBox, ZoneCandidate, find_zones
from docproc.reading.mrz.model import MRZRead, ParsedMRZ
from docproc.reading.mrz.parse import (
    LETTER_FOR_DIGIT,
    RULE_COUNTRY,
    field_spans,
    mrz_likelihood,
    normalise_line,
    parse_mrz,
)
from docproc.reading.ocr.glyphs import CellGrid, cut_cells, fit_grid, frame_x, get_classifier
from docproc.reading.ocr.ppocr import (
    LOOKALIKE,
    MRZ_ALPHABET,
    PPOCR,
    LineReading,
    ctc_fixed_length,
    ctc_greedy,
    get_engine,
    warp_quad,
)
from docproc.reading.ocr.tesseract import run_tesseract

Image = npt.NDArray[np.uint8]

DETECT_SIDE = 960
# A first, quicker look at large pages: MRZ lines are among the larger print on a page.
DETECT_SIDE_GLANCE = 640
DETECT_SIDE_LARGE = 1600
REVIEW_THRESHOLD = 0.85
# A look-alike glyph (O for 0, I for 1, ...) with at least this probability at a position counts
# as a real alternative reading there.
LOOKALIKE_EVIDENCE = 0.02
# Warnings that make a record unsafe to accept without a person looking at it.
_UNVERIFIABLE = frozenset("0O1I2Z5S8B6G")
_REVIEW_WARNINGS = (
    "unknown_country",
    "ambiguous_correction",
    "guessed_correction",
    "invalid_",
    "not_a_date",
)


@dataclass
class _Reading:
    """One way of reading one line: its text and a probability per character."""

    text: str
    probs: list[float]
    source: str
    lookalike: list[float] = field(default_factory=list)  # probability of each char's look-alike
    frames: list[int] = field(default_factory=list)  # recogniser frame of each character
    dist: npt.NDArray[np.float32] | None = None  # glyph reader: class probabilities per cell


@dataclass
class _ZoneRead:
    parsed: ParsedMRZ
    readings: list[list[_Reading]]  # per line, every reading made
    chosen: list[_Reading]
    zone: ZoneCandidate
    rank: tuple[float, ...] = field(default=())


# ------------------------------------------------------------------------------------------------
# Geometry helpers


def _complete_lines(zone: ZoneCandidate) -> list[LineBox]:
    """All MRZ lines have the same length: stretch every line to the zone's extent along u."""
    u = zone.lines[0].u
    ends = [
        (float(np.dot(ln.center, u)) - ln.length / 2, float(np.dot(ln.center, u)) + ln.length / 2)
        for ln in zone.lines
    ]
    lo, hi = min(e[0] for e in ends), max(e[1] for e in ends)
    out = []
    for ln in zone.lines:
        shift = (lo + hi) / 2 - float(np.dot(ln.center, u))
        out.append(LineBox(ln.center + u * shift, u, hi - lo, ln.thickness))
    return out


def _neighbour_lines(lines: Sequence[LineBox], above: bool) -> list[LineBox]:
    """Line boxes one pitch above the first line or below the last one. With a single line the
    pitch is unknown: detector boxes run 1-1.8 times as thick as the line spacing, so try a few."""
    v = lines[0].v
    if len(lines) >= 2:
        pitches = [float(np.dot(lines[-1].center - lines[0].center, v)) / (len(lines) - 1)]
    else:
        pitches = [f * lines[0].thickness for f in (1.05, 1.3, 1.75)]
    ref = lines[0] if above else lines[-1]
    return [
        LineBox(ref.center + v * (-p if above else p), ref.u, ref.length, ref.thickness)
        for p in pitches
    ]


def _crop(image: Image, line: LineBox, variant: int) -> Image:
    """Rectified crop of one line. Variants differ in scale and margins; they fail differently."""
    if variant == 0:
        return warp_quad(image, line.quad(), 48, (0.01, 0.0))
    if variant == 1:
        return warp_quad(image, line.quad(), 32, (0.01, 0.0))
    if variant == 2:
        return warp_quad(image, line.quad(), 48, (0.02, 0.08))
    return warp_quad(image, line.quad(), 40, (0.015, -0.06))


# ------------------------------------------------------------------------------------------------
# Recognition


def _from_ppocr(r: LineReading, source: str) -> _Reading:
    return _Reading(
        r.text,
        [c.prob for c in r.chars],
        source,
        [c.alt_prob for c in r.chars],
        [c.frame for c in r.chars],
    )


def _tesseract_line(crop: Image) -> _Reading:
    gray = np.asarray(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), np.uint8)
    gray = np.asarray(cv2.copyMakeBorder(gray, 10, 10, 10, 10, cv2.BORDER_REPLICATE), np.uint8)
    text = normalise_line(run_tesseract(gray, psm=7, whitelist=MRZ_ALPHABET, timeout=10))
    # tesseract's word confidences are too coarse for characters; count it as a fair vote
    return _Reading(text, [0.7] * len(text), "tesseract")


_MRZ_WIDTHS = (30, 36, 44)


def _greedy(per: Sequence[_Reading]) -> _Reading:
    """A line's plain PP-OCR reading (not forced to a length, not the glyph reader's)."""
    return next(
        (r for r in per if r.source.startswith("ppocr") and not r.source.endswith("L")), per[0]
    )


def glyph_anchors(
    readings: Sequence[_Reading], width: int, shape: tuple[int, ...]
) -> list[tuple[int, float]] | None:
    """Where the line recogniser saw each character of a line (crop pixels), from the first
    reading of the MRZ length; anchors for the glyph reader's cell grid."""
    h, w = shape[:2]
    for r in readings:
        if len(r.text) == width and len(r.frames) == width:
            return [
                (i, frame_x(f, w, h))
                for i, (f, p) in enumerate(zip(r.frames, r.probs, strict=True))
                if f >= 0 and p >= 0.5
            ]
    return None


def _target_width(texts: Sequence[str]) -> int:
    """The MRZ line length (30, 36 or 44) that the greedy readings of a zone point to."""
    lengths = sorted(len(t) for t in texts if t)
    if not lengths:
        return 44
    typical = lengths[len(lengths) // 2] if len(lengths) < 3 else lengths[-2]
    return min(_MRZ_WIDTHS, key=lambda w: (abs(w - typical), -w))


def _decode_lines(
    mats: list[npt.NDArray[np.float32]], chars: str, source: str, width: int | None = None
) -> list[list[_Reading]]:
    """Greedy CTC per line, plus a reading forced to the zone's MRZ length where it differs."""
    greedy = [ctc_greedy(m, chars) for m in mats]
    width = width or _target_width([g.text for g in greedy])
    out: list[list[_Reading]] = []
    for m, g in zip(mats, greedy, strict=True):
        per = [_from_ppocr(g, source)]
        if len(g.text) != width and abs(len(g.text) - width) <= 10:
            fixed = ctc_fixed_length(m, chars, width)
            if fixed is not None:
                per.insert(0, _from_ppocr(fixed, source + "L"))
        out.append(per)
    return out


# The glyph reader decides between a character and its look-alike (or the filler) when it is at
# least this sure; check digits still have the last word where they cover the field.
GLYPH_DECISIVE = 0.9


def _glyph_readings(
    image: Image, lines: Sequence[LineBox], readings: Sequence[list[_Reading]], width: int
) -> list[_Reading | None]:
    """One reading per line from the OCR-B cell classifier (None where no grid could be fit)."""
    clf = get_classifier()
    cells: list[npt.NDArray[np.float32]] = []
    for ln, per in zip(lines, readings, strict=True):
        gray = np.asarray(cv2.cvtColor(_crop(image, ln, 0), cv2.COLOR_BGR2GRAY), np.uint8)
        grid = fit_grid(gray, width, glyph_anchors(per, width, gray.shape))
        empty = np.zeros((0, 1, 1), np.float32)
        cells.append(_aligned_cells(gray, grid) if grid is not None else empty)
    filled = [c for c in cells if len(c)]
    if not filled:
        return [None] * len(lines)
    dist = clf.classify(np.concatenate(filled))
    out: list[_Reading | None] = []
    at = 0
    for c in cells:
        if not len(c):
            out.append(None)
            continue
        out.append(_glyph_reading(dist[at : at + len(c)], clf.alphabet))
        at += len(c)
    return out


def _aligned_cells(gray: Image, grid: CellGrid) -> npt.NDArray[np.float32]:
    """Cells of the grid, or of the grid one pitch left or right when that one has a glyph in
    both end cells and this one does not (every MRZ position holds a glyph, fillers included;
    anchors from a reading that put a character in the wrong place shift the whole grid)."""
    best: tuple[float, npt.NDArray[np.float32]] | None = None
    for k in (0, -1, 1):
        cells = cut_cells(gray, replace(grid, x0=grid.x0 + k * grid.pitch))
        ink = cells.reshape(len(cells), -1).sum(axis=1)
        typical = float(np.median(ink)) or 1.0
        ends = min(float(ink[0]), float(ink[-1])) / typical
        if ends >= 0.3:
            return cells
        if best is None or ends > best[0]:
            best = (ends, cells)
    assert best is not None
    return best[1]


def _glyph_reading(d: npt.NDArray[np.float32], alphabet: str) -> _Reading:
    top = d.argmax(axis=1)
    text = "".join(alphabet[k] for k in top)
    alt = [alphabet.find(LOOKALIKE.get(ch, "")) for ch in text]
    return _Reading(
        text,
        [float(d[i, k]) for i, k in enumerate(top)],
        "glyph",
        [float(d[i, a]) if a >= 0 else 0.0 for i, a in enumerate(alt)],
        dist=d,
    )


def _add_glyph_readings(
    image: Image, lines: Sequence[LineBox], readings: Sequence[list[_Reading]]
) -> None:
    width = _target_width([_greedy(per).text for per in readings])
    for per, g in zip(readings, _glyph_readings(image, lines, readings, width), strict=True):
        if g is not None:
            per.append(g)


def _orient(
    image: Image, zone: ZoneCandidate, engine: PPOCR
) -> tuple[ZoneCandidate, list[LineBox], list[LineReading], list[list[_Reading]]]:
    """Read every line the way the detector found it; if that does not read like an MRZ, fix the
    reading direction (0 or 180 degrees) and read again.

    The direction test reads the middle third of the longest line both ways round (a third of a
    line costs a third of the recogniser's time); text upside down reads as low-probability noise.
    """
    lines = _complete_lines(zone)
    mats, chars = engine.recognise_matrices([_crop(image, ln, 0) for ln in lines])
    first = [ctc_greedy(m, chars) for m in mats]
    if _reads_well(first):
        return zone, lines, first, _decode_lines(mats, chars, "ppocr0")
    probe = max(lines, key=lambda ln: ln.length)
    crop = _crop(image, probe, 0)
    w = crop.shape[1]
    part = np.ascontiguousarray(crop[:, w // 3 : 2 * w // 3])
    pm, chars = engine.recognise_matrices([part, np.ascontiguousarray(part[::-1, ::-1])])
    fwd_probe, back_probe = (ctc_greedy(m, chars) for m in pm)

    def score(r: LineReading) -> float:
        return float(r.mean_prob * max(1, len(r.text)) ** 0.5)

    if score(back_probe) <= score(fwd_probe):
        return zone, lines, first, _decode_lines(mats, chars, "ppocr0")
    zone = zone.flipped()
    lines = _complete_lines(zone)
    mats, chars = engine.recognise_matrices([_crop(image, ln, 0) for ln in lines])
    return zone, lines, [ctc_greedy(m, chars) for m in mats], _decode_lines(mats, chars, "ppocr0")


def _reads_well(reads: Sequence[LineReading]) -> bool:
    """Confidently read MRZ-like text: the direction is right."""
    return all(r.mean_prob >= 0.8 for r in reads) and any(
        mrz_likelihood(r.text) >= 0.6 for r in reads
    )


def _doubtful_code(parsed: ParsedMRZ) -> bool:
    """A country code the ICAO list does not know: other readings may get it right."""
    return any(w.startswith("unknown_country") for w in parsed.warnings)


def _looks_like_mrz(reads: Sequence[LineReading]) -> bool:
    return any(mrz_likelihood(r.text) >= 0.25 or "<<" in r.text for r in reads)


# ------------------------------------------------------------------------------------------------
# Choosing among readings


def _rank(parsed: ParsedMRZ, chosen: Sequence[_Reading]) -> tuple[float, ...]:
    mean_prob = float(np.mean([np.mean(r.probs) if r.probs else 0.0 for r in chosen]))
    unknown = sum(1 for w in parsed.warnings if w.startswith(("unknown_country", "invalid_")))
    return (
        float(parsed.valid),
        float(parsed.check_score),
        -float(unknown),
        -float(len(parsed.corrections)),
        mean_prob,
    )


def _vote(readings: list[_Reading]) -> _Reading | None:
    """Character vote among readings of the same length (probability-weighted)."""
    if len(readings) < 3:
        return None
    lengths = [len(r.text) for r in readings]
    common = max(set(lengths), key=lengths.count)
    same = [r for r in readings if len(r.text) == common]
    if len(same) < 3:
        return None
    text, probs = [], []
    for i in range(common):
        weights: dict[str, float] = {}
        for r in same:
            weights[r.text[i]] = weights.get(r.text[i], 0.0) + r.probs[i]
        ch = max(weights, key=lambda c: weights[c])
        text.append(ch)
        probs.append(weights[ch] / sum(weights.values()))
    return _Reading("".join(text), probs, "vote")


def _best_combination(readings: list[list[_Reading]]) -> tuple[ParsedMRZ, list[_Reading]] | None:
    options: list[list[_Reading]] = []
    for per_line in readings:
        uniq: dict[str, _Reading] = {}
        for r in per_line:
            if r.text and (r.text not in uniq or np.mean(r.probs) > np.mean(uniq[r.text].probs)):
                uniq[r.text] = r
        voted = _vote(per_line)
        if voted is not None and voted.text not in uniq:
            uniq[voted.text] = voted
        ordered = sorted(uniq.values(), key=lambda r: -float(np.mean(r.probs)))[:5]
        if not ordered:
            return None
        options.append(ordered)
    best: tuple[tuple[float, ...], ParsedMRZ, list[_Reading]] | None = None
    for combo in itertools.product(*options):
        parsed = parse_mrz([r.text for r in combo])
        if parsed is None:
            continue
        rank = _rank(parsed, combo)
        if best is None or rank > best[0]:
            best = (rank, parsed, list(combo))
    return (best[1], best[2]) if best else None


# ------------------------------------------------------------------------------------------------
# Confidence


def _char_confidences(final: str, reading: _Reading) -> list[float]:
    """Map a reading's character probabilities onto the parser's final line."""
    out = [0.5] * len(final)
    matcher = difflib.SequenceMatcher(None, reading.text, final, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out[j1:j2] = reading.probs[i1:i2]
    return out


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


# Corrections that only restate what the field type allows keep the glyph's OCR probability; a
# character chosen by a check digit or inserted to repair the length is less certain.
_CORRECTION_CAP = {
    "check_digit_choice": 0.75,
    "length_insert": 0.5,
    "length_delete": 0.6,
    "country_code": 0.8,
}


def field_confidence(zr: _ZoneRead) -> dict[str, float]:
    p = zr.parsed
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
        if name == "optional_data" and p.type.value in ("MRVA", "MRVB"):
            # no check digit covers a visa's optional data: O/0, I/1, S/5... cannot be verified
            text = "".join(p.lines[ln][s:e] for ln, s, e in spans)
            if any(ch in _UNVERIFIABLE for ch in text):
                conf = min(conf, 0.8)
        if name in ("issuing_country", "nationality") and not any(
            (ln, col) in caps for ln, s, e in spans for col in range(s, e)
        ):
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
            readings = len(zr.readings[spans[0][0]])
            if _name_agreement(zr, spans[0][0]) < 1.0 or readings < 2:
                conf = min(conf, 0.6)
            else:
                conf = 1 - (1 - conf) * 0.5
        result[name] = float(conf)
    return result


_SWAP = LOOKALIKE  # a glyph and the one the recogniser confuses it with


def _lookalike_evidence(zr: _ZoneRead) -> set[tuple[int, int]]:
    """Positions of the final lines where some reading gave the look-alike glyph a real chance."""
    out: set[tuple[int, int]] = set()
    for line, final in enumerate(zr.parsed.lines):
        for r in zr.readings[line]:
            if len(r.lookalike) != len(r.text):
                out.update((line, col) for col in range(len(final)))  # e.g. tesseract: unknown
                continue
            matcher = difflib.SequenceMatcher(None, r.text, final, autojunk=False)
            for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
                if tag == "equal":
                    for k in range(i2 - i1):
                        if r.lookalike[i1 + k] >= LOOKALIKE_EVIDENCE:
                            out.add((line, j1 + k))
    return out


# The glyph reader's probability for a character above which an O/0 at that place is settled.
GLYPH_SURE = 0.995


def _glyph_sure(zr: _ZoneRead) -> set[tuple[int, int]]:
    """Positions of the final lines where the glyph reader read the same character, sure of it."""
    out: set[tuple[int, int]] = set()
    for line, final in enumerate(zr.parsed.lines):
        g = _glyph_of(zr.readings[line])
        if g is None or len(g.text) != len(final):
            continue
        out.update(
            (line, col)
            for col, ch in enumerate(final)
            if g.text[col] == ch and g.probs[col] >= GLYPH_SURE
        )
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
    glyph some probability (``doubtful``).
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
        ]
        if _has_blind_swap(parsed, name, positions):
            blind.append(name)
    return blind


def _has_blind_swap(parsed: ParsedMRZ, name: str, positions: list[tuple[int, int]]) -> bool:
    for k in (1, 2):
        for picks in itertools.combinations(positions, k):
            rows = [list(t) for t in parsed.lines]
            for ln, col in picks:
                rows[ln][col] = _SWAP[rows[ln][col]]
            if not _plausible_swap(rows, picks):
                continue
            alt = parse_mrz(["".join(t) for t in rows])
            if alt is not None and alt.valid and getattr(alt, name) != getattr(parsed, name):
                return True
    return False


def review_reasons(
    parsed: ParsedMRZ,
    conf: dict[str, float],
    doubtful: set[tuple[int, int]] | None = None,
    sure: set[tuple[int, int]] | None = None,
) -> list[str]:
    reasons = [f"check_failed:{name}" for name, ok in parsed.checks.items() if not ok]
    if not parsed.valid and not reasons:
        reasons.append("invalid_mrz")
    reasons += [w for w in parsed.warnings if w.startswith(_REVIEW_WARNINGS)]
    reasons += [f"low_confidence:{name}" for name, c in conf.items() if c < REVIEW_THRESHOLD]
    if parsed.valid:
        blind = check_blind_fields(parsed, doubtful, sure)
        reasons += [f"check_blind:{name}" for name in blind]
    return reasons


# ------------------------------------------------------------------------------------------------
# The stage


@dataclass
class _Attempt:
    """A zone after the first, cheap reading: enough to rank zones before reading harder."""

    zone: ZoneCandidate
    lines: list[LineBox]
    readings: list[list[_Reading]]
    result: _ZoneRead | None
    likelihood: float


# The glyph-first path is taken only when every line's cells are read at least this surely on
# average; a zone read upside down averages about 0.5.
GLYPH_FIRST_MEAN = 0.8
# Below this mean the fast path also needs PP-OCR to agree on the names.
GLYPH_SURE_MEAN = 0.9
_UPSIDE_DOWN_MEAN = 0.6


@dataclass
class _GlyphZone:
    """A zone's lines read by the glyph reader alone: readings, cell grids, crop widths."""

    readings: list[_Reading]
    grids: list[CellGrid]
    crop_widths: list[int]

    @property
    def mean(self) -> float:
        return min(float(np.mean(r.probs)) for r in self.readings)


def _glyph_zone(image: Image, lines: Sequence[LineBox], width: int) -> _GlyphZone | None:
    """Every line of a zone read by the glyph reader alone, on grids fit to the ink."""
    clf = get_classifier()
    grays = [
        np.asarray(cv2.cvtColor(_crop(image, ln, 0), cv2.COLOR_BGR2GRAY), np.uint8) for ln in lines
    ]
    grids = [fit_grid(g, width) for g in grays]
    fitted = [g for g in grids if g is not None]
    if len(fitted) != len(grids):
        return None
    cells = [_aligned_cells(g, grid) for g, grid in zip(grays, fitted, strict=True)]
    dist = clf.classify(np.concatenate(cells))
    return _GlyphZone(
        [
            _glyph_reading(dist[i * width : (i + 1) * width], clf.alphabet)
            for i in range(len(lines))
        ],
        fitted,
        [g.shape[1] for g in grays],
    )


# Cells of a filler run the glyph reader is this sure of are left out of PP-OCR's second reading.
_SURE_FILLER = 0.9
# The cut-down crop ends this many cells after the last glyph: half a filler is white enough.
_HEAD_MARGIN = 0.5


def _filler_tail(glyph: _Reading) -> int:
    """Where the run of sure fillers that ends a line starts (the line's length if none)."""
    end = len(glyph.text)
    while end > 0 and glyph.text[end - 1] == "<" and glyph.probs[end - 1] >= _SURE_FILLER:
        end -= 1
    return end


def _head(line: LineBox, grid: CellGrid, crop_width: int, cells: float) -> LineBox:
    """The line box cut down to its first ``cells`` cells (the crop of :func:`_crop` variant 0
    spans the line's length plus 1 % each side)."""
    padded = line.length * 1.02
    right = (grid.x0 + cells * grid.pitch) / crop_width * padded - padded / 2
    left = -line.length / 2
    return LineBox(line.center + line.u * (left + right) / 2, line.u, right - left, line.thickness)


def _with_tail(head: _Reading, glyph: _Reading) -> _Reading:
    """A reading of a line's head (up to its filler run) completed by the glyph reading."""
    n = min(len(head.text.rstrip("<")), len(glyph.text))
    return _Reading(head.text[:n] + glyph.text[n:], head.probs[:n] + glyph.probs[n:], head.source)


def _head_readings(m: npt.NDArray[np.float32], chars: str, head: int) -> list[_Reading]:
    """PP-OCR's readings of a line's head that hold ``head`` characters before any fillers the
    crop's margin shows: the greedy one, else ones forced to that length (or one more)."""
    greedy = _from_ppocr(ctc_greedy(m, chars), "ppocr0")
    if len(greedy.text.rstrip("<")) == head:
        return [greedy]
    forced = [ctc_fixed_length(m, chars, n) for n in (head, head + 1)]
    out = [_from_ppocr(f, "ppocr0L") for f in forced if f is not None]
    return [r for r in out if len(r.text.rstrip("<")) == head] + [greedy]


def _reread(
    image: Image, lines: Sequence[LineBox], gz: _GlyphZone, which: Sequence[int], engine: PPOCR
) -> list[list[_Reading]]:
    """PP-OCR readings of some lines of a glyph-read zone, each with the glyph reading beside it.

    A line that ends in a run of fillers the glyph reader is sure of is read by PP-OCR only up to
    half a cell into that run (a name line is often half fillers, and the recogniser's time grows
    with the width); the glyph reading supplies the rest of the line."""
    width = len(gz.readings[0].text)
    heads: list[int] = []
    crops: list[Image] = []
    for i in which:
        head = _filler_tail(gz.readings[i])
        head = head if head <= width - 4 else width
        heads.append(head)
        box = (
            lines[i]
            if head == width
            else _head(lines[i], gz.grids[i], gz.crop_widths[i], head + _HEAD_MARGIN)
        )
        crops.append(_crop(image, box, 0))
    mats, chars = engine.recognise_matrices(crops)
    readings: list[list[_Reading]] = [[r] for r in gz.readings]
    for i, head, m in zip(which, heads, mats, strict=True):
        glyph = gz.readings[i]
        if head == width:
            per = _decode_lines([m], chars, "ppocr0", width)[0]
        else:
            per = [_with_tail(r, glyph) for r in _head_readings(m, chars, head)]
        readings[i] = [*per, glyph]
    return readings


def _glyph_first(image: Image, zone: ZoneCandidate, engine: PPOCR) -> _Attempt | None:
    """The fast path: read the zone's cells with the glyph reader alone (grids from the ink; a
    3-line zone is TD1, a 2-line zone TD3/MRV-A or TD2/MRV-B), the way the detector found it or,
    when that reads like noise, turned round. When that parses with every check digit passing,
    PP-OCR reads only the name line (names need a second reading) and any line the parser had to
    guess a character in (a country code from a look-alike digit). Anything less (a missed line,
    a failed check) returns None: the full path follows."""
    if len(zone.lines) not in (2, 3):
        return None
    for width in (30,) if len(zone.lines) == 3 else (44, 36):
        placed = zone
        lines = _complete_lines(placed)
        gz = _glyph_zone(image, lines, width)
        if gz is not None and gz.mean < _UPSIDE_DOWN_MEAN:
            placed = zone.flipped()
            lines = _complete_lines(placed)
            gz = _glyph_zone(image, lines, width)
        if gz is None or gz.mean < GLYPH_FIRST_MEAN:
            continue
        parsed = parse_mrz([r.text for r in gz.readings])
        if parsed is None or not parsed.valid:
            continue
        capped = [c for c in parsed.corrections if c.rule in _CORRECTION_CAP]
        if any(c.rule != RULE_COUNTRY for c in capped):
            continue  # a check-digit choice or a length repair: the full path reads it better
        name_line = field_spans(parsed)["surname"][0][0]
        again = sorted({name_line} | {c.line for c in capped})
        readings = _reread(image, lines, gz, again, engine)
        zr = _choose(readings, placed, lines)
        if zr is None or not zr.parsed.valid or _doubtful_code(zr.parsed):
            continue
        if gz.mean < GLYPH_SURE_MEAN and _name_agreement(zr, name_line) < 1.0:
            continue  # a less sure reading whose names PP-OCR disputes: read it all again
        return _Attempt(placed, lines, readings, zr, 1.0)
    return None


def _first_pass(image: Image, zone: ZoneCandidate, engine: PPOCR) -> _Attempt | None:
    fast = _glyph_first(image, zone, engine)
    if fast is not None:
        return fast
    zone, lines, first, readings = _orient(image, zone, engine)
    if not _looks_like_mrz(first):
        return None
    _add_glyph_readings(image, lines, readings)
    likelihood = float(np.mean([mrz_likelihood(r.text) for r in first]))
    return _Attempt(zone, lines, readings, _choose(readings, zone, lines), likelihood)


def _settled(attempt: _Attempt) -> bool:
    zr = attempt.result
    return zr is not None and zr.parsed.valid and not _doubtful_code(zr.parsed)


def _names_confirmed(zr: _ZoneRead) -> bool:
    """The names already rest on two independent recognisers that agree (PP-OCR and glyphs)."""
    line = field_spans(zr.parsed)["surname"][0][0]
    per = zr.readings[line]
    return (
        _glyph_of(per) is not None
        and any(r.source.startswith("ppocr") for r in per)
        and _name_agreement(zr, line) == 1.0
    )


def _confirm_names(image: Image, attempt: _Attempt, engine: PPOCR) -> _ZoneRead | None:
    """Every check digit passes, but names have none: read the name line once more from a
    differently scaled crop, so that their confidence rests on two readings."""
    zr = attempt.result
    assert zr is not None
    name_line = field_spans(zr.parsed)["surname"][0][0]
    line_box = zr.zone.lines[name_line]
    index = next(i for i, ln in enumerate(attempt.lines) if ln is line_box)
    mats, chars = engine.recognise_matrices([_crop(image, line_box, 2)])
    width = len(zr.parsed.lines[0])
    attempt.readings[index].extend(_decode_lines(mats, chars, "ppocr2", width)[0])
    return _choose(attempt.readings, attempt.zone, attempt.lines)


def _read_harder(image: Image, attempt: _Attempt, engine: PPOCR, deep: bool) -> _ZoneRead | None:
    """More readings of a zone whose checks do not pass yet: a missed line, other renderings,
    and (``deep``) a second engine."""
    attempt = _stretch_truncated(image, attempt, engine) or attempt
    lines, readings, zone = attempt.lines, attempt.readings, attempt.zone
    if len(lines) < 3:
        lines, readings = _add_missed_line(image, lines, readings, engine)
    for v in (1, 2, 3):
        mats, chars = engine.recognise_matrices([_crop(image, ln, v) for ln in lines])
        for i, per in enumerate(_decode_lines(mats, chars, f"ppocr{v}")):
            readings[i].extend(per)
    zr = _choose(readings, zone, lines)
    if not deep or (zr is not None and _good_enough(zr)):
        return zr
    for i, ln in enumerate(lines):
        readings[i].append(_tesseract_line(_crop(image, ln, 0)))
    return _choose(readings, zone, lines)


def _reading_pitch(attempt: _Attempt) -> float | None:
    """Character pitch in image pixels from where the recogniser peaked along the longest line."""
    r = max((_greedy(p) for p in attempt.readings), key=lambda g: len(g.text))
    if len(r.frames) < 6 or len(r.frames) != len(r.text):
        return None
    slope = float(np.polyfit(np.arange(len(r.frames)), np.array(r.frames, float), 1)[0])
    # crops are 48 px high for the line's thickness; a frame is 8 crop pixels
    return slope * 8 * attempt.lines[0].thickness / 48 if slope > 0 else None


def _stretch_truncated(image: Image, attempt: _Attempt, engine: PPOCR) -> _Attempt | None:
    """Lines that read far shorter than any MRZ: the detector often stops where a long run of
    fillers starts. Stretch the zone to a full MRZ line at the pitch read so far (to the right,
    where fillers run, else to the left) and read it again."""
    lines = attempt.lines
    read = max(len(_greedy(per).text) for per in attempt.readings)
    if read == 0 or read >= min(_MRZ_WIDTHS) - 3:
        return None
    pitch = _reading_pitch(attempt) or lines[0].length / (read + 0.5)
    widths = [30] if len(lines) == 3 else [44, 36]
    best: _Attempt | None = None
    for width in widths:
        extra = width * pitch * 1.06 - lines[0].length
        if extra <= pitch:
            continue
        for direction in (1.0, -1.0):
            moved = [
                LineBox(
                    ln.center + ln.u * direction * extra / 2, ln.u, ln.length + extra, ln.thickness
                )
                for ln in lines
            ]
            mats, chars = engine.recognise_matrices([_crop(image, ln, 0) for ln in moved])
            readings = _decode_lines(mats, chars, "ppocr0", width)
            _add_glyph_readings(image, moved, readings)
            zone = ZoneCandidate(tuple(moved), attempt.zone.score)
            zr = _choose(readings, zone, moved)
            if zr is None:
                continue
            tried = _Attempt(zone, moved, readings, zr, attempt.likelihood)
            if best is None or best.result is None or zr.rank > best.result.rank:
                best = tried
            if zr.parsed.valid:
                return best
    return best


def _add_missed_line(
    image: Image, lines: list[LineBox], readings: list[list[_Reading]], engine: PPOCR
) -> tuple[list[LineBox], list[list[_Reading]]]:
    """An MRZ has 2 or 3 lines; look one pitch beyond the zone for a line the detector missed."""
    sides = [_neighbour_lines(lines, above=True), _neighbour_lines(lines, above=False)]
    boxes = [ln for side in sides for ln in side]
    got = engine.recognise([_crop(image, ln, 0) for ln in boxes])
    typical = max(len(_greedy(r).text) for r in readings)
    lines, readings = list(lines), list(readings)
    at = 0
    for k, side in enumerate(sides):
        found = [
            (ln, r)
            for ln, r in zip(side, got[at : at + len(side)], strict=True)
            if (mrz_likelihood(r.text) >= 0.5 or "<<" in r.text) and abs(len(r.text) - typical) <= 8
        ]
        at += len(side)
        if not found or len(lines) >= 3:
            continue
        ln, r = max(found, key=lambda f: f[1].mean_prob)
        if k == 0:
            lines.insert(0, ln)
            readings.insert(0, [_from_ppocr(r, "ppocr0")])
        else:
            lines.append(ln)
            readings.append([_from_ppocr(r, "ppocr0")])
    return lines, readings


def _choose(
    readings: list[list[_Reading]], zone: ZoneCandidate, lines: list[LineBox]
) -> _ZoneRead | None:
    """Best parse over the line readings; a 3-line zone may really be 2 MRZ lines + other text."""
    subsets = [list(range(len(lines)))]
    if len(lines) == 3:
        subsets += [[1, 2], [0, 1]]
    best: _ZoneRead | None = None
    for subset in subsets:
        found = _best_combination([readings[i] for i in subset])
        if found is None:
            continue
        parsed, chosen = found
        parsed, chosen = _revote(parsed, chosen, [readings[i] for i in subset])
        parsed, chosen = _arbitrate(parsed, chosen, [readings[i] for i in subset])
        placed = ZoneCandidate(tuple(lines[i] for i in subset), zone.score)
        zr = _ZoneRead(parsed, [readings[i] for i in subset], chosen, placed, _rank(parsed, chosen))
        if best is None or zr.rank > best.rank:
            best = zr
        if best.parsed.valid:
            break
    return best


def _revote(
    parsed: ParsedMRZ, chosen: list[_Reading], readings: list[list[_Reading]]
) -> tuple[ParsedMRZ, list[_Reading]]:
    """Vote every character over all readings aligned to the parsed lines; keep it if better."""
    if sum(len(r) for r in readings) <= len(readings) or len(parsed.lines) != len(readings):
        return parsed, chosen
    # in a name a digit can only stand for its look-alike letter: votes for 0 count for O
    letters = {
        (line, col)
        for name in ("surname", "given_names")
        for line, start, end in field_spans(parsed).get(name, ())
        for col in range(start, end)
    }
    voted: list[_Reading] = []
    for li, (final, per_line) in enumerate(zip(parsed.lines, readings, strict=True)):
        weights: list[dict[str, float]] = [{} for _ in final]
        for r in per_line:
            norm = normalise_line(r.text)
            probs = r.probs if len(r.probs) == len(norm) else [0.5] * len(norm)
            matcher = difflib.SequenceMatcher(None, norm, final, autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
                    for k in range(i2 - i1):
                        ch = norm[i1 + k]
                        if (li, j1 + k) in letters:
                            ch = LETTER_FOR_DIGIT.get(ch, ch)
                        weights[j1 + k][ch] = weights[j1 + k].get(ch, 0.0) + probs[i1 + k]
        text, probs_out = [], []
        for j, w in enumerate(weights):
            if not w:
                text.append(final[j])
                probs_out.append(0.3)
                continue
            ch = max(w, key=lambda c: w[c])
            text.append(ch)
            probs_out.append(w[ch] / max(1e-9, sum(w.values())))
        voted.append(_Reading("".join(text), probs_out, "vote"))
    reparsed = parse_mrz([r.text for r in voted])
    if reparsed is not None and _rank(reparsed, voted) > _rank(parsed, chosen):
        return reparsed, voted
    return parsed, chosen


def _glyph_of(per_line: Sequence[_Reading]) -> _Reading | None:
    return next((r for r in per_line if r.source == "glyph" and r.dist is not None), None)


def _decides(ch: str, glyph_ch: str) -> bool:
    """Pairs the line recogniser confuses and the glyph reader tells apart."""
    return LOOKALIKE.get(ch) == glyph_ch or (ch == "<") != (glyph_ch == "<")


def _arbitrate(
    parsed: ParsedMRZ, chosen: list[_Reading], readings: list[list[_Reading]]
) -> tuple[ParsedMRZ, list[_Reading]]:
    """Let the glyph reader settle look-alikes (O/0, I/1, ...) and filler-or-letter where it is
    sure; keep the result only if the check digits like it at least as well."""
    if len(parsed.lines) != len(readings):
        return parsed, chosen
    rows = [list(t) for t in parsed.lines]
    probs = [_char_confidences(t, r) for t, r in zip(parsed.lines, chosen, strict=True)]
    changed = False
    for row, prob, per in zip(rows, probs, readings, strict=True):
        g = _glyph_of(per)
        if g is None or len(g.text) != len(row):
            continue
        for j, ch in enumerate(row):
            gc = g.text[j]
            if gc != ch and g.probs[j] >= GLYPH_DECISIVE and _decides(ch, gc):
                row[j] = gc
                prob[j] = g.probs[j]
                changed = True
    if not changed:
        return parsed, chosen
    alt = parse_mrz(["".join(r) for r in rows])
    if alt is None or (alt.valid, alt.check_score) < (parsed.valid, parsed.check_score):
        return parsed, chosen
    new = [
        _Reading(t, p if len(p) == len(t) else [0.5] * len(t), "glyph")
        for t, p in zip(alt.lines, probs, strict=True)
    ]
    return alt, new


def _good_enough(zr: _ZoneRead) -> bool:
    if not zr.parsed.valid:
        return False
    conf = field_confidence(zr)
    return not review_reasons(zr.parsed, conf)


def _confirmed(image: Image, attempt: _Attempt, engine: PPOCR) -> _ZoneRead | None:
    """A settled attempt, with its names read once more unless two recognisers agree on them."""
    assert attempt.result is not None
    if _names_confirmed(attempt.result):
        return attempt.result
    return _confirm_names(image, attempt, engine)


def _search(image: Image, engine: PPOCR, deep: bool) -> _ZoneRead | None:
    """Every candidate zone of a full-size detection gets one cheap reading; the first whose
    checks all pass is confirmed. Otherwise only the most MRZ-like zone is read harder."""
    attempts: list[_Attempt] = []
    sides = [DETECT_SIDE]
    if max(image.shape[:2]) > DETECT_SIDE * 1.5:
        sides.append(DETECT_SIDE_LARGE)
    for side in sides:
        for zone in find_zones(engine.detect(image, side), max_candidates=4):
            attempt = _first_pass(image, zone, engine)
            if attempt is None:
                continue
            if _settled(attempt):
                return _confirmed(image, attempt, engine)
            attempts.append(attempt)
        if attempts:
            break  # a larger detection size only when nothing MRZ-like was seen
    if not attempts:
        return None
    top = max(attempts, key=lambda a: (a.result.rank if a.result else (-1.0,), a.likelihood))
    return _read_harder(image, top, engine, deep)


def _glance(image: Image, engine: PPOCR) -> _ZoneRead | None:
    """The quickest read of a large page: text lines detected at a small size, zones read by the
    glyph reader (:func:`_glyph_first`). None when that does not settle it."""
    if max(image.shape[:2]) <= DETECT_SIDE_GLANCE * 1.2:
        return None  # small pages are detected at their own size anyway
    for zone in find_zones(engine.detect(image, DETECT_SIDE_GLANCE), max_candidates=4):
        attempt = _glyph_first(image, zone, engine)
        if attempt is not None and _settled(attempt):
            return _confirmed(image, attempt, engine)
    return None


def read_page(
    image: Image, page: int = 0, *, deep: bool = True, engine: PPOCR | None = None
) -> MRZRead | None:
    """The MRZ on one page image (BGR), or None when there is none.

    A large page is first glanced at: lines detected at a small size, zones read by the glyph
    reader (:func:`_glance`). Otherwise every candidate zone of a full-size detection gets one
    cheap reading; the first whose checks all pass is confirmed and returned. Otherwise only the
    most MRZ-like zone is read harder.
    """
    engine = engine or get_engine(get_settings().onnx_threads)
    best = _glance(image, engine)
    if best is None:
        best = _search(image, engine, deep)
    if best is None:
        return None
    conf = field_confidence(best)
    reasons = review_reasons(best.parsed, conf, _lookalike_evidence(best), _glyph_sure(best))
    quad = best.zone.quad()
    return MRZRead(
        parsed=best.parsed,
        confidence=min(conf.values()) if conf else 0.0,
        field_confidence=conf,
        needs_review=bool(reasons),
        review_reasons=tuple(reasons),
        quad=tuple((float(x), float(y)) for x, y in quad),  # type: ignore[arg-type]
        page=page,
        engine="+".join(sorted({r.source.rstrip("0123L") for r in best.chosen})),
    )
