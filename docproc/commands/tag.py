"""``docproc tag [FILE | -] [--json]``: language and named entities of a text."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from docproc.errors import FileNotReadable

if TYPE_CHECKING:
    pass


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("tag", help="language and named entities of a text (file or stdin)")
    p.add_argument("file", nargs="?", default="-", metavar="FILE", help="text file, '-' = stdin")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise FileNotReadable(f"{name}: {exc.strerror or exc}") from exc


def run(args: argparse.Namespace) -> int:
    from docproc.reading.nlp import tag

    text = _read(args.file)
    result = tag(text)
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return 0
    sys.stdout.write(f"language: {result['language']}\n")
    for ent in result["entities"]:
        sys.stdout.write(f"{ent['start']:>6}-{ent['end']:<6} {ent['label']:<12} {ent['text']}\n")
    return 0
