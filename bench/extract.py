"""Benchmark of docproc extract: visual-zone field accuracy on fresh synthetic degraded documents,
form field accuracy on fresh synthetic forms (English and Indonesian), seconds per page.

    .venv/bin/python bench/extract.py --count 40 --forms 20 --seed 7

A field counts as right when its normalised value equals the ground truth (dates as ISO, sex as
M/F/X, text uppercased with spaces collapsed). Fields the document does not print are not
counted; a printed field that is not found counts as wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import cv2

from docproc.reading.extract.normalise import clean_document_number, country_code
from docproc.reading.extract.record import extract_file
from docproc.reading.extract.values import normalise_phone
from docproc.reading.extract.viz import VIZ_FIELDS
from docproc.reading.nlp import load_pipeline
from docproc.synth.form_devset import DEV_LAYOUTS, render_dev_form
from docproc.synth.form_layouts import FAMILIES, render_random_form
from docproc.synth.forms import FORM_FIELDS, degrade_form, render_form
from docproc.synth.generate import generate

DEV_NAMES = tuple(DEV_LAYOUTS)

# viz_text keys scored: every field the visual zone reports
_VIZ_KEYS = VIZ_FIELDS


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.upper()).strip(" ,;:")


def viz_truth(entry: dict[str, Any]) -> dict[str, str]:
    printed: dict[str, str] = entry["viz_text"]
    fields: dict[str, str] = entry["fields"]
    truth: dict[str, str] = {}
    for key in _VIZ_KEYS:
        if key in printed:
            truth[key] = norm(printed[key])
    if "place_date_of_birth" in printed:
        truth["place_of_birth"] = norm(fields["place_of_birth"])
        truth["birth_date"] = fields["birth_date"]
    for key in ("birth_date", "issue_date", "expiry_date"):
        if key in truth:
            truth[key] = fields[key]
    if "sex" in truth:
        truth["sex"] = fields["sex"] if fields["sex"] in "MF" else "X"
    if "document_number" in truth:
        truth["document_number"] = clean_document_number(fields["document_number"])
    for key in ("document_code", "issuing_country"):
        if key in truth:
            truth[key] = clean_document_number(truth[key])
    return truth


def form_truth(rendered: Any) -> dict[str, str]:
    truth = {k: norm(v) for k, v in rendered.truth.items() if k in FORM_FIELDS and v != "-"}
    truth.pop("place_date_of_birth", None)
    truth["place_of_birth"] = norm(rendered.iso_dates["place_of_birth"])
    truth["birth_date"] = rendered.iso_dates["birth_date"]
    truth["arrival_date"] = rendered.iso_dates["arrival_date"]
    truth["nationality"] = country_code(truth["nationality"]) or truth["nationality"]
    truth["phone"] = normalise_phone(truth["phone"]) or truth["phone"]
    return truth


def score(
    truth: dict[str, str], got: dict[str, Any], per_field: Counter[str], wrong: Counter[str]
) -> tuple[int, int]:
    right = 0
    for key, want in truth.items():
        f = got.get(key)
        value = norm(f["value"]) if f else ""
        per_field[key] += 1
        if value == want:
            right += 1
        else:
            wrong[key] += 1
    return right, len(truth)


def run_viz(count: int, seed: int, tmp: Path, report: dict[str, Any]) -> list[float]:
    entries = generate(count, seed, tmp / "viz", degraded=True)
    per_field: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    right = total = 0
    seconds: list[float] = []
    review = 0
    examples: list[dict[str, str]] = []
    for entry in entries:
        rec = extract_file(tmp / "viz" / entry["file"]).to_json()
        seconds.append(rec["seconds"] / max(1, rec["pages"]))
        r, t = score(viz_truth(entry), rec["fields"], per_field, wrong)
        right += r
        total += t
        review += bool(rec["needs_review"])
        for key, want in viz_truth(entry).items():
            got = rec["fields"].get(key, {}).get("value", "")
            if norm(got) != want and len(examples) < 25:
                examples.append({"file": entry["file"], "field": key, "want": want, "got": got})
    report["viz"] = {
        "documents": count,
        "fields": total,
        "right": right,
        "accuracy": round(right / max(1, total), 4),
        "per_field_accuracy": {k: round(1 - wrong[k] / n, 3) for k, n in sorted(per_field.items())},
        "sent_to_review": review,
        "wrong_examples": examples,
    }
    return seconds


def run_forms(
    count: int, seed: int, tmp: Path, report: dict[str, Any]
) -> tuple[list[float], list[float]]:
    """Seconds per form with ``kind=auto`` (MRZ search first) and with ``kind=form``."""
    seconds: list[float] = []
    known_seconds: list[float] = []
    for lang in ("en", "id"):
        per_field: Counter[str] = Counter()
        wrong: Counter[str] = Counter()
        right = total = flagged = 0
        for i in range(count):
            rendered = render_form(seed * 1000 + i, lang)
            image, quality = degrade_form(rendered.image, seed * 1000 + i)
            path = tmp / f"form_{lang}_{i:03d}.jpg"
            bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
            cv2.imwrite(str(path), bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
            rec = extract_file(path).to_json()
            seconds.append(rec["seconds"])
            known = extract_file(path, kind="form").to_json()
            known_seconds.append(known["seconds"])
            assert known["fields"] == rec["fields"], path
            r, t = score(form_truth(rendered), rec["fields"], per_field, wrong)
            right += r
            total += t
            flagged += bool(rec["needs_review"])
        report[f"forms_{lang}"] = {
            "forms": count,
            "fields": total,
            "right": right,
            "accuracy": round(right / max(1, total), 4),
            "per_field_accuracy": {
                k: round(1 - wrong[k] / n, 3) for k, n in sorted(per_field.items())
            },
            "sent_to_review": flagged,
        }
    return seconds, known_seconds


def run_layouts(
    count: int, seed: int, tmp: Path, report: dict[str, Any], *, devset: bool = False
) -> list[float]:
    """Randomised layouts (``docproc.synth.form_layouts``): accuracy per field and per family;
    wall seconds per page (returned) and CPU seconds per page (in the report: the work one
    core does, whatever else the machine runs)."""
    seconds: list[float] = []
    cpu: list[float] = []
    per_field: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    fam_total: Counter[str] = Counter()
    fam_right: Counter[str] = Counter()
    examples: list[dict[str, str]] = []
    for i in range(count):
        form_seed = seed * 1000 + i
        rendered = (
            render_dev_form(DEV_NAMES[i % len(DEV_NAMES)], form_seed)
            if devset
            else render_random_form(form_seed, FAMILIES[i % len(FAMILIES)])
        )
        image, quality = degrade_form(rendered.image, form_seed)
        path = tmp / f"layout_{i:03d}.jpg"
        cv2.imwrite(
            str(path),
            cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, quality],
        )
        before = os.times()
        rec = extract_file(path).to_json()
        after = os.times()
        seconds.append(rec["seconds"] / max(1, rec["pages"]))
        cpu.append(
            sum(after[:4]) - sum(before[:4])  # this process and its tesseract children
        )
        truth = {k: norm(v) for k, v in rendered.expected.items()}
        r, t = score(truth, rec["fields"], per_field, wrong)
        fam_total[rendered.family] += t
        fam_right[rendered.family] += r
        for key, want in truth.items():
            got = rec["fields"].get(key, {}).get("value", "")
            if norm(got) != want and len(examples) < 60:
                examples.append(
                    {
                        "seed": str(form_seed),
                        "family": rendered.family,
                        "field": key,
                        "want": want,
                        "got": got,
                    }
                )
    total, right = sum(fam_total.values()), sum(fam_right.values())
    families = DEV_NAMES if devset else FAMILIES
    report["devset" if devset else "layouts"] = {
        "forms": count,
        "fields": total,
        "right": right,
        "accuracy": round(right / max(1, total), 4),
        "per_family_accuracy": {
            f: round(fam_right[f] / fam_total[f], 3) for f in families if fam_total[f]
        },
        "per_field_accuracy": {k: round(1 - wrong[k] / n, 3) for k, n in sorted(per_field.items())},
        "wrong_examples": examples,
        "median_cpu_seconds_per_page": round(statistics.median(cpu), 3) if cpu else None,
    }
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--count", type=int, default=40, help="synthetic degraded documents")
    ap.add_argument("--forms", type=int, default=20, help="synthetic forms per language")
    ap.add_argument("--layouts", type=int, default=0, help="randomised-layout forms")
    ap.add_argument("--devset", type=int, default=0, help="forms of the development layouts")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None, help="write the report as JSON here")
    args = ap.parse_args()
    load_pipeline()  # the spaCy load is start-up cost, not per-page cost
    report: dict[str, Any] = {"seed": args.seed}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="docproc-bench-extract-") as tmp:
        seconds = run_viz(args.count, args.seed, Path(tmp), report) if args.count else []
        form_seconds, known = (
            run_forms(args.forms, args.seed, Path(tmp), report) if args.forms else ([], [])
        )
        layout_seconds = (
            run_layouts(args.layouts, args.seed, Path(tmp), report) if args.layouts else []
        )
        if args.devset:
            run_layouts(args.devset, args.seed, Path(tmp), report, devset=True)
    report["median_seconds_per_page_layouts"] = (
        round(statistics.median(layout_seconds), 3) if layout_seconds else None
    )
    report["median_seconds_per_page_documents"] = (
        round(statistics.median(seconds), 3) if seconds else None
    )
    report["median_seconds_per_page_forms"] = (
        round(statistics.median(form_seconds), 3) if form_seconds else None
    )
    report["median_seconds_per_page_forms_kind_form"] = (
        round(statistics.median(known), 3) if known else None
    )
    report["wall_seconds"] = round(time.perf_counter() - start, 1)
    text = json.dumps(report, indent=1, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n")
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
