"""``docproc process PATH...``: the embedded pipeline, no services needed.

Everything lives under ``DOCPROC_DATA_DIR`` (default ``./docproc-data/``): the SQLite case
database (migrated automatically) and the folder object store. Each file is stored, processed
in this process and printed as one row of a table. The terminal shows the record in full; logs
never carry names or document numbers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docproc.services import Services

from docproc.config import get_settings
from docproc.errors import DocprocError, FileNotReadable

COLUMNS = (
    "file",
    "status",
    "type",
    "name",
    "document number",
    "nationality",
    "birth date",
    "review",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("process", help="store, read and record scans locally (embedded pipeline)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.set_defaults(func=run)


def _files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            )
        else:
            files.append(path)
    return files


def process_one(path: Path, services: Services) -> list[str]:
    """Store and process one file; return its table row."""
    from docproc.db import repo
    from docproc.db.session import session_scope
    from docproc.processing.claims import owner_name
    from docproc.processing.process import process_document
    from docproc.processing.submit import submit_bytes

    try:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise FileNotReadable(f"{path}: {exc.strerror or exc}") from exc
        document, _ = submit_bytes(
            data,
            path.name,
            store=services.store,
            session_factory=services.session_factory,
            actor="cli",
        )
        process_document(
            document.id,
            store=services.store,
            session_factory=services.session_factory,
            worker_name=owner_name("cli"),
        )
    except DocprocError as exc:
        return [str(path), "failed", "", "", "", "", "", exc.reason]
    with session_scope(services.session_factory) as session:
        stored = repo.get_document(session, document.id)
        extraction = repo.latest_extraction(session, document.id)
        values = {f.name: f.value or "" for f in extraction.fields} if extraction else {}
        status = stored.status.value if stored else "?"
        reason = (stored.status_reason or "") if stored else ""
        doc_type = (stored.doc_type or "") if stored else ""
    name = " ".join(v for v in (_value(values, "surname"), _value(values, "given_names")) if v)
    review = reason if status != "done" else ""
    return [
        str(path),
        status,
        doc_type,
        name or _value(values, "name"),
        _value(values, "document_number"),
        _value(values, "nationality"),
        _value(values, "birth_date"),
        review,
    ]


def _value(values: dict[str, str], key: str) -> str:
    """The MRZ's value of ``key``, else the printed page's (``viz.``) or the form's."""
    return values.get(key) or values.get(f"viz.{key}") or values.get(f"form.{key}") or ""


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from docproc.commands.ui import progress
    from docproc.services import open_services

    services = open_services(get_settings(), migrate=True)
    files = _files(args.paths)
    rows: list[list[str]] = []
    with progress(len(files), "processing") as advance:
        for path in files:
            rows.append(process_one(path, services))
            advance()
    table = Table(*COLUMNS, title=None, show_lines=False)
    for row in rows:
        table.add_row(*row)
    Console(file=sys.stdout, width=200 if not sys.stdout.isatty() else None).print(table)
    return 0
