"""Choosing among line readings: the combination the parser validates best, a character vote
over every reading, and the glyph reader's say on look-alikes."""

from __future__ import annotations

import difflib
import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from docproc.reading.mrz.detect import LineBox, ZoneCandidate
from docproc.reading.mrz.model import ParsedMRZ
from docproc.reading.mrz.parse import LETTER_FOR_DIGIT, field_spans, normalise_line, parse_mrz
from docproc.reading.mrz.readings import _Reading
from docproc.reading.mrz.tuning import ReaderTuning
from docproc.reading.ocr.ppocr import LOOKALIKE

Opcode = tuple[str, int, int, int, int]


@functools.lru_cache(maxsize=8192)
def _opcodes(a: str, b: str) -> tuple[Opcode, ...]:
    """``difflib``'s alignment of a reading ``a`` with the final line ``b``, cached: a zone's
    confidence aligns the same few pairs for every character of every field."""
    return tuple(difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes())


@dataclass
class _ZoneRead:
    """A zone's best parse, with every reading made of its lines and the ones chosen."""

    parsed: ParsedMRZ
    readings: list[list[_Reading]]  # per line, every reading made
    chosen: list[_Reading]
    zone: ZoneCandidate
    rank: tuple[float, ...] = field(default=())


def _rank(parsed: ParsedMRZ, chosen: Sequence[_Reading]) -> tuple[float, ...]:
    mean_prob = float(np.mean([np.mean(r.probs) if r.probs else 0.0 for r in chosen]))
    return (*_standing(parsed), -float(len(parsed.corrections)), mean_prob)


def _standing(parsed: ParsedMRZ) -> tuple[float, float, float]:
    """Valid, check digits passing, fewer unknown codes and values not allowed: the first say
    in ranking a parse."""
    unknown = sum(1 for w in parsed.warnings if w.startswith(("unknown_country", "invalid_")))
    return (float(parsed.valid), float(parsed.check_score), -float(unknown))


# The glyph reader settles look-alikes only in a line it reads aligned with the chosen one: at
# least this share of positions alike (a grid off by a cell agrees on little but the fillers).
_ALIGNED = 0.75


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


def _choose(
    readings: list[list[_Reading]], zone: ZoneCandidate, lines: list[LineBox], tuning: ReaderTuning
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
        parsed, chosen = _arbitrate(parsed, chosen, [readings[i] for i in subset], tuning)
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
            for tag, i1, i2, j1, j2 in _opcodes(norm, final):
                if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
                    for k in range(i2 - i1):
                        if not r.saw(i1 + k):
                            continue  # set in from the glyph reading, which votes itself
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


def _char_confidences(final: str, reading: _Reading) -> list[float]:
    """Map a reading's character probabilities onto the parser's final line."""
    out = [0.5] * len(final)
    for tag, i1, i2, j1, j2 in _opcodes(reading.text, final):
        if tag == "equal":
            out[j1:j2] = reading.probs[i1:i2]
    return out


def _glyph_of(per_line: Sequence[_Reading]) -> _Reading | None:
    return next((r for r in per_line if r.source == "glyph" and r.dist is not None), None)


def _decides(ch: str, glyph_ch: str) -> bool:
    """Pairs the line recogniser confuses and the glyph reader tells apart."""
    return LOOKALIKE.get(ch) == glyph_ch or (ch == "<") != (glyph_ch == "<")


def _arbitrate(
    parsed: ParsedMRZ, chosen: list[_Reading], readings: list[list[_Reading]], tuning: ReaderTuning
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
        if sum(a == b for a, b in zip(g.text, row, strict=True)) < _ALIGNED * len(row):
            continue  # a grid off by a cell: its characters stand beside the line's, not on them
        for j, ch in enumerate(row):
            gc = g.text[j]
            if gc != ch and g.probs[j] >= tuning.glyph_decisive and _decides(ch, gc):
                row[j] = gc
                prob[j] = g.probs[j]
                changed = True
    if not changed:
        return parsed, chosen
    alt = parse_mrz(["".join(r) for r in rows])
    if alt is None or _standing(alt) < _standing(parsed):
        return parsed, chosen
    new = [
        _Reading(t, p if len(p) == len(t) else [0.5] * len(t), "glyph")
        for t, p in zip(alt.lines, probs, strict=True)
    ]
    return alt, new
