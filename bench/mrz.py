"""Benchmark: docproc's MRZ reader against PassportEye, side by side on the same images, one run.

    .venv/bin/python bench/mrz.py                       # samples + ../shared/specimens if present
    .venv/bin/python bench/mrz.py --synthetic 200 --seed 11   # plus a fresh degraded synthetic set
    .venv/bin/python bench/mrz.py --rotate 90,180,270 --tilt 30   # every image turned and tilted
    .venv/bin/python bench/mrz.py --only specimens --degrade --seed 3   # spoiled as a camera would
    .venv/bin/python bench/mrz.py --only specimens --bend 3   # bowed up to 3 % of the width
    .venv/bin/python bench/mrz.py --only synthetic --synthetic 40 --slant 0.2   # at a slant

Per reader and data set it prints: documents fully right (every field), field accuracy, documents
auto-accepted while wrong (docproc: needs_review false; PassportEye: valid true, its only signal),
negatives reported as no MRZ, median seconds per image, and the speed ratio. The two readers
alternate image by image so machine load falls on both alike.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("DOCPROC_ONNX_THREADS", "1")  # one core each, like PassportEye
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docproc.reading.document import read_file  # noqa: E402
from docproc.reading.mrz.model import ParsedMRZ  # noqa: E402
from docproc.reading.mrz.parse import parse_mrz  # noqa: E402
from docproc.reading.mrz.tuning import DEFAULT_TUNING, ReaderTuning  # noqa: E402

FIELDS = (
    "type",
    "issuing_country",
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "birth",
    "sex",
    "expiry",
)


def _words(s: str) -> str:
    return " ".join(s.replace("<", " ").split())


def mrz_fields(p: ParsedMRZ) -> dict[str, str]:
    """The compared fields; dates as printed (YYMMDD) so both readers are judged alike."""
    return {
        "type": p.type.value,
        "issuing_country": p.issuing_country,
        "surname": p.surname,
        "given_names": p.given_names,
        "document_number": p.document_number,
        "nationality": p.nationality,
        "birth": p.raw_birth_date,
        "sex": p.sex,
        "expiry": p.raw_expiry_date,
    }


def truth_fields(lines: list[str]) -> dict[str, str]:
    p = parse_mrz(lines)
    assert p is not None, lines
    return mrz_fields(p)


TUNING = DEFAULT_TUNING  # set by --tune


def parse_tuning(pairs: list[str]) -> ReaderTuning:
    """``name=value`` pairs over the reader's defaults, e.g. ``glyph_first_mean=0.85``."""
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        default = getattr(DEFAULT_TUNING, name)  # AttributeError names an unknown knob
        if isinstance(default, bool):
            changes[name] = value.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(default, tuple):  # e.g. harder_renderings=1,3 (empty: none)
            changes[name] = tuple(int(v) for v in value.split(",") if v.strip())
        else:
            changes[name] = type(default)(value)
    return dataclasses.replace(DEFAULT_TUNING, **changes)


REASONS: dict[str, list[str]] = {}  # docproc's review reasons per file, for the tally


def docproc_read(path: Path) -> tuple[dict[str, str] | None, bool]:
    """(fields, accepted) from docproc; fields None when it found no MRZ."""
    r = read_file(path, tuning=TUNING)
    if r.mrz is None:
        REASONS[path.name] = ["no_mrz"]
        return None, False
    REASONS[path.name] = list(r.mrz.review_reasons)
    return mrz_fields(r.mrz.parsed), not r.mrz.needs_review


def passporteye_read(path: Path) -> tuple[dict[str, str] | None, bool]:
    from passporteye import read_mrz

    try:
        m = read_mrz(str(path))
    except Exception:  # PassportEye raises on some inputs; count it as nothing found
        return None, False
    if m is None:
        return None, False
    sex = {"<": "X"}.get(m.sex, m.sex)
    return {
        "type": str(m.mrz_type),
        "issuing_country": m.country.strip("<"),
        "surname": _words(m.surname),
        "given_names": _words(m.names),
        "document_number": m.number.strip("<"),
        "nationality": m.nationality.strip("<"),
        "birth": m.date_of_birth,
        "sex": sex,
        "expiry": m.expiration_date,
    }, bool(m.valid)


