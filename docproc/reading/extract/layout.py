"""Labelled layouts: find label phrases among OCR words (fuzzy, any of several languages) and
take the value printed to the right of each label or below it.

Labels are spotted word by word, not line by line: tesseract often runs two labels of one row
into one line ("Kode Negara / Code of issuing State No. Paspor / Passport No.").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from docproc.reading.extract.normalise import normalise_token
from docproc.reading.extract.page import Box, OcrWord, PageText, group_lines, union

LabelTable = Mapping[str, Sequence[str]]  # field key -> label variants (any language)

#: Words of one value stand closer than this many text heights (columns stand further apart).
_VALUE_GAP = 2.0


def _tokens(phrase: str) -> tuple[str, ...]:
    return tuple(t for t in (normalise_token(p) for p in re.split(r"[\s/:]+", phrase)) if t)


def similarity(a: str, b: str) -> float:
    """1 - normalised Levenshtein distance."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1.0 - prev[-1] / max(len(a), len(b))


@lru_cache(maxsize=65536)
def _token_score(read: str, want: str) -> float:
    if read == want:
        return 1.0
    if len(want) <= 3:  # "no", "of", "sex", "tgl": exact only
        return 0.0
    least = 0.75 if len(want) >= 6 else 0.7
    if abs(len(read) - len(want)) > (1 - least) * max(len(read), len(want)):
        return 0.0  # the length difference alone puts it below the threshold
    s = similarity(read, want)
    return s if s >= least else 0.0


@dataclass(frozen=True)
class Label:
    key: str
    words: tuple[OcrWord, ...]
    score: float

    @property
    def frame_box(self) -> Box:
        return union([w.frame_box for w in self.words])

    @property
    def height(self) -> float:
        return min(w.height for w in self.words)


@dataclass(frozen=True)
class Value:
    key: str
    text: str
    conf: float
    box: Box
    label: Label
    words: tuple[OcrWord, ...] = ()


@dataclass(frozen=True)
class _Piece:
    """A word or part of a word (``Tempat/Tgl.`` gives two pieces of one word)."""

    token: str
    word: int


def _pieces(words: Sequence[OcrWord]) -> list[_Piece]:
    out: list[_Piece] = []
    for i, w in enumerate(words):
        for t in _tokens(w.text):
            out.append(_Piece(t, i))
    return out


def _compile(table: LabelTable) -> list[tuple[str, tuple[str, ...]]]:
    variants = [(key, _tokens(v)) for key, vs in table.items() for v in vs]
    # longest first so "jenis kelamin" wins over "jenis", "place date of birth" over "date of birth"
    return sorted(variants, key=lambda kv: (-len(kv[1]), -sum(map(len, kv[1]))))


def match_label(
    text: str, table: LabelTable, *, loose: Sequence[str] = (), least: float = 0.55
) -> str | None:
    """The key of the first label of ``table`` in ``text`` (a line read on its own), matched
    token by token like :func:`spot_labels`, the longest variant first. Failing that, among
    the ``loose`` keys (the labels still missing, say), the one whose variant is most like the
    whole text, if at least ``least`` alike and clearly more alike than any other key."""
    pieces = _tokens(text)
    variants = _compile(table)
    for i in range(len(pieces)):
        for key, toks in variants:
            n = len(toks)
            if i + n <= len(pieces) and all(
                _token_score(pieces[i + k], toks[k]) > 0 for k in range(n)
            ):
                return key
    joined = "".join(pieces)
    if not loose or len(joined) < 4:
        return None
    best: dict[str, float] = {}
    for key, toks in variants:
        if key in loose:
            best[key] = max(best.get(key, 0.0), similarity(joined, "".join(toks)))
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    if ranked and ranked[0][1] >= least and (len(ranked) == 1 or ranked[1][1] < ranked[0][1] - 0.1):
        return ranked[0][0]
    return None


