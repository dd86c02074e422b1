"""PP-OCRv4 text detection and recognition on ONNX Runtime (CPU).

The models come from the ``rapidocr-onnxruntime`` wheel (Apache-2.0), so nothing is downloaded;
docproc runs them as ``models/ppocr/fold.py`` rewrote them into its package data
(``docproc/reading/assets/ppocr/``): the same functions with PP-LCNetV3's affine blocks folded
into the convolutions and its written-out hard-swish as one gate, about a quarter less CPU.
We use RapidOCR's DB pre/post-processing for detection but decode recognition ourselves: the
recogniser's 6,600-class output is restricted to a caller-given alphabet (for the MRZ, ``0-9A-Z<``),
and every character keeps its probability and its best alternative, which the MRZ corrector uses.
"""

from __future__ import annotations

import math
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from docproc.errors import MissingDependency
from docproc.reading.assets import ppocr_detector, ppocr_recogniser, require
from docproc.reading.ocr.onnx import session_options, width_groups

Quad = npt.NDArray[np.float32]  # 4x2, clockwise from top-left
MRZ_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
_REC_HEIGHT = 48
_REC_MIN_WIDTH = 320  # the recogniser's narrowest input (PP-OCR's own 320x48)
_BATCH_SPREAD = 1.25  # lines batched together are at most this much wider than the narrowest
_KEPT_MAPS = 2  # detector maps kept (a page and a turned copy of it, looked at in turn)
# What both networks see for each 8-bit level, (v / 255 - 0.5) / 0.5 in float32: a table look-up
# gives the same values as the arithmetic, four to five times faster on a page.
_LEVELS = (np.arange(256, dtype=np.float32) / 255.0 - 0.5) / 0.5


@dataclass(frozen=True)
class CharReading:
    char: str
    prob: float
    alt: str  # best other allowed character ("" when none)
    alt_prob: float
    frame: int = -1  # the recogniser frame (8 input pixels wide) where the character peaked


@dataclass(frozen=True)
class LineReading:
    text: str
    chars: tuple[CharReading, ...]

    @property
    def mean_prob(self) -> float:
        return float(np.mean([c.prob for c in self.chars])) if self.chars else 0.0


def wheel_models_dir() -> Path:
    """The ``rapidocr-onnxruntime`` wheel's models: the source ``models/ppocr/fold.py`` folds."""
    try:
        import rapidocr_onnxruntime
    except ImportError as exc:  # pragma: no cover - install problem
        raise MissingDependency("rapidocr-onnxruntime is not installed") from exc
    return Path(rapidocr_onnxruntime.__file__).resolve().parent / "models"


