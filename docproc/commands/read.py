"""``docproc read FILE... [--json]``: the MRZ of each file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docproc.reading.document import ReadResult


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("read", help="read the machine readable zone of passports, ID cards, visas")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="one JSON object per file per line")
    p.set_defaults(func=run)


def _human(result: ReadResult) -> str:
    from docproc.reading.document import ReadStatus

    if result.status is ReadStatus.error and result.error:
        return f"{result.file}: error [{result.error.reason}] {result.error.message}"
    if result.status is ReadStatus.no_mrz or result.mrz is None:
        return f"{result.file}: no MRZ found"
    m = result.mrz
    p = m.parsed
    flag = "REVIEW " + ",".join(m.review_reasons) if m.needs_review else "ok"
    return (
        f"{result.file}: {p.type.value} {p.surname}, {p.given_names} | {p.document_number} | "
        f"{p.nationality} | born {p.birth_date} | {p.sex} | expires {p.expiry_date} | "
        f"confidence {m.confidence:.2f} | {flag}"
    )


def run(args: argparse.Namespace) -> int:
    from docproc.commands.ui import progress
    from docproc.reading.document import read_file

    with progress(len(args.files), "reading") as advance:
        for path in args.files:
            result = read_file(path)
            if args.json:
                sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
            else:
                sys.stdout.write(_human(result) + "\n")
            sys.stdout.flush()
            advance()
    return 0