def spot_labels(page: PageText, table: LabelTable) -> list[Label]:
    """Every label of ``table`` found on ``page``; adjacent parts of one bilingual label
    ("Nama / Name") merge into one :class:`Label`."""
    variants = _compile(table)
    found: list[Label] = []
    rows: dict[int, list[OcrWord]] = {}
    for line in page.lines:
        rows.setdefault(line.row, []).extend(line.words)
    for row_words in rows.values():
        words = sorted(row_words, key=lambda w: w.frame_box[0])
        pieces = _pieces(words)
        i = 0
        row_labels: list[tuple[str, list[int], float, int, int]] = []  # key, words, score, i, j
        while i < len(pieces):
            best: tuple[str, int, float] | None = None
            for key, toks in variants:
                n = len(toks)
                if i + n > len(pieces) or (best is not None and n < best[1]):
                    continue
                scores = [_token_score(pieces[i + k].token, toks[k]) for k in range(n)]
                if min(scores) <= 0:
                    continue
                score = sum(scores) / n
                if best is None or n > best[1] or score > best[2]:
                    best = (key, n, score)
            if best is None:
                i += 1
                continue
            key, n, score = best
            idx = sorted({pieces[i + k].word for k in range(n)})
            row_labels.append((key, idx, score, i, i + n))
            i += n
        for key, idx, score, start, _end in row_labels:
            prev = found[-1] if found else None
            first = words[idx[0]]
            if (
                prev is not None
                and prev.words[-1] in words
                and _close(prev.words[-1], first, words, slash=prev.key != key)
                and start > 0
            ):
                # one bilingual label ("Nama / Name"); halves naming different keys
                # ("Tgl. Lahir / Place/Date of birth") take the longer, more specific one
                merged = tuple(dict.fromkeys((*prev.words, *(words[k] for k in idx))))
                wider = key if len(idx) > len(prev.words) else prev.key
                found[-1] = Label(wider, merged, max(prev.score, score))
            else:
                found.append(Label(key, tuple(words[k] for k in idx), score))
        # a second, inexact label of a key already found is a value that looks like one
        # ("JAMA" for "Nama"): leave its words to the values
        seen: set[str] = set()
        kept: list[Label] = []
        for lab in found:
            if lab.key not in seen or lab.score >= 1.0 or lab.words[0] not in words:
                kept.append(lab)
            seen.add(lab.key)
        found = kept
        used = {id(w) for lab in found for w in lab.words}
        for n, lab in enumerate(found):
            if lab.words[0] in words:
                found[n] = _with_other_language(lab, words, used)
    return found


def _with_other_language(lab: Label, row: list[OcrWord], used: set[int]) -> Label:
    """A label grown leftwards over the other language's half of a bilingual label
    ("Tempat/Tgl. Lahir / Place/Date of birth") when that half was misread: the words before a
    "/" that joins them, up to a gap."""
    i = row.index(lab.words[0])
    if i == 0 or not row[i - 1].text.endswith("/") or id(row[i - 1]) in used:
        return lab
    h = lab.height
    j = i - 1
    while (
        j > 0
        and id(row[j - 1]) not in used
        and row[j].frame_box[0] - row[j - 1].frame_box[2] < 1.2 * h
    ):
        j -= 1
    if row[i].frame_box[0] - row[i - 1].frame_box[2] >= 1.2 * h:
        return lab
    return Label(lab.key, (*row[j:i], *lab.words), lab.score)


def _close(a: OcrWord, b: OcrWord, row: list[OcrWord], *, slash: bool = False) -> bool:
    """``b`` follows ``a`` with only a slash (or nothing, unless ``slash``) between them."""
    ia, ib = row.index(a), row.index(b)
    between = row[ia + 1 : ib]
    if any(normalise_token(w.text) for w in between):
        return False
    joined = a.text[-1:] + "".join(w.text for w in between) + b.text[:1]
    if slash and "/" not in joined:
        return False
    return b.frame_box[0] - a.frame_box[2] < 4 * max(a.height, b.height)