class PPOCR:
    """Lazily loaded detector + recogniser. One instance per process (see :func:`get_engine`)."""

    def __init__(self, threads: int = 1) -> None:
        import onnxruntime as ort  # type: ignore[import-untyped]
        from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess

        opts = session_options(threads)
        providers = ["CPUExecutionProvider"]
        self._det = ort.InferenceSession(str(require(ppocr_detector())), opts, providers=providers)
        self._rec = ort.InferenceSession(
            str(require(ppocr_recogniser())), opts, providers=providers
        )
        meta = self._rec.get_modelmeta().custom_metadata_map
        self._charset: list[str] = ["<blank>", *meta["character"].splitlines(), " "]
        # a region is scored by the map's mean inside its minimum-area rectangle ("fast"), and
        # loosely inside its own outline ("slow"): a line that bends (a booklet's page) or tilts
        # leaves much of its rectangle empty, and its "fast" score falls below box_thresh
        self._postprocess, self._postprocess_loose = (
            DBPostProcess(
                thresh=0.3,
                box_thresh=0.5,
                max_candidates=1000,
                unclip_ratio=1.6,
                use_dilation=True,
                score_mode=mode,
            )
            for mode in ("fast", "slow")
        )
        # the last probability maps (newest first, at most _KEPT_MAPS), so that a loose detection
        # of the same image at the same side, or a look back at the page detected before a
        # turned copy of it, does not run the network again: ((key, map), ...); a tuple,
        # replaced whole (thread-safe reads)
        self._last_maps: tuple[tuple[tuple[Any, ...], npt.NDArray[np.float32]], ...] = ()
        self._alphabet_cache: dict[str, tuple[npt.NDArray[np.int64], str]] = {}

    # -- detection ---------------------------------------------------------------------------
    def detect(
        self, image: npt.NDArray[np.uint8], max_side: int, *, loose: bool = False
    ) -> list[Quad]:
        """Text-line quadrilaterals in ``image`` coordinates, detected at ``max_side`` pixels.
        ``loose``: a region is scored inside its own outline (a bent or tilted line passes);
        right after a detection of the same image at the same side it reuses that one's map."""
        pred = self.text_map(image, max_side)
        post = self._postprocess_loose if loose else self._postprocess
        boxes, _scores = post(pred[np.newaxis, np.newaxis], image.shape[:2])
        return [np.asarray(b, dtype=np.float32) for b in boxes]

    def text_map(self, image: npt.NDArray[np.uint8], max_side: int) -> npt.NDArray[np.float32]:
        """The detector's text probability map of ``image`` at ``max_side`` pixels (its sides
        rounded to multiples of 32, so its scale differs a little along x and y); the last
        :data:`_KEPT_MAPS` are kept, keyed on the image's identity, shape and a sample of its
        pixels."""
        h, w = image.shape[:2]
        key = (id(image), image.shape, max_side, zlib.crc32(image[::16, ::16].tobytes()))
        kept = self._last_maps
        for known, known_map in kept:
            if known == key:
                return known_map
        scale = min(1.0, max_side / max(h, w))
        rh = max(32, round(h * scale / 32) * 32)
        rw = max(32, round(w * scale / 32) * 32)
        resized = np.asarray(cv2.resize(image, (rw, rh), interpolation=cv2.INTER_AREA), np.uint8)
        blob = np.empty((1, 3, rh, rw), np.float32)
        for channel in range(3):
            np.take(_LEVELS, resized[:, :, channel], out=blob[0, channel])
        pred = np.asarray(self._det.run(None, {self._det.get_inputs()[0].name: blob})[0][0, 0])
        self._last_maps = ((key, pred), *kept[: _KEPT_MAPS - 1])
        return pred

    # -- recognition -------------------------------------------------------------------------
    def _allowed(self, alphabet: str) -> tuple[npt.NDArray[np.int64], str]:
        cached = self._alphabet_cache.get(alphabet)
        if cached is None:
            index = {c: i for i, c in enumerate(self._charset)}
            chars = "".join(c for c in alphabet if c in index)
            cached = (np.array([0] + [index[c] for c in chars], dtype=np.int64), chars)
            self._alphabet_cache[alphabet] = cached
        return cached

    def _run_recogniser(
        self, lines: list[npt.NDArray[np.uint8]], height: int = _REC_HEIGHT
    ) -> list[npt.NDArray[np.float32]]:
        """Class probabilities per frame for line images, each scaled to ``height`` (the model's
        own 48 px unless a caller trades accuracy for time: the recogniser's time grows with the
        square of the height).

        Lines of similar width (within ``_BATCH_SPREAD`` of each other) run as one batch, padded
        to the widest of them; a short crop is not padded to a long line's width (the
        recogniser's time grows with the padded width)."""
        widths = [max(1, math.ceil(height * ln.shape[1] / max(1, ln.shape[0]))) for ln in lines]
        narrowest = _REC_MIN_WIDTH * height // _REC_HEIGHT
        out: list[npt.NDArray[np.float32]] = [np.zeros((0, 0), np.float32)] * len(lines)
        for group in width_groups(widths, _BATCH_SPREAD, narrowest):
            width = max(narrowest, max(widths[i] for i in group))
            batch = np.zeros((len(group), 3, height, width), dtype=np.float32)
            for row, i in enumerate(group):
                rw = min(width, widths[i])
                shrink = lines[i].shape[0] > height
                img = cv2.resize(
                    lines[i],
                    (rw, height),
                    interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR,
                )
                batch[row, :, :, :rw] = _LEVELS[img].transpose(2, 0, 1)
            probs = self._rec.run(None, {self._rec.get_inputs()[0].name: batch})[0]
            for row, i in enumerate(group):
                out[i] = probs[row]
        return out

    def recognise(
        self, lines: list[npt.NDArray[np.uint8]], alphabet: str | None = MRZ_ALPHABET
    ) -> list[LineReading]:
        """Read line images (BGR, text horizontal). ``alphabet`` restricts the output classes."""
        if not lines:
            return []
        probs = self._run_recogniser(lines)
        return [self._decode(p, alphabet) for p in probs]

    def recognise_matrices(
        self,
        lines: list[npt.NDArray[np.uint8]],
        alphabet: str = MRZ_ALPHABET,
        height: int = _REC_HEIGHT,
    ) -> tuple[list[npt.NDArray[np.float32]], str]:
        """Per-frame class probabilities restricted to ``alphabet`` (column 0 is the CTC blank),
        renormalised, one matrix per line; and the alphabet in column order (from column 1).
        ``height``: see :meth:`_run_recogniser`."""
        if not lines:
            return [], alphabet
        probs = self._run_recogniser(lines, height)
        idx, chars = self._allowed(alphabet)
        out = []
        for p in probs:
            sub = p[:, idx].astype(np.float32)
            sub /= np.maximum(sub.sum(axis=1, keepdims=True), 1e-9)
            out.append(sub)
        return out, chars

    def _decode(self, probs: npt.NDArray[np.float32], alphabet: str | None) -> LineReading:
        if alphabet is not None:
            idx, chars = self._allowed(alphabet)
            sub = probs[:, idx]
            labels = ["", *chars]
        else:
            sub = probs
            labels = ["", *self._charset[1:]]
        order = np.argsort(-sub, axis=1)
        best = order[:, 0]
        out: list[CharReading] = []
        prev = 0
        for t, k in enumerate(best):
            k = int(k)
            if k != 0 and k != prev:
                second = int(order[t, 1]) if int(order[t, 1]) != 0 else int(order[t, 2])
                out.append(
                    CharReading(labels[k], float(sub[t, k]), labels[second], float(sub[t, second]))
                )
            elif k != 0 and k == prev and out and sub[t, k] > out[-1].prob:
                last = out[-1]
                out[-1] = CharReading(last.char, float(sub[t, k]), last.alt, last.alt_prob)
            prev = k
        return LineReading("".join(c.char for c in out), tuple(out))


