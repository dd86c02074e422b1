"""``docproc extract FILE... [--json]``: MRZ, visual-zone or form fields, entities, page text and
cross-check reasons of each document."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docproc.reading.extract.record import ExtractRecord


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("extract", help="fields, entities and cross-checks of documents and forms")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="one JSON object per file per line")
    p.add_argument(
        "--lang", default=None, help="tesseract languages (default: DOCPROC_OCR_LANGUAGES)"
    )
    p.add_argument(
        "--today", type=date.fromisoformat, default=None, help="date for expiry checks (ISO)"
    )
    p.add_argument(
        "--kind",
        choices=("auto", "identity", "form"),
        default="auto",
        help="document kind; 'form' skips the MRZ search (default: auto)",
    )
    p.set_defaults(func=run)


def _human(rec: ExtractRecord) -> str:
    if rec.status != "ok" and rec.error:
        return f"{rec.file}: error [{rec.error.reason}] {rec.error.message}"
    lines = [
        f"{rec.file}: {rec.kind}"
        + (" | REVIEW " + ",".join(rec.review_reasons) if rec.needs_review else " | ok")
    ]
    for name, f in rec.fields.items():
        lines.append(f"  {name:<18} {f.value}  ({f.source}, {f.confidence:.2f})")
    if rec.entities:
        ents = ", ".join(f"{e['label']}:{e['text']}" for e in rec.entities)
        lines.append(f"  entities: {ents}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from docproc.commands.ui import progress
    from docproc.reading.extract.record import extract_file

    with progress(len(args.files), "extracting") as advance:
        for path in args.files:
            rec = extract_file(path, lang=args.lang, today=args.today, kind=args.kind)
            out = json.dumps(rec.to_json(), ensure_ascii=False) if args.json else _human(rec)
            sys.stdout.write(out + "\n")
            sys.stdout.flush()
            advance()
    return 0
