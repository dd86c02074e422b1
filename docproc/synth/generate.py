"""Write a synthetic data set: images plus ``labels.json`` with full ground truth."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from docproc.reading.mrz.model import MRZType
from docproc.synth.degrade import DegradeOptions, degrade, random_options
from docproc.synth.mrzgen import ALL_TYPES, SynthDoc, random_document
from docproc.synth.render import Box, ImageArray, render


def parse_types(spec: str | None) -> tuple[MRZType, ...]:
    """'TD1,TD3,MRVA' -> types; accepts MRV-A/MRV_A spellings; None or '' -> all types."""
    if not spec:
        return ALL_TYPES
    out = []
    for part in spec.split(","):
        key = part.strip().upper().replace("-", "").replace("_", "")
        if not key:
            continue
        try:
            out.append(MRZType(key))
        except ValueError:
            raise ValueError(
                f"unknown document type {part!r}; use {', '.join(t.value for t in ALL_TYPES)}"
            ) from None
    return tuple(out) or ALL_TYPES


def _box_list(b: Box) -> list[float]:
    return [round(v, 1) for v in b]


def save_image(path: Path, image: ImageArray, jpeg_quality: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality or 90)]
    else:
        params = [cv2.IMWRITE_PNG_COMPRESSION, 3]
    if not cv2.imwrite(str(path), bgr, params):
        raise OSError(f"could not write {path}")


def make_sample(
    doc: SynthDoc, seed: int, opts: DegradeOptions | None
) -> tuple[ImageArray, dict[str, Any], int | None]:
    """Render (and degrade when ``opts`` is given) one document.

    Returns the image, the label entry without ``file`` and the JPEG quality to save with.
    """
    rendered = render(doc, seed)
    h, w = rendered.image.shape[:2]
    if opts is None:
        image = rendered.image
        boxes = rendered.boxes
        x0, y0, x1, y1 = boxes["mrz"]
        quad = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        line_boxes = rendered.mrz_line_boxes
        applied: list[str] = []
        quality = None
    else:
        d = degrade(rendered, opts, seed=seed, rounded=doc.type in (MRZType.TD1, MRZType.TD2))
        image, boxes, quad, line_boxes = d.image, d.boxes, d.mrz_quad, d.mrz_line_boxes
        applied, quality = d.applied, d.jpeg_quality
        h, w = image.shape[:2]
    entry: dict[str, Any] = {
        "type": doc.type.value,
        "mrz": list(doc.mrz),
        "fields": dict(doc.fields),
        "viz_boxes": {k: _box_list(b) for k, b in boxes.items()},
        "viz_text": dict(rendered.viz_text),
        "mrz_quad": [[round(x, 1), round(y, 1)] for x, y in quad],
        "mrz_line_boxes": [_box_list(b) for b in line_boxes],
        "degradations": applied,
        "name_truncated": doc.name_truncated,
        "name_pool": doc.name_pool,
        "width": int(w),
        "height": int(h),
        "synthetic": True,
    }
    return np.ascontiguousarray(image), entry, quality


def _one(args: tuple[int, int, str, bool, MRZType]) -> dict[str, Any]:
    i, seed, out, degraded, t = args
    doc = random_document(random.Random(f"{seed}:{i}"), t)
    doc_seed = (seed * 1_000_003 + i) & 0x7FFFFFFF
    opts = random_options(random.Random(f"opts:{seed}:{i}")) if degraded else None
    image, entry, quality = make_sample(doc, doc_seed, opts)
    rel = f"images/{i:04d}_{t.value}.{'jpg' if degraded else 'png'}"
    save_image(Path(out) / rel, image, quality)
    return {"file": rel, **entry, "seed": seed, "index": i}


def generate(
    count: int,
    seed: int,
    out_dir: str | Path,
    degraded: bool = True,
    types: list[MRZType] | tuple[MRZType, ...] | list[str] | None = None,
    workers: int | None = None,
) -> list[dict[str, Any]]:
    """Write ``count`` documents to ``out_dir/images`` and ``out_dir/labels.json``.

    Document ``i`` depends only on ``(seed, i)`` (not on ``workers``); types cycle through
    ``types`` (default: all). Clean images are PNG; degraded ones JPEG (quality from the
    degradation, else 90). Returns the label entries (``file`` is relative to ``out_dir``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ts: tuple[MRZType, ...] = tuple(MRZType(t) for t in types) if types else ALL_TYPES
    jobs = [(i, seed, str(out), degraded, ts[i % len(ts)]) for i in range(count)]
    n = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if n <= 1 or count < 8:
        entries = [_one(j) for j in jobs]
    else:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
            entries = list(pool.map(_one, jobs, chunksize=4))
    (out / "labels.json").write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n")
    return entries