LOOKALIKE = {
    "0": "O",
    "O": "0",
    "1": "I",
    "I": "1",
    "5": "S",
    "S": "5",
    "8": "B",
    "B": "8",
    "2": "Z",
    "Z": "2",
    "6": "G",
    "G": "6",
}


def _char(probs: npt.NDArray[np.float32], chars: str, t: int, c: int) -> CharReading:
    """The character of class ``c`` (1-based) at frame ``t``, with its look-alike's probability."""
    ch = chars[c - 1]
    alt = LOOKALIKE.get(ch, "")
    k = chars.find(alt) + 1 if alt else 0
    return CharReading(ch, float(probs[t, c]), alt, float(probs[t, k]) if k > 0 else 0.0, t)


def ctc_greedy(probs: npt.NDArray[np.float32], chars: str) -> LineReading:
    """Best-path CTC decoding of a restricted probability matrix (column 0 = blank)."""
    best = probs.argmax(axis=1)
    out: list[CharReading] = []
    prev = 0
    for t, k in enumerate(best):
        k = int(k)
        if k != 0 and k != prev:
            out.append(_char(probs, chars, t, k))
        elif k != 0 and out and probs[t, k] > out[-1].prob:
            out[-1] = _char(probs, chars, t, k)
        prev = k
    return LineReading("".join(c.char for c in out), tuple(out))


