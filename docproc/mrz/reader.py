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
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from docproc.mrz.detect import LineBox, ZoneCandidate, find_zones
from docproc.mrz.model import MRZRead, ParsedMRZ
from docproc.mrz.parse import field_spans, mrz_likelihood, normalise_line, parse_mrz
from docproc.ocr.ppocr import (
    MRZ_ALPHABET,
    PPOCR,
    LineReading,
    ctc_fixed_length,
    ctc_greedy,
    get_engine,
    warp_quad,
)
from docproc.ocr.tesseract import run_tesseract

Image = npt.NDArray[np.uint8]

DETECT_SIDE = 960
DETECT_SIDE_LARGE = 1600
REVIEW_THRESHOLD = 0.85
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


def _neighbour_line(lines: Sequence[LineBox], above: bool) -> LineBox:
    """A line box one pitch above the first line or below the last one."""
    v = lines[0].v
    if len(lines) >= 2:
        pitch = float(np.dot(lines[-1].center - lines[0].center, v)) / (len(lines) - 1)
    else:
        pitch = 1.8 * lines[0].thickness
    ref = lines[0] if above else lines[-1]
    step = -pitch if above else pitch
    return LineBox(ref.center + v * step, ref.u, ref.length, ref.thickness)


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
    return _Reading(r.text, [c.prob for c in r.chars], source)


def _tesseract_line(crop: Image) -> _Reading:
    gray = np.asarray(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), np.uint8)
    gray = np.asarray(cv2.copyMakeBorder(gray, 10, 10, 10, 10, cv2.BORDER_REPLICATE), np.uint8)
    text = normalise_line(run_tesseract(gray, psm=7, whitelist=MRZ_ALPHABET, timeout=10))
    # tesseract's word confidences are too coarse for characters; count it as a fair vote
    return _Reading(text, [0.7] * len(text), "tesseract")


_MRZ_WIDTHS = (30, 36, 44)


