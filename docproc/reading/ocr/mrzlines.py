"""A third MRZ recogniser: a small line reader for the cells a second reading is asked for.

Names and the codes without a check digit are accepted only when two independent readings
agree. The glyph reader (:mod:`docproc.reading.ocr.glyphs`) cuts a line into fixed-pitch cells
and classifies each alone; this one reads the rectified crop as a whole, with no grid: a small
convolutional network (no recurrence, so no language model) trained with CTC on OCR-B lines
printed many ways (``models/lines/``), emitting one frame per four input columns at a 32-pixel
height. It cannot inherit the glyph reader's typical failure (a grid off by a cell) and costs a
fraction of PP-OCR's general recogniser, which the MRZ reader keeps for when the two disagree.

Its output has PP-OCR's shape (:meth:`LineReader.recognise_matrices`: per-frame probabilities,
column 0 the CTC blank, then ``MRZ_ALPHABET``), so the same CTC decoders read it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from docproc.reading.assets import line_model, require
from docproc.reading.ocr.levels import percentiles
from docproc.reading.ocr.onnx import Once, cpu_session, model_meta, width_groups

HEIGHT = 32  # input height, pixels
STRIDE = 4  # input columns per output frame
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"  # == ppocr.MRZ_ALPHABET
_MIN_WIDTH = 16
_BATCH_SPREAD = 1.25  # crops batched together are at most this much wider than the narrowest

Image = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float32]


def normalised(gray: Image) -> Floats:
    """A gray line crop at :data:`HEIGHT` as the network sees it: ink 1, paper 0, stretched
    between the crop's 2nd and 98th percentiles (grey print on grey paper reads as black on
    white)."""
    h, w = gray.shape[:2]
    width = max(_MIN_WIDTH, round(w * HEIGHT / max(1, h)))
    interp = cv2.INTER_AREA if h > HEIGHT else cv2.INTER_LINEAR
    resized = np.asarray(cv2.resize(gray, (width, HEIGHT), interpolation=interp), np.uint8)
    lo, hi = percentiles(resized, (2.0, 98.0))
    small = resized.astype(np.float32)
    v = (small - lo) / max(float(hi - lo), 16.0)
    return np.asarray(1.0 - np.clip(v, 0.0, 1.0), np.float32)


class LineReader:
    """The trained line recogniser (ONNX, CPU). Use :func:`get_line_reader`."""

    def __init__(self, model: Path, threads: int = 1) -> None:
        self._session = cpu_session(model, threads)
        alphabet = model_meta(model).get("alphabet")
        if alphabet != ALPHABET:
            raise ValueError(f"line model alphabet {alphabet!r} is not {ALPHABET!r}")

    def recognise_matrices(self, lines: list[Image]) -> tuple[list[Floats], str]:
        """Per-frame class probabilities (column 0 the CTC blank, then :data:`ALPHABET`) for
        line crops (BGR or gray, text horizontal), one matrix per crop; and the alphabet.

        Crops of similar width run as one batch, padded with paper to the widest."""
        if not lines:
            return [], ALPHABET
        inputs = [
            normalised(
                np.asarray(cv2.cvtColor(ln, cv2.COLOR_BGR2GRAY), np.uint8) if ln.ndim == 3 else ln
            )
            for ln in lines
        ]
        out: list[Floats] = [np.zeros((0, 0), np.float32)] * len(lines)
        for group in width_groups([x.shape[1] for x in inputs], _BATCH_SPREAD):
            width = max(inputs[i].shape[1] for i in group)
            width += (-width) % STRIDE
            batch = np.zeros((len(group), 1, HEIGHT, width), np.float32)
            for row, i in enumerate(group):
                batch[row, 0, :, : inputs[i].shape[1]] = inputs[i]
            logits = self._session.run(None, {"lines": batch})[0]  # (n, frames, classes)
            for row, i in enumerate(group):
                frames = -(-inputs[i].shape[1] // STRIDE)
                z = logits[row, :frames]
                e = np.exp(z - z.max(axis=1, keepdims=True))
                out[i] = np.asarray(e / e.sum(axis=1, keepdims=True), np.float32)
        return out, ALPHABET


_reader = Once(lambda: LineReader(require(line_model())))


def get_line_reader() -> LineReader:
    """The process-wide line reader; :class:`~docproc.errors.MissingModel` if the shipped model
    is not in the installed package."""
    return _reader.get()


def model_info() -> dict[str, Any]:
    return model_meta(line_model().path)