def ctc_fixed_length(probs: npt.NDArray[np.float32], chars: str, n: int) -> LineReading | None:
    """The most probable CTC path that emits exactly ``n`` characters.

    MRZ lines have a known length (30, 36 or 44). A greedy decoder drops a character when the
    blank wins a frame between two glyphs; forcing the length recovers the likeliest reading with
    none missing (Viterbi over states 'k characters emitted, now in blank or in character c').
    """
    t_len, n_cls = probs.shape
    if n <= 0 or t_len < n:
        return None
    logp = np.log(np.maximum(probs, 1e-12))
    neg = -1e18
    n_chr = n_cls - 1
    blank = np.full(n + 1, neg)
    inchar = np.full((n + 1, n_chr), neg)
    blank[0] = logp[0, 0]
    inchar[1, :] = logp[0, 1:]
    # back-pointers: for blank[k]: 0 = from blank, 1 + c = from char c; for inchar[k, c]:
    # -1 = stay, -2 = from blank[k-1], c' >= 0 = from inchar[k-1, c']
    bp_blank = np.zeros((t_len, n + 1), dtype=np.int16)
    bp_char = np.zeros((t_len, n + 1, n_chr), dtype=np.int16)
    rows = np.arange(n)
    every_row = np.arange(n + 1)
    for t in range(1, t_len):
        best_char_arg = inchar.argmax(axis=1)
        best_char = inchar[every_row, best_char_arg]
        new_blank = np.maximum(blank, best_char) + logp[t, 0]
        bp_blank[t] = np.where(blank >= best_char, 0, 1 + best_char_arg)
        # the best previous character other than c: the best of inchar[k-1] unless that is c,
        # then the second best
        prev = inchar[:-1]
        first, first_val = best_char_arg[:-1], best_char[:-1]
        masked = prev.copy()
        masked[rows, first] = -np.inf
        second = masked.argmax(axis=1)
        other = np.repeat(first_val[:, None], n_chr, axis=1)
        other[rows, first] = prev[rows, second]
        other_arg = np.repeat(first[:, None], n_chr, axis=1)
        other_arg[rows, first] = second
        # stay in c, come from blank[k-1] or from another character; ties go to the first
        stay = inchar[1:]
        from_blank = blank[:-1, None]
        came = np.maximum(from_blank, other)
        stays = stay >= came
        new_char = np.full((n + 1, n_chr), neg)
        new_char[1:] = np.where(stays, stay, came) + logp[t, 1:][None, :]
        bp_char[t, 1:] = np.where(stays, -1, np.where(from_blank >= other, -2, other_arg))
        blank, inchar = new_blank, new_char
    # end state
    end_char = int(inchar[n].argmax())
    if blank[n] <= neg / 2 and inchar[n, end_char] <= neg / 2:
        return None
    state: tuple[str, int] = ("b", 0) if blank[n] >= inchar[n, end_char] else ("c", end_char)
    k = n
    labels: list[tuple[int, int]] = []  # (class, best frame) per emitted char, reversed
    best_frame: dict[int, int] = {}
    for t in range(t_len - 1, -1, -1):
        if state[0] == "b":
            if t == 0:
                break
            back = int(bp_blank[t, k])
            state = ("b", 0) if back == 0 else ("c", int(back - 1))
            continue
        c = int(state[1])
        if k not in best_frame or probs[t, c + 1] > probs[best_frame[k], c + 1]:
            best_frame[k] = t
        if t == 0:
            labels.append((c, best_frame[k]))
            break
        back = int(bp_char[t, k, c])
        if back == -1:
            continue
        labels.append((c, best_frame[k]))
        k -= 1
        state = ("b", 0) if back == -2 else ("c", int(back))
    labels.reverse()
    if len(labels) != n:
        return None
    out = tuple(_char(probs, chars, t, c + 1) for c, t in labels)
    return LineReading("".join(ch.char for ch in out), out)


_engines: dict[int, PPOCR] = {}
_lock = threading.Lock()


def get_engine(threads: int = 1) -> PPOCR:
    """The process-wide engine (loading the models takes ~0.3 s; do it once)."""
    with _lock:
        engine = _engines.get(threads)
        if engine is None:
            engine = _engines[threads] = PPOCR(threads)
        return engine


def warp_quad(
    image: npt.NDArray[np.uint8], quad: Quad, out_height: int, pad: tuple[float, float] = (0.0, 0.0)
) -> npt.NDArray[np.uint8]:
    """Rectify the quadrilateral ``quad`` (clockwise from top-left) to a horizontal strip.

    ``pad`` grows the quad by a fraction of its (width, height) on each side first.
    """
    q = quad.astype(np.float32)
    top, right = q[1] - q[0], q[2] - q[1]
    w = float(max(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[2] - q[3])))
    h = float(max(np.linalg.norm(q[3] - q[0]), np.linalg.norm(q[2] - q[1])))
    ux = top / max(1e-6, float(np.linalg.norm(top)))
    uy = right / max(1e-6, float(np.linalg.norm(right)))
    dx, dy = ux * w * pad[0], uy * h * pad[1]
    q = np.array([q[0] - dx - dy, q[1] + dx - dy, q[2] + dx + dy, q[3] - dx + dy], np.float32)
    w, h = w * (1 + 2 * pad[0]), h * (1 + 2 * pad[1])
    out_w = max(8, round(w * out_height / max(1.0, h)))
    dst = np.array([[0, 0], [out_w, 0], [out_w, out_height], [0, out_height]], np.float32)
    m = cv2.getPerspectiveTransform(q, dst)
    warped = cv2.warpPerspective(
        image, m, (out_w, out_height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(warped, dtype=np.uint8)
