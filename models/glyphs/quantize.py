"""The OCR-B cell classifier in 8-bit integers: the model the MRZ reader runs.

    .venv/bin/pip install -e '.[train]'          # onnx, for the graph tools
    .venv/bin/python models/glyphs/quantize.py --docs 150 --seed 1

``train.py`` writes the float model (``ocrb_cells.onnx``); this recipe quantises it statically
(QDQ: weights int8 per output channel, activations uint8 per tensor from their observed range)
to ``ocrb_cells_int8.onnx``, about twice as fast on a CPU core, and writes beside it
``ocrb_cells_int8.json``: the float model's metadata plus both models' accuracy on the same
validation cells, how often the two agree, and how far their probabilities move.

Calibration and validation cells are cut, exactly as at run time, from documents rendered by
``docproc.synth`` with seeds of their own (``train.py``'s ``collect``; real specimens are never
used), plus lines printed otherwise (``print_lines.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from print_lines import printed_cells  # noqa: E402
from train import OUT, _without_cache, collect, figures  # noqa: E402

SOURCE = OUT / "ocrb_cells.onnx"
TARGET = OUT / "ocrb_cells_int8.onnx"
_BATCH = 256


def _probs(model: Path, cells: np.ndarray) -> np.ndarray:
    from docproc.reading.ocr.glyphs import GlyphClassifier

    clf = GlyphClassifier(model)
    return np.concatenate(
        [clf.classify(cells[i : i + _BATCH]) for i in range(0, len(cells), _BATCH)]
    )


def quantise(cells: np.ndarray) -> None:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    batches = [cells[i : i + _BATCH, None] for i in range(0, len(cells), _BATCH)]

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._it = iter(batches)

        def get_next(self) -> dict[str, np.ndarray] | None:
            x = next(self._it, None)
            return None if x is None else {"cells": np.ascontiguousarray(x, np.float32)}

    with tempfile.TemporaryDirectory() as tmp:
        quant_pre_process(str(SOURCE), f"{tmp}/pre.onnx", skip_symbolic_shape=True)
        quantize_static(
            f"{tmp}/pre.onnx",
            str(TARGET),
            Reader(),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            # weights in 7 bits: a CPU without VNNI (AVX2 only) multiplies uint8 by int8 in
            # pairs summed into 16 bits, which saturate with 8-bit weights; the model then
            # answers differently there than on a VNNI CPU (measured: docs/benchmarks.md,
            # eleventh session). With 7 bits no pair sum overflows: the same on every CPU.
            reduce_range=True,
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=150, help="documents for each of the two sets")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--calibration-cells", type=int, default=6000)
    ap.add_argument("--printed-lines", type=int, default=200)
    ap.add_argument("--cache", type=Path, help="keep the cut cells here (npz) and reuse them")
    args = ap.parse_args()

    from docproc.reading.ocr import glyphs
    from docproc.reading.ocr.onnx import Once

    # the cells are cut by the reader as it reads with the float model
    glyphs._classifier = Once(lambda: glyphs.GlyphClassifier(SOURCE))
    rng = np.random.default_rng(args.seed)
    if args.cache and args.cache.exists():
        data = np.load(args.cache)
        cx, vx, vy, pvx, pvy = (data[k] for k in ("cx", "vx", "vy", "pvx", "pvy"))
    else:
        print("cutting calibration cells", flush=True)
        cx, _ = collect(args.docs, 500_000 + args.seed, 2, rng)
        px, _ = printed_cells(args.printed_lines, 600_000 + args.seed)
        cx = np.concatenate([cx, px])
        cx = cx[rng.permutation(len(cx))[: args.calibration_cells]]
        print("cutting validation cells", flush=True)
        vx, vy = collect(args.docs, 700_000 + args.seed, 0, rng)
        pvx, pvy = printed_cells(max(1, args.printed_lines // 2), 800_000 + args.seed)
        if args.cache:
            np.savez_compressed(args.cache, cx=cx, vx=vx, vy=vy, pvx=pvx, pvy=pvy)

    quantise(cx)
    meta: dict[str, Any] = json.loads(SOURCE.with_suffix(".json").read_text())
    TARGET.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")  # its alphabet
    alphabet = meta["alphabet"]
    measured: dict[str, Any] = {}
    for name, x, y in (("documents", vx, vy), ("printed", pvx, pvy)):
        p32, p8 = _probs(SOURCE, x), _probs(TARGET, x)
        measured[name] = {
            "float": figures(p32.argmax(axis=1), y, alphabet),
            "int8": figures(p8.argmax(axis=1), y, alphabet),
            "same_top_class": float((p32.argmax(1) == p8.argmax(1)).mean()),
            "top_prob_mean_abs_change": float(np.abs(p32.max(1) - p8.max(1)).mean()),
            "top_prob_max_abs_change": float(np.abs(p32.max(1) - p8.max(1)).max()),
        }
    meta.update(
        {
            "quantised_from": SOURCE.name,
            "quantisation": "static QDQ: weights int8 per channel in 7 bits (reduce_range: no "
            "16-bit saturation on CPUs without VNNI), activations uint8 per tensor "
            f"(min-max over {len(cx)} cells)",
            "quantise_command": "models/glyphs/quantize.py " + _without_cache(sys.argv[1:]),
            "int8_validation": measured,
        }
    )
    TARGET.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    print(json.dumps(measured, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