def find_values(
    page: PageText,
    labels: list[Label],
    *,
    prefer: Literal["below", "right"] = "below",
    first_gap: float = 12.0,
) -> dict[str, Value]:
    """The value of each label: words right of it on its row (up to the next label), or on the
    first row below it within its column. The first label found for a key wins."""
    label_words = {id(w) for lab in labels for w in lab.words}
    free = [w for w in page.words if id(w) not in label_words and normalise_token(w.text)]
    out: dict[str, Value] = {}
    for lab in labels:
        if lab.key in out:
            continue
        order = ("right", "below") if prefer == "right" else ("below", "right")
        for where in order:
            words = (
                _right_of(lab, labels, free, first_gap)
                if where == "right"
                else _below(lab, labels, free)
            )
            if words:
                line = group_lines(words)
                text = " ".join(ln.text for ln in line)
                conf = sum(w.conf for w in words) / len(words)
                box = union([w.box for w in words])
                out[lab.key] = Value(lab.key, text, conf, box, lab, tuple(words))
                break
    return out


def same_row(a: Box, b: Box) -> bool:
    cy = (b[1] + b[3]) / 2
    return a[1] - 0.2 * (a[3] - a[1]) <= cy <= a[3] + 0.2 * (a[3] - a[1])


def _right_of(
    lab: Label, labels: list[Label], free: list[OcrWord], first_gap: float
) -> list[OcrWord]:
    box = lab.frame_box
    stop = min(
        (
            o.frame_box[0]
            for o in labels
            if o is not lab and same_row(box, o.frame_box) and o.frame_box[0] > box[2]
        ),
        default=float("inf"),
    )
    words = [w for w in free if same_row(box, w.frame_box) and box[2] <= w.frame_box[0] < stop]
    return _contiguous(sorted(words, key=lambda w: w.frame_box[0]), box[2], lab.height, first_gap)


def _contiguous(
    words: list[OcrWord], start: float, height: float, first_gap: float
) -> list[OcrWord]:
    """Words up to the first gap wider than a few text heights (a value, not the whole row)."""
    out: list[OcrWord] = []
    edge = start
    for w in words:
        if w.frame_box[0] - edge > (first_gap if not out else 4.0) * height:
            break
        out.append(w)
        edge = w.frame_box[2]
    return out


def _below(lab: Label, labels: list[Label], free: list[OcrWord]) -> list[OcrWord]:
    box = lab.frame_box
    h = max(1.0, lab.height)
    row_labels = [o for o in labels if o is not lab and same_row(box, o.frame_box)]
    right = min((o.frame_box[0] for o in row_labels if o.frame_box[0] > box[2]), default=1e9)
    left_edge = box[0] - 1.5 * h
    band = [
        w
        for w in free
        if box[3] - 0.3 * h <= (w.frame_box[1] + w.frame_box[3]) / 2 <= box[3] + 3.0 * h
        and left_edge <= w.frame_box[0] < right - 0.5 * h
    ]
    # a label further down in the band closes it
    below_labels = [o.frame_box[1] for o in labels if o.frame_box[1] > box[3] - 0.3 * h]
    limit = min(below_labels, default=1e9)
    band = [w for w in band if w.frame_box[1] < limit - 0.2 * h]
    if not band:
        return []
    band.sort(key=lambda w: (w.frame_box[1] + w.frame_box[3]) / 2)
    first = band[0]
    row = sorted(
        (w for w in band if same_row(first.frame_box, w.frame_box)),
        key=lambda w: w.frame_box[0],
    )
    if row[0].frame_box[0] > box[2] + h:
        return []  # a value begins under its label: this is the next column's
    # the next column's value when its label was not read: words set apart by a wide gap
    gap = _VALUE_GAP * max(w.height for w in row)
    for k in range(1, len(row)):
        if row[k].frame_box[0] - row[k - 1].frame_box[2] > gap:
            return row[:k]
    return row
