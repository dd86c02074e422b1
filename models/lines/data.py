"""Training lines for the MRZ line recogniser: rectified crops labelled with their text.

Two sources, neither of them a real specimen:

* ``rendered_crops``: MRZ-like lines printed directly (``models/glyphs/print_lines.py``: both
  OCR-B print cuts, three stroke weights, worn, screened, blurred, grey, shaded, noisy, JPEG),
  cut the ways the reader cuts them: a whole line, a line's head up to a point in it (a name
  line read up to its fillers) or a window of 10-14 cells (a code read with its neighbours),
  each with a random margin of part of a cell.
* ``document_crops``: documents rendered by ``docproc.synth`` and read by the reader itself; every
  crop its second reading (``readings._reread``) asks for, and every whole line of the zone, is
  kept with the ground-truth text of the cells it covers. Crops whose glyph reading matches that
  text in fewer than 70 % of the cells are left out (the grid was off: the label would be too).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "models" / "glyphs"))

from print_lines import _render, _strip  # noqa: E402

HEIGHT = 32  # the recogniser's input height
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"

Sample = tuple[np.ndarray, str]


def to_height(gray: np.ndarray, height: int = HEIGHT) -> np.ndarray:
    h, w = gray.shape[:2]
    width = max(4, round(w * height / max(1, h)))
    interp = cv2.INTER_AREA if h > height else cv2.INTER_LINEAR
    return cv2.resize(gray, (width, height), interpolation=interp)


def _name_text(rng: np.random.Generator, n: int) -> str:
    """A name line's body: surname, ``<<``, given names split by ``<``, then fillers."""

    def word() -> str:
        return "".join(_LETTERS[int(rng.integers(26))] for _ in range(int(rng.integers(2, 11))))

    parts = [word()]
    if rng.random() < 0.3:
        parts[0] += "<" + word()
    body = parts[0] + "<<" + "<".join(word() for _ in range(int(rng.integers(0, 4))))
    head = ""
    if rng.random() < 0.5:  # a TD3's first line starts with its code and country
        head = "P" + ("<" if rng.random() < 0.6 else _LETTERS[int(rng.integers(26))])
        head += "".join(_LETTERS[int(rng.integers(26))] for _ in range(3))
    return (head + body)[:n].ljust(n, "<")


def _mixed_text(rng: np.random.Generator, n: int) -> str:
    out: list[str] = []
    while len(out) < n:
        kind = int(rng.choice(3, p=[0.45, 0.35, 0.2]))
        pool = (_LETTERS, _DIGITS, "<")[kind]
        out += [pool[int(rng.integers(len(pool)))] for _ in range(int(rng.integers(1, 10)))]
    return "".join(out[:n])


def rendered_crops(lines: int, seed: int) -> list[Sample]:
    rng = np.random.default_rng(seed)
    out: list[Sample] = []
    for _ in range(lines):
        n = int(rng.choice([30, 36, 44]))
        text = _name_text(rng, n) if rng.random() < 0.45 else _mixed_text(rng, n)
        gray, left, pitch = _render(rng, text)
        strip, left, pitch = _strip(gray, left, pitch, rng)
        kind = rng.random()
        if kind < 0.3:
            a, b, label = 0.0, float(strip.shape[1]), text
        elif kind < 0.65:
            tail = len(text.rstrip("<"))
            stop = (
                int(rng.integers(min(tail, n - 1), n))
                if rng.random() < 0.6
                else int(rng.integers(6, n))
            )
            a = 0.0
            b = left + (stop + float(rng.uniform(0.2, 0.8))) * pitch
            label = text[:stop]
        else:
            size = int(rng.integers(10, 15))
            start = int(rng.integers(0, n - size + 1))
            a = left + (start - float(rng.uniform(0.05, 0.45))) * pitch
            b = left + (start + size + float(rng.uniform(0.05, 0.45))) * pitch
            label = text[start : start + size]
        lo, hi = max(0, round(a)), min(strip.shape[1], round(b))
        if hi - lo < 8 or not label:
            continue
        out.append((to_height(strip[:, lo:hi]), label))
    return out


def document_crops(count: int, seed: int, rotate: bool = True) -> list[Sample]:
    """Crops the reader's second reading asks for on ``count`` generated documents."""
    from docproc.reading.document import read_file
    from docproc.reading.mrz import readings, search
    from docproc.reading.mrz.lines import _crop
    from docproc.synth.generate import generate

    out: list[Sample] = []
    truth: list[str] = []
    original = search._reread

    def spy(image: Any, lines: Any, gz: Any, windows: Any, engine: Any, tuning: Any) -> Any:
        width = len(gz.readings[0].text)
        same = [t for t in truth if len(t) == width] or truth
        for i, ln in enumerate(lines):
            g = gz.readings[i].text
            t = max(same, key=lambda s: sum(x == y for x, y in zip(s, g, strict=False)))
            if sum(x == y for x, y in zip(t, g, strict=False)) < 0.7 * width:
                continue
            gray = cv2.cvtColor(_crop(image, ln, 0), cv2.COLOR_BGR2GRAY)
            out.append((to_height(gray), t))
        for cut, box in readings._cuts(gz, lines, windows, tuning):
            g = gz.readings[cut.line].text[cut.start : cut.stop]
            t = max(
                same,
                key=lambda s: sum(
                    x == y for x, y in zip(s, gz.readings[cut.line].text, strict=False)
                ),
            )
            label = t[cut.start : cut.stop]
            if not label or sum(x == y for x, y in zip(g, label, strict=False)) < 0.7 * len(label):
                continue
            gray = cv2.cvtColor(_crop(image, box, 0), cv2.COLOR_BGR2GRAY)
            out.append((to_height(gray), label))
        return original(image, lines, gz, windows, engine, tuning)

    search._reread = spy
    try:
        with tempfile.TemporaryDirectory() as tmp:
            entries = generate(count, seed, tmp)
            for entry in entries:
                truth[:] = list(entry["mrz"])
                try:
                    read_file(Path(tmp) / entry["file"])
                except Exception as exc:  # a generated page the reader refuses: no crops
                    print("skip", entry["file"], exc, file=sys.stderr)
    finally:
        search._reread = original
    return out
