"""Train the MRZ line recogniser (``mrz_lines.onnx``) that docproc's MRZ reader uses as the
cheap second reading of names and codes.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python models/lines/train.py --lines 24000 --docs 700 --val-lines 2000 \
        --val-docs 120 --seed 1 --epochs 6 --cache lines.pkl

Data (``data.py``): rendered lines and the crops the reader itself asks for on generated
documents; training and validation use separate seeds, neither overlaps a benchmark seed, and
no real specimen is ever used. Model: four conv blocks (3x3, batch norm, ReLU; pooling to a
height of 1 and a quarter of the width), a 1-D conv over three frames and a 1x1 conv to the
38 classes (blank + ``0-9A-Z<``), trained with CTC. Writes
``docproc/reading/assets/lines/mrz_lines.onnx`` and ``.json`` (alphabet, figures, command).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import document_crops, rendered_crops  # noqa: E402

from docproc.reading.ocr.mrzlines import ALPHABET, HEIGHT, STRIDE, normalised  # noqa: E402
from docproc.reading.ocr.ppocr import ctc_fixed_length, ctc_greedy  # noqa: E402

OUT = ROOT / "docproc" / "reading" / "assets" / "lines"


def build(args: argparse.Namespace) -> dict[str, list[Any]]:
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        loaded: dict[str, list[Any]] = pickle.loads(cache.read_bytes())
        return loaded
    t = time.time()
    data = {
        "train": rendered_crops(args.lines, 500000 + args.seed)
        + document_crops(args.docs, 600000 + args.seed) * args.doc_repeat,
        "val_lines": rendered_crops(args.val_lines, 510000 + args.seed),
        "val_docs": document_crops(args.val_docs, 610000 + args.seed),
    }
    print(f"data: {', '.join(f'{k} {len(v)}' for k, v in data.items())} in {time.time() - t:.0f} s")
    if cache:
        cache.write_bytes(pickle.dumps(data))
    return data


def make_model(widths: tuple[int, ...]):  # type: ignore[no-untyped-def]
    import torch.nn as nn

    def block(a: int, b: int) -> list[Any]:
        return [nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU()]

    c1, c2, c3, c4, c5 = widths

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                *block(1, c1),
                nn.MaxPool2d(2, 2),
                *block(c1, c2),
                nn.MaxPool2d(2, 2),
                *block(c2, c3),
                nn.MaxPool2d((2, 1), (2, 1)),
                *block(c3, c4),
                nn.MaxPool2d((4, 1), (4, 1)),
            )
            self.head = nn.Sequential(
                nn.Conv1d(c4, c5, 3, padding=1),
                nn.ReLU(),
                nn.Dropout(0.1),
                nn.Conv1d(c5, len(ALPHABET) + 1, 1),
            )

        def forward(self, x):  # type: ignore[no-untyped-def]
            f = self.features(x).squeeze(2)  # (n, c, frames)
            return self.head(f).permute(0, 2, 1)  # (n, frames, classes)

    return Net()


def augment(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A crop stretched or squeezed a little (pitch), shifted up or down a pixel or two."""
    import cv2

    h, w = img.shape
    sx = float(rng.uniform(0.85, 1.15))
    out = cv2.resize(img, (max(8, round(w * sx)), h), interpolation=cv2.INTER_LINEAR)
    dy = int(rng.integers(-2, 3))
    if dy:
        out = np.roll(out, dy, axis=0)
        fill = out[-dy:] if dy < 0 else out[:dy]
        fill[:] = np.median(img)
    return out


