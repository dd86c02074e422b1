"""Layout-independent key-value reading of a form page.

Labels come from the schema's lexicon (fuzzy, any language, bilingual halves merged: see
``layout.spot_labels``); then, for each label, its value is taken from wherever the form prints
it: right of the label on its row (after a colon or not, across to a table's value cell, up to
the next label: two-column forms), else on the first row below it within its column. Rules that
keep values honest:

* a label's own words are never its value: a colon a few words after the lexicon's match ends
  the label (``Phone number:`` matched as ``Phone`` still ends at its colon);
* a label-like word inside a value is not a label (``Tanpa kewarganegaraan``: the word before it
  stands at a word gap, not a column gap);
* a value that wraps onto the lines under it is read whole: a line that starts where the value
  starts (or, when the line before is full, where its label starts), close under it, with no
  label (known, or ending in a colon) on it, continues the value (``_wrapped``);
* a value line that reaches the edge of the page is read again, wider, in one second read;
* text ending in a colon that the lexicon does not know is kept as a raw pair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from docproc.reading.extract.layout import Label, LabelTable, spot_labels
from docproc.reading.extract.normalise import normalise_token
from docproc.reading.extract.page import OcrWord, PageText, group_lines, reread_many, union

__all__ = ["Pair", "RawPair", "read_pairs", "ticked_option"]

#: A word closer than this many text heights before a label runs into it (a value's word).
_WORD_GAP = 1.0
#: Words of one value stand closer than this many text heights.
_VALUE_GAP = 4.0
#: Label words may run on for this many words to a colon (``Phone number :``).
_TO_COLON = 5
#: Words that may follow a known label before its colon without changing what it asks for.
_QUALIFIERS = frozenset(
    [
        "number",
        "no",
        "nr",
        "nomor",
        "num",
        "of",
        "the",
        "full",
        "lengkap",
        "if",
        "any",
        "ada",
        "jika",
        "bila",
        "sesuai",
        "as",
        "in",
        "passport",
        "paspor",
        "yang",
        "di",
        "mobile",
        "hp",
        "contact",
        "kontak",
        "first",
        "and",
        "family",
        "given",
        "dan",
    ]
) | {""}
#: A wrapped value's next line stands at most this many text heights under the line before.
_WRAP_GAP = 1.0
#: ... and starts within this many text heights of where the value (or its label) starts.
_WRAP_ALIGN = 1.5
#: A line that wraps under its label fills its column to within this many text heights.
_WRAP_FULL = 3.0
#: An item number before a label: ``1.``, ``12)``, ``(3)``, ``a.``, ``7``.
_NUMBERING = re.compile(r"^\(?(\d{1,2}|[a-zA-Z])[.)]?$")
_FILLER = re.compile(r"^[\s.:_…|\-–—=·•,]*$")


@dataclass(frozen=True)
class Pair:
    key: str
    label: Label
    words: tuple[OcrWord, ...]
    text: str
    conf: float
    rest: tuple[OcrWord, ...] = ()  # every free word right of the label up to the next label


@dataclass(frozen=True)
class RawPair:
    label: str
    text: str
    conf: float
    words: tuple[OcrWord, ...]


def _rows(page: PageText) -> list[list[OcrWord]]:
    rows: dict[int, list[OcrWord]] = {}
    for line in page.lines:
        rows.setdefault(line.row, []).extend(line.words)
    return [sorted(ws, key=lambda w: w.frame_box[0]) for _, ws in sorted(rows.items())]


def _is_filler(w: OcrWord) -> bool:
    return bool(_FILLER.match(w.text)) or not normalise_token(w.text)


def _ends_label(w: OcrWord) -> bool:
    return w.text.rstrip().endswith(":")


def _clean_labels(rows: list[list[OcrWord]], labels: list[Label]) -> list[Label]:
    """Drop labels that are words of a value; run labels on to their colon; one label per key
    and row (a second one is a value that looks like a label)."""
    in_label = {id(w) for lab in labels for w in lab.words}
    row_of = {id(w): (r, i) for r, ws in enumerate(rows) for i, w in enumerate(ws)}
    kept: list[Label] = []
    seen: set[tuple[int, str]] = set()
    for lab in labels:
        first = lab.words[0]
        if id(first) not in row_of:
            continue
        r, i = row_of[id(first)]
        row = rows[r]
        h = lab.height
        if i > 0:
            prev = row[i - 1]
            gap = first.frame_box[0] - prev.frame_box[2]
            if (
                id(prev) not in in_label
                and not _ends_label(prev)
                and not _is_filler(prev)
                and not _NUMBERING.match(prev.text)
                and gap < _WORD_GAP * h
            ):
                continue  # "Tanpa kewarganegaraan": a value's word, not a label
        if (r, lab.key) in seen:
            continue
        seen.add((r, lab.key))
        whole = _to_colon(lab, row, in_label)
        if whole is not None:
            kept.append(whole)
    return kept


def _to_colon(lab: Label, row: list[OcrWord], in_label: set[int]) -> Label | None:
    """The label run on to its colon over words that only qualify it (``Phone number:``);
    ``None`` when the words before the colon make it another label (``Religion of father:``:
    not the applicant's religion, a label the lexicon does not know)."""
    last = row.index(lab.words[-1])
    if _ends_label(lab.words[-1]):
        return lab
    h = lab.height
    extra: list[OcrWord] = []
    edge = lab.words[-1].frame_box[2]
    for w in row[last + 1 : last + 1 + _TO_COLON]:
        if id(w) in in_label or w.frame_box[0] - edge > 1.5 * h:
            break
        extra.append(w)
        edge = w.frame_box[2]
        if _ends_label(w) or w.text.strip() == ":":
            if any(normalise_token(x.text) not in _QUALIFIERS for x in extra):
                return None
            return Label(lab.key, (*lab.words, *extra), lab.score)
    return lab


def _right(lab: Label, row: list[OcrWord], stops: set[int], used: set[int]) -> list[OcrWord]:
    i = row.index(lab.words[-1]) + 1
    h = lab.height
    out: list[OcrWord] = []
    edge = lab.frame_box[2]
    for w in row[i:]:
        if id(w) in stops:
            break
        if _is_filler(w) or id(w) in used:
            if out:
                edge = max(edge, w.frame_box[2]) if _is_filler(w) else edge
            continue
        if out and w.frame_box[0] - edge > _VALUE_GAP * h:
            break
        if not out and _ends_label(w) and w is not row[-1]:
            break  # an unknown label of the next column
        out.append(w)
        edge = w.frame_box[2]
    # the rest of a long label ("Name - first and family:") is never its value
    ends = [k for k, w in enumerate(out[:_TO_COLON]) if _ends_label(w)]
    if ends and ends[-1] + 1 < len(out):
        out = out[ends[-1] + 1 :]
    return out


def _rest_of_row(lab: Label, row: list[OcrWord], stops: set[int]) -> tuple[OcrWord, ...]:
    """Free words right of ``lab`` up to the next label, whatever the gaps (ticked boxes)."""
    i = row.index(lab.words[-1]) + 1
    out: list[OcrWord] = []
    for w in row[i:]:
        if id(w) in stops:
            break
        out.append(w)
    return tuple(out)


def _below(
    lab: Label, rows: list[list[OcrWord]], r: int, stops: set[int], used: set[int]
) -> list[OcrWord]:
    box = lab.frame_box
    h = max(1.0, lab.height)
    nxt = [o for o in rows[r] if id(o) in stops and o.frame_box[0] > box[2]]
    right = min((o.frame_box[0] for o in nxt), default=1e9)
    for row in rows[r + 1 : r + 3]:
        top = min(w.frame_box[1] for w in row)
        if top > box[3] + 3.5 * h:
            return []
        inside = [
            w
            for w in row
            if box[0] - 1.5 * h <= w.frame_box[0] < right - 0.5 * h
            and id(w) not in used
            and not _is_filler(w)
        ]
        if any(id(w) in stops for w in inside):
            return []
        if not inside:
            continue
        if inside[0].frame_box[0] > box[2] + h:
            return []  # it begins right of the label: another column's
        out = [inside[0]]
        for w in inside[1:]:
            if w.frame_box[0] - out[-1].frame_box[2] > _VALUE_GAP * h:
                break
            out.append(w)
        return out
    return []


def _column_end(row: list[OcrWord], after: float, stops: set[int], page_right: float) -> float:
    """Where a value's column ends on ``row``: at the next label right of ``after``, else at
    the page's text margin."""
    nxt = [w.frame_box[0] for w in row if id(w) in stops and w.frame_box[0] > after]
    return min(nxt, default=page_right)


def _wrapped(
    lab: Label,
    words: list[OcrWord],
    rows: list[list[OcrWord]],
    row_of: dict[int, int],
    stops: set[int],
    used: set[int],
) -> list[OcrWord]:
    """``words`` and the lines the value wraps onto (an address, remarks, a list of family
    members printed on two lines). A next line continues the value when it stands close under
    the value's last line, is printed in the same size (not a help line in small print),
    carries no label (a known one, or words ending in a colon) and no word in the label's
    column, and starts where the value starts (a hanging indent) or, when the line before is
    full to its column's end, where the label starts."""
    h = max(1.0, lab.height)
    out = list(words)
    page_right = max(w.frame_box[2] for row in rows for w in row)
    value_left = words[0].frame_box[0]
    label_left = lab.frame_box[0]
    beside = value_left > lab.frame_box[2]  # the value stands right of its label
    r = row_of[id(words[-1])]
    while r + 1 < len(rows):
        last = [w for w in out if row_of[id(w)] == r]
        end = _column_end(rows[r], last[-1].frame_box[2], stops, page_right)
        bottom = max(w.frame_box[3] for w in last)
        row = rows[r + 1]
        if min(w.frame_box[1] for w in row) - bottom > _WRAP_GAP * h:
            break
        inside = [
            w
            for w in row
            if label_left - _WRAP_ALIGN * h <= w.frame_box[0] < end - 0.5 * h and not _is_filler(w)
        ]
        if not inside or any(id(w) in stops or id(w) in used for w in inside):
            break
        if any(_ends_label(w) for w in inside[:_TO_COLON]):
            break  # a label the lexicon does not know
        if not _same_size(inside, last):
            break  # a help line in small print under the value, not the value
        start = inside[0].frame_box[0]
        hanging = abs(start - value_left) <= _WRAP_ALIGN * h
        under_label = (
            beside
            and abs(start - label_left) <= _WRAP_ALIGN * h
            and last[-1].frame_box[2] + (inside[0].frame_box[2] - start) > end - _WRAP_FULL * h
        )
        if not (hanging or under_label):
            break
        line = [inside[0]]
        for w in inside[1:]:
            if w.frame_box[0] - line[-1].frame_box[2] > _VALUE_GAP * h:
                break
            line.append(w)
        out += line
        r += 1
    return out


def _same_size(a: list[OcrWord], b: list[OcrWord]) -> bool:
    """Two lines printed in about the same size: their tallest words (ascender to descender,
    when a line has both) within 0.7-1.43 of each other; a help line in a 2 mm font under a
    3.5 mm value is 0.63 of it, a capitalised word without descenders under a full line 0.75."""
    ha = max(w.height for w in a)
    hb = max(w.height for w in b)
    return 0.7 < ha / max(hb, 1.0) < 1 / 0.7


def _pair_text(words: list[OcrWord]) -> str:
    return " ".join(ln.text for ln in group_lines(words))


def read_pairs(page: PageText, table: LabelTable) -> tuple[list[Pair], list[RawPair]]:
    """The labelled values of ``page`` (first label of a key wins) and the raw pairs of labels
    the lexicon does not know."""
    rows = _rows(page)
    labels = _clean_labels(rows, spot_labels(page, table))
    stops = {id(w) for lab in labels for w in lab.words}
    row_of = {id(w): r for r, ws in enumerate(rows) for w in ws}
    used: set[int] = set(stops)
    pairs: list[Pair] = []
    done: set[str] = set()
    for lab in sorted(labels, key=lambda lb: (lb.frame_box[1], lb.frame_box[0])):
        if lab.key in done:
            continue
        r = row_of[id(lab.words[0])]
        words = _right(lab, rows[r], stops, used) or _below(lab, rows, r, stops, used)
        if not words:
            continue
        words = _wrapped(lab, words, rows, row_of, stops, used)
        done.add(lab.key)
        used.update(id(w) for w in words)
        conf = float(np.mean([w.conf for w in words]))
        rest = _rest_of_row(lab, rows[r], stops)
        pairs.append(Pair(lab.key, lab, tuple(words), _pair_text(words), conf, rest))
    pairs = _reread_at_edge(page, pairs)
    return pairs, _raw_pairs(rows, used, stops)


def _raw_pairs(rows: list[list[OcrWord]], used: set[int], stops: set[int]) -> list[RawPair]:
    """``Religion of father: Islam`` where the lexicon knows no such label: the words of a
    line up to one ending in a colon, and what stands right of it."""
    out: list[RawPair] = []
    for row in rows:
        i = 0
        while i < len(row):
            start = i
            while (
                i < len(row)
                and id(row[i]) not in used
                and not _ends_label(row[i])
                and i - start < 5
            ):
                i += 1
            if i >= len(row) or id(row[i]) in used or not _ends_label(row[i]):
                i += 1
                continue
            label_words = row[start : i + 1]
            h = min(w.height for w in label_words)
            if start > 0 and label_words[0].frame_box[0] - row[start - 1].frame_box[2] < 1.5 * h:
                i += 1
                continue
            value: list[OcrWord] = []
            edge = row[i].frame_box[2]
            for w in row[i + 1 :]:
                if id(w) in used or _ends_label(w):
                    break
                if value and w.frame_box[0] - edge > _VALUE_GAP * h:
                    break
                if not _is_filler(w):
                    value.append(w)
                edge = w.frame_box[2]
            if len(label_words) > 1 and _NUMBERING.match(label_words[0].text):
                label_words = label_words[1:]  # the item number is not part of the label
            label = " ".join(w.text for w in label_words).rstrip(": *").strip()
            if value and normalise_token(label):
                words = tuple(value)
                out.append(
                    RawPair(
                        label,
                        " ".join(w.text for w in words),
                        float(np.mean([w.conf for w in words])),
                        words,
                    )
                )
                used.update(id(w) for w in (*label_words, *value))
            i = i + 1 + len(value)
    return out


def _reread_at_edge(page: PageText, pairs: list[Pair]) -> list[Pair]:
    """Value lines whose last word touches the page's right edge, read again from their first
    word to the edge (a long address printed to the margin comes back cut: ``Kepulauan Ri``);
    every line of a wrapped value is looked at on its own."""
    img = page.frame_image
    if img is None:
        return pairs
    width = img.shape[1]
    lines = {n: group_lines(list(p.words)) for n, p in enumerate(pairs)}
    todo = [
        (n, k)
        for n, p in enumerate(pairs)
        for k, line in enumerate(lines[n])
        if width - line.words[-1].frame_box[2] < 3.0 * p.label.height
    ]
    if not todo:
        return pairs
    regions = []
    for n, k in todo:
        fb = union([w.frame_box for w in lines[n][k].words])
        h = fb[3] - fb[1]
        regions.append((fb[0] - 0.5 * h, fb[1] - 0.4 * h, float(width), fb[3] + 0.4 * h))
    heights = [pairs[n].label.height for n, _k in todo]
    again = reread_many(page, regions, text_px=heights)
    texts = {n: [ln.text for ln in lines[n]] for n, _k in todo}
    confs = {n: pairs[n].conf for n, _k in todo}
    for (n, k), got in zip(todo, again, strict=True):
        if got is not None and len(got[0].strip()) > len(texts[n][k].strip()):
            texts[n][k] = got[0]
            confs[n] = min(confs[n], got[1]) if len(lines[n]) > 1 else got[1]
    out = list(pairs)
    for n, parts in texts.items():
        p = pairs[n]
        text = " ".join(t.strip() for t in parts)
        if text != p.text:
            out[n] = replace(p, text=text, conf=confs[n])
    return out


#: Option words of a ticked-box sex field (normalised tokens) and the value they give.
SEX_OPTIONS: dict[str, str] = {
    "male": "M",
    "lakilaki": "M",
    "laki": "M",
    "pria": "M",
    "female": "F",
    "perempuan": "F",
    "wanita": "F",
}
_TICKS = {"x", "v", "✓", "✔", "☒", "☑", "[x]", "[v]", "(x)"}


def ticked_option(
    page: PageText, words: list[OcrWord], options: dict[str, str]
) -> tuple[int, str | None]:
    """The option ticked among ``words`` (``[ ] Male [x] Female``): each option word's box just
    left of it is measured for ink; the clearly darkest wins. A tick read as text (``X``, ``✓``)
    right before an option counts too. ``None`` when fewer than two options are printed or no
    box is clearly ticked. Returns the number of distinct options printed and the ticked one."""
    found: list[tuple[int, str]] = []
    for i, w in enumerate(words):
        tok = normalise_token(w.text)
        if tok in options:
            found.append((i, options[tok]))
    distinct = len({v for _, v in found})
    if distinct < 2:
        return distinct, None
    for i, value in found:
        if i > 0 and words[i - 1].text.strip().lower() in _TICKS:
            return distinct, value
    img = page.frame_image
    if img is None:
        return distinct, None
    ink: list[tuple[float, str]] = []
    for i, value in found:
        ink.append((_box_fill(img, words[i]), value))
    ink.sort(reverse=True)
    if ink[0][0] > 0.08 and ink[0][0] > 2.0 * ink[1][0]:
        return distinct, ink[0][1]
    return distinct, None


def _box_fill(img: npt.NDArray[np.uint8], word: OcrWord) -> float:
    """Ink inside the box printed just left of ``word`` (its inner half: the border is not
    counted), 0 when there is no box-shaped mark there."""
    x0, y0, _x1, y1 = word.frame_box
    h = y1 - y0
    a, b = int(max(0, x0 - 2.6 * h)), int(max(0, x0 - 0.1 * h))
    top, bottom = int(max(0, y0 - 0.4 * h)), int(min(img.shape[0], y1 + 0.4 * h))
    dark = img[top:bottom, a:b] < 128
    if dark.size == 0 or not dark.any():
        return 0.0
    cols = np.flatnonzero(dark.any(axis=0))
    # the mark nearest the word: columns from the right up to the first blank gap
    right = cols[-1]
    left = right
    for c in cols[::-1]:
        if left - c > 2:
            break
        left = c
    mark = dark[:, left : right + 1]
    rows = np.flatnonzero(mark.any(axis=1))
    bw, bh = right - left + 1, rows[-1] - rows[0] + 1
    if not (0.5 < bw / max(bh, 1) < 2.0) or bh < 0.3 * h:
        return 0.0
    inner = mark[rows[0] + bh // 4 : rows[-1] + 1 - bh // 4, bw // 4 : bw - bw // 4]
    return float(inner.mean()) if inner.size else 0.0
