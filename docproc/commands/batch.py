"""``docproc batch SOURCE``: process a folder or ``s3://bucket/prefix``, resumably."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docproc.processing.batch import BatchSummary
from docproc.config import get_settings
from docproc.errors import ExitCode


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("batch", help="process every file of a folder or s3://bucket/prefix")
    p.add_argument("source", metavar="SOURCE")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: DOCPROC_WORKERS)",
    )
    p.add_argument(
        "--dispatch",
        choices=("local", "celery"),
        default="local",
        help="local process pool, or queue to Celery workers and wait",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="with --dispatch celery: stop waiting after this many seconds",
    )
    p.add_argument("--name", default=None, help="a name for the batch record")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def _bar(total: int) -> AbstractContextManager[Callable[[], None]]:
    from docproc.commands.ui import progress

    @contextmanager
    def bar() -> Iterator[Callable[[], None]]:
        with progress(total, "batch", lines_when_piped=True) as advance:
            yield advance

    return bar()


def format_summary(summary: BatchSummary) -> str:
    counts = summary.counts
    lines = [
        f"batch {summary.batch_id}: {summary.total} files in {summary.seconds:.1f} s "
        f"({summary.documents_per_minute:.1f} documents/minute)",
        "  "
        + ", ".join(
            f"{status} {counts.get(status, 0)}"
            for status in ("done", "needs_review", "failed", "skipped", "queued")
        ),
    ]
    for reason, count in sorted(summary.reasons.items()):
        lines.append(f"  {reason}: {count}")
    if summary.failed_files:
        lines.append(
            f"  {summary.failed_files} file(s) failed: `docproc status` lists them by reason; "
            "`docproc requeue` takes back the transient ones"
        )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from docproc.processing.batch import run_batch
    from docproc.services import open_services

    settings = get_settings()
    services = open_services(settings, migrate=args.dispatch == "local")
    summary = run_batch(
        args.source,
        store=services.store,
        store_url=services.store_url,
        session_factory=services.session_factory,
        workers=args.workers or settings.workers,
        dispatch=args.dispatch,
        wait_timeout=args.timeout,
        name=args.name,
        progress=_bar,
        settings=settings,
    )
    if args.json:
        sys.stdout.write(json.dumps(summary.to_json()) + "\n")
    else:
        sys.stdout.write(format_summary(summary))
    # Scripts and schedulers must see failures: 6 when any listed file is failed (this run, or
    # skipped because it failed before), else 0.
    return int(ExitCode.files_failed) if summary.failed_files else 0