def _target_width(texts: Sequence[str]) -> int:
    """The MRZ line length (30, 36 or 44) that the greedy readings of a zone point to."""
    lengths = sorted(len(t) for t in texts if t)
    if not lengths:
        return 44
    typical = lengths[len(lengths) // 2] if len(lengths) < 3 else lengths[-2]
    return min(_MRZ_WIDTHS, key=lambda w: (abs(w - typical), -w))


def _decode_lines(
    mats: list[npt.NDArray[np.float32]], chars: str, source: str
) -> list[list[_Reading]]:
    """Greedy CTC per line, plus a reading forced to the zone's MRZ length where it differs."""
    greedy = [ctc_greedy(m, chars) for m in mats]
    width = _target_width([g.text for g in greedy])
    out: list[list[_Reading]] = []
    for m, g in zip(mats, greedy, strict=True):
        per = [_from_ppocr(g, source)]
        if len(g.text) != width and abs(len(g.text) - width) <= 10:
            fixed = ctc_fixed_length(m, chars, width)
            if fixed is not None:
                per.insert(0, _from_ppocr(fixed, source + "L"))
        out.append(per)
    return out


def _orient(
    image: Image, zone: ZoneCandidate, engine: PPOCR
) -> tuple[ZoneCandidate, list[LineBox], list[LineReading], list[list[_Reading]]]:
    """Read every line both ways round (0 and 180 degrees) and keep the better direction."""
    lines = _complete_lines(zone)
    crops = [_crop(image, ln, 0) for ln in lines]
    mats, chars = engine.recognise_matrices(
        crops + [np.ascontiguousarray(c[::-1, ::-1]) for c in crops]
    )
    fwd_m, back_m = mats[: len(lines)], mats[len(lines) :][::-1]
    fwd = [ctc_greedy(m, chars) for m in fwd_m]
    back = [ctc_greedy(m, chars) for m in back_m]

    def score(rs: list[LineReading]) -> float:
        return sum(mrz_likelihood(r.text) + r.mean_prob + 0.05 * r.text.count("<") for r in rs)

    if score(back) > score(fwd):
        flipped = zone.flipped()
        return flipped, _complete_lines(flipped), back, _decode_lines(back_m, chars, "ppocr0")
    return zone, lines, fwd, _decode_lines(fwd_m, chars, "ppocr0")


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


def _agreement(final: str, readings: list[_Reading], span: tuple[int, int]) -> float:
    """Share of the readings of this line that agree with the final text over ``span``."""
    target = final[span[0] : span[1]]
    votes = 0
    for r in readings:
        t = normalise_line(r.text)
        if len(t) == len(final) and t[span[0] : span[1]] == target:
            votes += 1
    return votes / max(1, len(readings))


def field_confidence(zr: _ZoneRead) -> dict[str, float]:
    p = zr.parsed
    per_line = [_char_confidences(p.lines[i], zr.chosen[i]) for i in range(len(p.lines))]
    corrected = {(c.line, c.column) for c in p.corrections}
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
            for col in range(start, min(end, len(per_line[line]))):
                prob = per_line[line][col]
                if (line, col) in corrected:
                    prob = min(prob, 0.75)
                probs.append(prob)
        conf = min(probs) if probs else 0.0
        if name == "optional_data" and p.type.value in ("MRVA", "MRVB"):
            # no check digit covers a visa's optional data: O/0, I/1, S/5... cannot be verified
            text = "".join(p.lines[ln][s:e] for ln, s, e in spans)
            if any(ch in _UNVERIFIABLE for ch in text):
                conf = min(conf, 0.8)
        check = check_of.get(name)
        if check in p.checks:
            # A passing check digit leaves one chance in ten that an error slipped through.
            conf = 1 - (1 - conf) * 0.1 if p.checks[check] else conf * 0.5
        if name in ("surname", "given_names"):
            line, start, end = spans[0]
            conf *= 0.5 + 0.5 * _agreement(p.lines[line], zr.readings[line], (start, end))
        result[name] = float(conf)
    return result


def review_reasons(parsed: ParsedMRZ, conf: dict[str, float]) -> list[str]:
    reasons = [f"check_failed:{name}" for name, ok in parsed.checks.items() if not ok]
    if not parsed.valid and not reasons:
        reasons.append("invalid_mrz")
    reasons += [w for w in parsed.warnings if w.startswith(_REVIEW_WARNINGS)]
    reasons += [f"low_confidence:{name}" for name, c in conf.items() if c < REVIEW_THRESHOLD]
    return reasons


# ------------------------------------------------------------------------------------------------
# The stage


def _read_zone(image: Image, zone: ZoneCandidate, engine: PPOCR, deep: bool) -> _ZoneRead | None:
    zone, lines, first, readings = _orient(image, zone, engine)
    if not _looks_like_mrz(first):
        return None
    zr = _choose(readings, zone, lines)
    if zr is not None and _good_enough(zr):
        return zr
    if len(lines) < 3 and (zr is None or not zr.parsed.valid):
        lines, readings = _add_missed_line(image, lines, readings, engine)
    # Second pass: other renderings of every line.
    for v in (1, 2, 3):
        mats, chars = engine.recognise_matrices([_crop(image, ln, v) for ln in lines])
        for i, per in enumerate(_decode_lines(mats, chars, f"ppocr{v}")):
            readings[i].extend(per)
    zr = _choose(readings, zone, lines)
    if not deep or (zr is not None and _good_enough(zr)):
        return zr
    # Third pass: a second engine.
    for i, ln in enumerate(lines):
        readings[i].append(_tesseract_line(_crop(image, ln, 0)))
    return _choose(readings, zone, lines)


def _add_missed_line(
    image: Image, lines: list[LineBox], readings: list[list[_Reading]], engine: PPOCR
) -> tuple[list[LineBox], list[list[_Reading]]]:
    """An MRZ has 2 or 3 lines; look one pitch beyond the zone for a line the detector missed."""
    extra = [_neighbour_line(lines, above=True), _neighbour_line(lines, above=False)]
    got = engine.recognise([_crop(image, ln, 0) for ln in extra])
    typical = max(len(r[-1].text) for r in readings)
    lines, readings = list(lines), list(readings)
    for k, (ln, r) in enumerate(zip(extra, got, strict=True)):
        if (
            len(lines) < 3
            and (mrz_likelihood(r.text) >= 0.5 or "<<" in r.text)
            and abs(len(r.text) - typical) <= 8
        ):
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
    if sum(len(r) for r in readings) <= len(readings):
        return parsed, chosen
    voted: list[_Reading] = []
    for final, per_line in zip(parsed.lines, readings, strict=True):
        weights: list[dict[str, float]] = [{} for _ in final]
        for r in per_line:
            norm = normalise_line(r.text)
            probs = r.probs if len(r.probs) == len(norm) else [0.5] * len(norm)
            matcher = difflib.SequenceMatcher(None, norm, final, autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
                    for k in range(i2 - i1):
                        ch = norm[i1 + k]
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


def _good_enough(zr: _ZoneRead) -> bool:
    if not zr.parsed.valid:
        return False
    conf = field_confidence(zr)
    return not review_reasons(zr.parsed, conf)


def read_page(
    image: Image, page: int = 0, *, deep: bool = True, engine: PPOCR | None = None
) -> MRZRead | None:
    """The MRZ on one page image (BGR), or None when there is none."""
    engine = engine or get_engine()
    best: _ZoneRead | None = None
    sides = [DETECT_SIDE]
    if max(image.shape[:2]) > DETECT_SIDE * 1.5:
        sides.append(DETECT_SIDE_LARGE)
    for side in sides:
        for zone in find_zones(engine.detect(image, side), max_candidates=4):
            zr = _read_zone(image, zone, engine, deep)
            if zr is None:
                continue
            if best is None or zr.rank > best.rank:
                best = zr
            if zr.parsed.valid:
                break
        if best is not None and best.parsed.valid:
            break
    if best is None:
        return None
    conf = field_confidence(best)
    reasons = review_reasons(best.parsed, conf)
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