@dataclass
class Tally:
    docs: int = 0
    full: int = 0
    fields_right: int = 0
    fields_total: int = 0
    accepted: int = 0
    accepted_wrong: int = 0
    negatives: int = 0
    negatives_right: int = 0
    seconds: list[float] = field(default_factory=list)
    negative_seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU seconds, the reader's subprocesses too
    wrong_files: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)  # per image, for --json


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (PassportEye's tesseract): a
    measure a busy machine does not inflate, unlike the wall clock."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run(
    items: list[tuple[Path, list[str] | None]], label: str, passporteye: bool = True
) -> dict[str, Tally]:
    readers = {"docproc": docproc_read, "passporteye": passporteye_read}
    if not passporteye:
        del readers["passporteye"]
    tallies = {name: Tally() for name in readers}
    for n, (path, lines) in enumerate(items, 1):
        truth = truth_fields(lines) if lines else None
        for name, reader in readers.items():
            t = tallies[name]
            start, cpu = time.perf_counter(), _cpu()
            got, accepted = reader(path)
            t.seconds.append(time.perf_counter() - start)
            t.cpu.append(_cpu() - cpu)
            row: dict[str, Any] = {
                "file": path.name,
                "cpu": round(t.cpu[-1], 3),
                "found": got is not None,
                "accepted": accepted,
            }
            if name == "docproc":
                row["reasons"] = REASONS.get(path.name, [])
            t.files.append(row)
            if truth is None:
                t.negative_seconds.append(t.seconds[-1])
                t.negatives += 1
                t.negatives_right += got is None
                continue
            t.docs += 1
            right = sum(1 for f in FIELDS if got is not None and got.get(f) == truth[f])
            t.fields_right += right
            t.fields_total += len(FIELDS)
            ok = right == len(FIELDS)
            row["right"] = ok
            row["wrong_fields"] = [f for f in FIELDS if got is None or got.get(f) != truth[f]]
            t.full += ok
            t.accepted += accepted
            if accepted and not ok:
                t.accepted_wrong += 1
                t.wrong_files.append(f"ACCEPTED:{path.name}")
            if not ok:
                t.wrong_files.append(path.name)
        print(f"\r{label}: {n}/{len(items)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return tallies


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def calibration_half(name: str) -> str:
    """``A`` (the half the reader's thresholds were calibrated on) or ``B`` (held out): a fixed
    hash of the specimen's file as ``labels.json`` names it (``images/<name>``)."""
    return "A" if hashlib.sha256(f"images/{name}".encode()).digest()[0] % 2 == 0 else "B"


def halves(t: Tally) -> dict[str, dict[str, int]]:
    """Documents, fully right, accepted and accepted-but-wrong per calibration half."""
    out = {h: {"docs": 0, "full": 0, "accepted": 0, "accepted_wrong": 0} for h in "AB"}
    for row in t.files:
        if "right" not in row:
            continue  # a negative
        half = out[calibration_half(row["file"])]
        half["docs"] += 1
        half["full"] += row["right"]
        half["accepted"] += row["accepted"]
        half["accepted_wrong"] += row["accepted"] and not row["right"]
    return out


def report(label: str, tallies: dict[str, Tally]) -> dict[str, Any]:
    med = {k: statistics.median(t.seconds) if t.seconds else 0.0 for k, t in tallies.items()}
    total = {k: sum(t.seconds) for k, t in tallies.items()}
    print(f"\n## {label}")
    tally: dict[str, int] = {}
    for reasons in REASONS.values():
        for reason in set(reasons):
            tally[reason] = tally.get(reason, 0) + 1
    REASONS.clear()
    print(
        "| reader | fully right | field accuracy | auto-accepted | accepted but wrong | "
        "negatives as no MRZ | median s/image | p95 s/image | total s | median s/negative | "
        "CPU s: median | p95 | total |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    out: dict[str, Any] = {}
    for name, t in tallies.items():
        acc = t.fields_right / t.fields_total if t.fields_total else 0.0
        print(
            f"| {name} | {t.full}/{t.docs} | {acc:.1%} | {t.accepted} | {t.accepted_wrong} | "
            f"{t.negatives_right}/{t.negatives} | {med[name]:.2f} | {_p95(t.seconds):.2f} | "
            f"{total[name]:.1f} | "
            f"{statistics.median(t.negative_seconds) if t.negative_seconds else 0.0:.2f} | "
            f"{statistics.median(t.cpu) if t.cpu else 0.0:.2f} | {_p95(t.cpu):.2f} | "
            f"{sum(t.cpu):.1f} |"
        )
        out[name] = {
            "full": t.full,
            "docs": t.docs,
            "field_accuracy": acc,
            "accepted": t.accepted,
            "accepted_wrong": t.accepted_wrong,
            "negatives_right": t.negatives_right,
            "negatives": t.negatives,
            "median_seconds": med[name],
            "p95_seconds": _p95(t.seconds),
            "total_seconds": total[name],
            "median_cpu": statistics.median(t.cpu) if t.cpu else 0.0,
            "p95_cpu": _p95(t.cpu),
            "total_cpu": sum(t.cpu),
            "wrong": t.wrong_files,
            "files": t.files,
            "halves": halves(t),
        }

    if "docproc" in out and label.startswith("real specimens"):
        split = " ".join(
            f"{h}: {v['full']}/{v['docs']} right, {v['accepted']} accepted, "
            f"{v['accepted_wrong']} accepted but wrong;"
            for h, v in out["docproc"]["halves"].items()
        )
        print(f"\ndocproc by calibration half (A calibrated on, B held out): {split}")
    if med.get("passporteye") and med["docproc"] > 0:
        ratio = med["passporteye"] / med["docproc"]
        print(
            f"\nspeed: docproc median is {1 / ratio:.2f}x PassportEye's "
            f"(PassportEye takes {ratio:.1f}x as long)"
        )
        out["speed_ratio"] = ratio
        share = total["docproc"] / max(1e-9, total["passporteye"])
        print(f"total time: docproc took {share:.2f}x PassportEye's")
        out["total_time_share"] = share
        cpu_share = sum(tallies["docproc"].cpu) / max(1e-9, sum(tallies["passporteye"].cpu))
        print(f"total CPU time: docproc took {cpu_share:.2f}x PassportEye's")
        out["total_cpu_share"] = cpu_share
    print(
        "docproc review reasons (documents): "
        + ", ".join(f"{k} {v}" for k, v in sorted(tally.items(), key=lambda kv: -kv[1]))
    )
    out["review_reasons"] = tally
    return out


def load_set(folder: Path) -> list[tuple[Path, list[str] | None]]:
    items: list[tuple[Path, list[str] | None]] = []
    for entry in json.loads((folder / "labels.json").read_text()):
        items.append((folder / entry["file"], entry["mrz"]))
    neg = folder / "negatives.json"
    if neg.exists():
        for entry in json.loads(neg.read_text()):
            name = entry["file"] if isinstance(entry, dict) else entry
            items.append((folder / name, None))
    return items


def turned(
    items: list[tuple[Path, list[str] | None]],
    rotations: list[int],
    tilt: float,
    seed: int,
    folder: Path,
    bend: float = 0.0,
    slant: float = 0.0,
) -> list[tuple[Path, list[str] | None]]:
    """Every image upright (its EXIF orientation applied), with ``bend`` bowed first (each column
    moved down by ``sag * sin(pi * x / width)``, a random sag of up to ``bend`` % of the width,
    up or down: a booklet's page bowing off the glass), with ``slant`` photographed at a slant
    (one side, drawn at random, shorter by a random share of half ``slant`` to ``slant`` and
    that share over three nearer the other: a perspective warp onto a dark desk), then turned
    by each of ``rotations`` (degrees counter-clockwise, ``PIL.Image.rotate(..., expand=True)``)
    and, with ``tilt``, by a further random angle in [-tilt, tilt] (white fill); written
    losslessly as PNG."""
    import random

    import numpy as np
    from PIL import Image, ImageOps

    rng = random.Random(seed)
    out: list[tuple[Path, list[str] | None]] = []
    for path, lines in items:
        with Image.open(path) as raw:
            upright = ImageOps.exif_transpose(raw).convert("RGB")
        if bend:
            import cv2

            page = np.asarray(upright)
            h, w = page.shape[:2]
            sag = rng.uniform(-bend, bend) / 100 * w
            xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
            down = (sag * np.sin(np.pi * xs / w)).astype(np.float32)
            bowed = cv2.remap(page, xs, ys - down, cv2.INTER_LINEAR, borderValue=(255, 255, 255))
            upright = Image.fromarray(bowed)
        if slant:
            from docproc.synth.degrade import slanted

            shrink, side = rng.uniform(slant / 2, slant), rng.randrange(4)
            upright = Image.fromarray(slanted(np.asarray(upright), shrink, side))
        for turn in rotations:
            angle = turn + (rng.uniform(-tilt, tilt) if tilt else 0.0)
            image = upright.rotate(
                angle, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255)
            )
            target = folder / f"{path.stem}_r{turn}_{angle:+.1f}.png"
            image.save(target)
            out.append((target, lines))
    return out


def degraded(
    items: list[tuple[Path, list[str] | None]], seed: int, folder: Path
) -> list[tuple[Path, list[str] | None]]:
    """Every image upright (EXIF applied), then put through two to four of the ways a desk's
    camera or an archive's scanner spoils a page, drawn at random per image: shrunk (0.45-0.8),
    blurred (sigma 0.6-1.6), shaded by a light gradient across it, grainy (noise sigma 4-10),
    flattened in contrast (to 55-80 % of its range), seen at a slant (perspective, corners moved up
    to 6 % of the side) and saved as a JPEG of quality 20-50. What each image got is in its name.
    Real print under degradations of our own: the readings' rules were not tuned on these."""
    import random

    import cv2
    import numpy as np
    from PIL import Image, ImageOps

    rng = random.Random(seed)
    out: list[tuple[Path, list[str] | None]] = []
    kinds = ["shrink", "blur", "shade", "grain", "flat", "slant", "jpeg"]
    for path, lines in items:
        with Image.open(path) as raw:
            page = np.asarray(ImageOps.exif_transpose(raw).convert("RGB"))[:, :, ::-1].copy()
        chosen = rng.sample(kinds, rng.randint(2, 4))
        h, w = page.shape[:2]
        if "shrink" in chosen:
            f = rng.uniform(0.45, 0.8)
            page = cv2.resize(
                page, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA
            )
            h, w = page.shape[:2]
        if "slant" in chosen:
            d = 0.06 * min(h, w)
            src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
            moved = np.array([[rng.uniform(0, d), rng.uniform(0, d)] for _ in range(4)], np.float32)
            inward = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], np.float32)
            dst = src + moved * inward
            m = cv2.getPerspectiveTransform(src, dst)
            page = cv2.warpPerspective(page, m, (w, h), borderValue=(255, 255, 255))
        if "blur" in chosen:
            page = cv2.GaussianBlur(page, (0, 0), rng.uniform(0.6, 1.6))
        work = page.astype(np.float32)
        if "flat" in chosen:
            k = rng.uniform(0.55, 0.8)
            work = work * k + 255 * (1 - k) * rng.uniform(0.3, 0.7)
        if "shade" in chosen:
            lo = rng.uniform(0.55, 0.8)
            ramp = np.linspace(lo, 1.0, w if rng.random() < 0.5 else h, dtype=np.float32)
            work *= ramp[None, :, None] if ramp.size == w else ramp[:, None, None]
        if "grain" in chosen:
            work += np.random.default_rng(rng.randrange(1 << 30)).normal(
                0, rng.uniform(4, 10), work.shape
            )
        page = np.clip(work, 0, 255).astype(np.uint8)
        tag = "-".join(sorted(chosen))
        if "jpeg" in chosen:
            target = folder / f"{path.stem}_{tag}.jpg"
            cv2.imwrite(str(target), page, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(20, 50)])
        else:
            target = folder / f"{path.stem}_{tag}.png"
            cv2.imwrite(str(target), page)
        out.append((target, lines))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--specimens", type=Path, default=ROOT.parent / "shared" / "specimens")
    ap.add_argument("--synthetic", type=int, default=0, help="also N fresh degraded documents")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--only", choices=["samples", "specimens", "synthetic"], action="append")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--docproc-only", action="store_true", help="skip PassportEye (no speed ratio)")
    ap.add_argument(
        "--rotate",
        default="",
        help="turn every image by each of these degrees (e.g. 90,180,270; 0 keeps it upright)",
    )
    ap.add_argument(
        "--tilt", type=float, default=0.0, help="and tilt it by a random angle up to this (deg)"
    )
    ap.add_argument(
        "--bend",
        type=float,
        default=0.0,
        help="bow every image by a random sag up to this %% of its width, up or down",
    )
    ap.add_argument(
        "--slant",
        type=float,
        default=0.0,
        help="photograph every image at a slant: one side up to this share shorter (e.g. 0.2)",
    )
    ap.add_argument(
        "--degrade",
        action="store_true",
        help="spoil every image as a camera or scanner would (see degraded()), drawn with --seed",
    )
    ap.add_argument(
        "--tune",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a ReaderTuning field for docproc, e.g. --tune glyph_first_mean=0.85 (repeatable)",
    )
    args = ap.parse_args()
    global TUNING
    TUNING = parse_tuning(args.tune)
    if args.tune:
        print(f"docproc tuning: {TUNING}")
    sets: list[tuple[str, list[tuple[Path, list[str] | None]]]] = []
    want = set(args.only or ["samples", "specimens", "synthetic"])
    if "samples" in want:
        sets.append(("samples (synthetic, committed)", load_set(ROOT / "samples")))
    if "specimens" in want and (args.specimens / "labels.json").exists():
        sets.append(("real specimens (../shared/specimens)", load_set(args.specimens)))
    tmp = None
    if "synthetic" in want and args.synthetic:
        from docproc.synth import generate

        tmp = tempfile.TemporaryDirectory()
        generate(args.synthetic, args.seed, Path(tmp.name), degraded=True)
        sets.append(
            (
                f"fresh synthetic, degraded (n={args.synthetic}, seed={args.seed})",
                load_set(Path(tmp.name)),
            )
        )
    if args.rotate or args.tilt or args.bend or args.slant:
        rotations = [int(r) for r in args.rotate.split(",") if r.strip()] or [0]
        turn_dir = tempfile.TemporaryDirectory()
        sets = [
            (
                f"{label}, bowed <= {args.bend:g} %, slant <= {args.slant:g},"
                f" turned {args.rotate or 0} tilt <= {args.tilt:g}",
                turned(
                    items,
                    rotations,
                    args.tilt,
                    args.seed,
                    Path(turn_dir.name),
                    args.bend,
                    args.slant,
                ),
            )
            for label, items in sets
        ]
    if args.degrade:
        spoil_dir = tempfile.TemporaryDirectory()
        sets = [
            (
                f"{label}, degraded (seed {args.seed})",
                degraded(items, args.seed, Path(spoil_dir.name)),
            )
            for label, items in sets
        ]
    results = {
        label: report(label, run(items, label, not args.docproc_only)) for label, items in sets
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