def batches(samples: list[Any], size: int, rng: np.random.Generator, train: bool):  # type: ignore[no-untyped-def]
    order = sorted(range(len(samples)), key=lambda i: samples[i][0].shape[1])
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    if train:
        rng.shuffle(groups)
    for g in groups:
        imgs = [normalised(augment(samples[i][0], rng) if train else samples[i][0]) for i in g]
        width = max(x.shape[1] for x in imgs)
        width += (-width) % STRIDE
        x = np.zeros((len(g), 1, HEIGHT, width), np.float32)
        for row, im in enumerate(imgs):
            x[row, 0, :, : im.shape[1]] = im
        frames = [-(-im.shape[1] // STRIDE) for im in imgs]
        labels = [samples[i][1] for i in g]
        yield x, frames, labels


def evaluate(model, samples: list[Any], rng: np.random.Generator) -> dict[str, float]:  # type: ignore[no-untyped-def]
    import torch

    model.eval()
    lines = right = cells = cells_right = forced_right = 0
    with torch.no_grad():
        for x, frames, labels in batches(samples, 64, rng, False):
            probs = torch.softmax(model(torch.from_numpy(x)), -1).numpy()
            for p, n, label in zip(probs, frames, labels, strict=True):
                m = p[:n]
                got = ctc_greedy(m, ALPHABET).text
                forced = ctc_fixed_length(m, ALPHABET, len(label))
                ftext = forced.text if forced is not None else ""
                lines += 1
                right += got == label
                forced_right += ftext == label
                cells += len(label)
                cells_right += sum(a == b for a, b in zip(ftext, label, strict=False))
    model.train()
    return {
        "lines": lines,
        "greedy_line_accuracy": round(right / max(1, lines), 4),
        "forced_line_accuracy": round(forced_right / max(1, lines), 4),
        "forced_cell_accuracy": round(cells_right / max(1, cells), 4),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--lines", type=int, default=24000)
    ap.add_argument("--docs", type=int, default=700)
    ap.add_argument("--doc-repeat", type=int, default=3)
    ap.add_argument("--val-lines", type=int, default=2000)
    ap.add_argument("--val-docs", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--widths", default="16,32,48,64,96")
    ap.add_argument("--cache", default="")
    ap.add_argument("--data-only", action="store_true")
    args = ap.parse_args()
    data = build(args)
    if args.data_only:
        return 0
    import torch

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    widths = tuple(int(w) for w in args.widths.split(","))
    model = make_model(widths)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * -(-len(data["train"]) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps, pct_start=0.15)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    index = {c: i + 1 for i, c in enumerate(ALPHABET)}
    t0 = time.time()
    for epoch in range(args.epochs):
        total = n = 0.0
        for x, frames, labels in batches(data["train"], args.batch, rng, True):
            logp = torch.log_softmax(model(torch.from_numpy(x)), -1).permute(1, 0, 2)
            targets = torch.tensor([index[c] for lab in labels for c in lab], dtype=torch.long)
            loss = ctc(
                logp,
                targets,
                torch.tensor(frames, dtype=torch.long),
                torch.tensor([len(lab) for lab in labels], dtype=torch.long),
            )
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            total += float(loss) * len(labels)
            n += len(labels)
        figures = {k: evaluate(model, data[k], rng) for k in ("val_lines", "val_docs")}
        print(
            f"epoch {epoch + 1}: loss {total / n:.4f} {figures} {time.time() - t0:.0f} s",
            flush=True,
        )
    model.eval()
    OUT.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(2, 1, HEIGHT, 200)
    torch.onnx.export(
        model,
        (dummy,),
        str(OUT / "mrz_lines.onnx"),
        input_names=["lines"],
        output_names=["logits"],
        dynamic_axes={"lines": {0: "n", 3: "width"}, "logits": {0: "n", 1: "frames"}},
        opset_version=17,
        dynamo=False,
    )
    meta = {
        "alphabet": ALPHABET,
        "height": HEIGHT,
        "stride": STRIDE,
        "widths": widths,
        "parameters": params,
        "validation": figures,
        "training_samples": len(data["train"]),
        "command": "python models/lines/train.py " + " ".join(sys.argv[1:]),
        "training_seconds": round(time.time() - t0),
    }
    (OUT / "mrz_lines.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(json.dumps(meta, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
