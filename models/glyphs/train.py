"""Train the OCR-B cell classifier that docproc's MRZ reader uses as its second recogniser.

Reproducible on the CPU in minutes (PyTorch is needed only here: ``pip install -e .[train]``):

    .venv/bin/python models/glyphs/train.py --docs 700 --val-docs 150 --seed 1 --epochs 8

1. Render ``--docs`` synthetic degraded documents with docproc's own generator (OCR-B from
   Debian's fonts-ocr-b; skew, blur, noise, JPEG, low resolution, perspective, turns).
2. Find and rectify their MRZ lines with the reader's own detector and first reading, so the
   cells are cut exactly as at run time, and label every cell with the ground truth character
   (lines whose reading is too far from the truth are left out: a mislabelled cell teaches
   nothing). Each line is cut twice more with the grid jittered, for robustness.
3. Train a small CNN (three conv blocks, ~140k parameters), report accuracy on separately
   seeded validation documents (overall and on the look-alike pairs O/0, I/1, B/8, S/5, Z/2,
   G/6, K/<), export ``ocrb_cells.onnx`` and ``ocrb_cells.json`` (alphabet, figures, command).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from docproc.reading.mrz.detect import find_zones  # noqa: E402
from docproc.reading.mrz.lines import _crop  # noqa: E402
from docproc.reading.mrz.readings import glyph_anchors  # noqa: E402
from docproc.reading.mrz.search import _first_pass  # noqa: E402
from docproc.reading.mrz.tuning import DEFAULT_TUNING  # noqa: E402
from docproc.reading.ocr.glyphs import CELL_H, CELL_W, CellGrid, cut_cells, fit_grid  # noqa: E402
from docproc.reading.ocr.ppocr import MRZ_ALPHABET, get_engine  # noqa: E402
from docproc.synth.generate import generate  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from print_lines import printed_cells  # noqa: E402

# The model ships inside the Python package, so that every install path carries it.
OUT = Path(__file__).resolve().parents[2] / "docproc" / "reading" / "assets" / "glyphs"
PAIRS = [("O", "0"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2"), ("G", "6"), ("K", "<")]


def collect(count: int, seed: int, jitter: int, rng: np.random.Generator) -> tuple:
    """Cells (N, H, W) float32 and labels (N,) int64 from freshly generated documents."""
    engine = get_engine(1)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    kept = lines_seen = 0
    with tempfile.TemporaryDirectory() as tmp:
        entries = generate(count, seed, tmp)
        for n, entry in enumerate(entries):
            image = cv2.imread(str(Path(tmp) / entry["file"]))
            truth: list[str] = entry["mrz"]
            width = len(truth[0])
            for zone in find_zones(engine.detect(image, 960), max_candidates=4):
                attempt = _first_pass(image, zone, engine, DEFAULT_TUNING)
                if attempt is None:
                    continue
                for line, readings in zip(attempt.lines, attempt.readings, strict=True):
                    lines_seen += 1
                    text = readings[0].text
                    label = max(truth, key=lambda t: difflib.SequenceMatcher(None, t, text).ratio())
                    if difflib.SequenceMatcher(None, label, text).ratio() < 0.8:
                        continue
                    gray = cv2.cvtColor(_crop(image, line, 0), cv2.COLOR_BGR2GRAY)
                    grid = fit_grid(gray, width, glyph_anchors(readings, width, gray.shape))
                    if grid is None:
                        continue
                    y = np.array([MRZ_ALPHABET.index(c) for c in label], np.int64)
                    grids = [grid] + [
                        CellGrid(
                            grid.x0 + rng.uniform(-0.12, 0.12) * grid.pitch,
                            grid.pitch * rng.uniform(0.99, 1.01),
                            grid.n,
                            grid.top + rng.uniform(-1.5, 1.5),
                            grid.bottom + rng.uniform(-1.5, 1.5),
                        )
                        for _ in range(jitter)
                    ]
                    for g in grids:
                        xs.append(cut_cells(gray, g))
                        ys.append(y)
                    kept += 1
                break  # the first MRZ-like zone is the document's
            if (n + 1) % 100 == 0:
                print(f"  {n + 1}/{count} documents, {kept}/{lines_seen} lines kept", flush=True)
    return np.concatenate(xs), np.concatenate(ys)


def build_model():  # type: ignore[no-untyped-def]
    import torch.nn as nn

    def block(i: int, o: int) -> list:
        return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU()]

    return nn.Sequential(
        *block(1, 24),
        nn.MaxPool2d(2),  # 16x12
        *block(24, 48),
        nn.MaxPool2d(2),  # 8x6
        *block(48, 64),
        nn.MaxPool2d(2),  # 4x3
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(64 * 4 * 3, 128),
        nn.ReLU(),
        nn.Linear(128, len(MRZ_ALPHABET)),
    )


def evaluate(model, x: np.ndarray, y: np.ndarray) -> dict[str, float]:  # type: ignore[no-untyped-def]
    import torch

    model.eval()
    with torch.no_grad():
        pred = np.concatenate(
            [
                model(torch.from_numpy(x[i : i + 2048, None])).argmax(1).numpy()
                for i in range(0, len(x), 2048)
            ]
        )
    return figures(pred, y)


def figures(pred: np.ndarray, y: np.ndarray, alphabet: str = MRZ_ALPHABET) -> dict[str, float]:
    """Accuracy of predicted classes against labels, overall and on each look-alike pair."""
    out = {"accuracy": float((pred == y).mean()), "cells": len(y)}
    for a, b in PAIRS:
        ia, ib = alphabet.index(a), alphabet.index(b)
        mask = (y == ia) | (y == ib)
        if mask.any():
            out[f"{a}/{b}"] = float((pred[mask] == y[mask]).mean())
    return out


def _without_cache(argv: list[str]) -> str:
    """The command line minus --cache PATH (the cache only saves re-cutting the same cells)."""
    out: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a == "--cache":
            skip = True
        elif not a.startswith("--cache="):
            out.append(a)
    return " ".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--docs", type=int, default=700)
    ap.add_argument("--val-docs", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--jitter", type=int, default=2)
    ap.add_argument("--max-cells", type=int, default=0, help="train on a random subset this big")
    ap.add_argument("--cache", type=Path, help="keep the cut cells here (npz) and reuse them")
    ap.add_argument(
        "--printed-lines",
        type=int,
        default=0,
        help="also this many lines printed otherwise (print_lines.py: the sharp OCR-B cut, small "
        "text, halftone, grey ink, shading, JPEG); a fifth as many more for validation",
    )
    args = ap.parse_args()

    import torch

    torch.manual_seed(args.seed)
    # more threads than OMP_THREAD_LIMIT allows deadlocks torch's backward pass
    torch.set_num_threads(max(1, min(2, int(os.environ.get("OMP_THREAD_LIMIT", "2")))))
    rng = np.random.default_rng(args.seed)
    started = time.time()
    if args.cache and args.cache.exists():
        data = np.load(args.cache)
        x, y, vx, vy = data["x"], data["y"], data["vx"], data["vy"]
    else:
        print("cutting training cells", flush=True)
        x, y = collect(args.docs, 100_000 + args.seed, args.jitter, rng)
        print("cutting validation cells", flush=True)
        vx, vy = collect(args.val_docs, 200_000 + args.seed, 0, rng)
        if args.cache:
            np.savez_compressed(args.cache, x=x, y=y, vx=vx, vy=vy)
    if args.max_cells and len(y) > args.max_cells:
        # a fresh generator, so a run from --cache picks the same subset as one without
        pick = np.random.default_rng(args.seed).choice(len(y), args.max_cells, replace=False)
        x, y = x[pick], y[pick]
    px = pvx = np.zeros((0, CELL_H, CELL_W), np.float32)
    py = pvy = np.zeros((0,), np.int64)
    if args.printed_lines:
        print("printing lines", flush=True)
        px, py = printed_cells(args.printed_lines, 300_000 + args.seed)
        pvx, pvy = printed_cells(max(1, args.printed_lines // 5), 400_000 + args.seed)
        x, y = np.concatenate([x, px]), np.concatenate([y, py])
    print(f"{len(y)} training cells ({len(py)} printed), {len(vy)} validation cells", flush=True)

    model = build_model()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = args.epochs * ((len(y) + 255) // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.02)
    tx, ty = torch.from_numpy(x[:, None]), torch.from_numpy(y)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(ty))
        total = 0.0
        for i in range(0, len(perm), 256):
            b = perm[i : i + 256]
            xb = tx[b]
            # brightness/contrast and a little noise: scans differ in ink and paper
            xb = xb * (0.7 + 0.6 * torch.rand(len(b), 1, 1, 1)) + 0.05 * torch.randn_like(xb)
            opt.zero_grad()
            loss = loss_fn(model(xb.clamp(0, 1.2)), ty[b])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(b)
        figures = evaluate(model, vx, vy)
        print(f"epoch {epoch + 1}: loss {total / len(ty):.4f} val {figures}", flush=True)
        if len(pvy):
            print(f"  printed lines: {evaluate(model, pvx, pvy)}", flush=True)

    model.eval()
    dummy = torch.zeros(1, 1, CELL_H, CELL_W)
    torch.onnx.export(
        model,
        dummy,
        str(OUT / "ocrb_cells.onnx"),
        input_names=["cells"],
        output_names=["logits"],
        dynamic_axes={"cells": {0: "n"}, "logits": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    meta = {
        "alphabet": MRZ_ALPHABET,
        "cell": [CELL_H, CELL_W],
        "command": "models/glyphs/train.py " + _without_cache(sys.argv[1:]),
        "training_cells": len(y),
        "validation": evaluate(model, vx, vy),
        "validation_printed": evaluate(model, pvx, pvy) if len(pvy) else None,
        "minutes": round((time.time() - started) / 60, 1),
    }
    (OUT / "ocrb_cells.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(json.dumps(meta, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
