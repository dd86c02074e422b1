"""``docproc worker``: a Celery worker for ``docproc.process`` (and the sweeper with --beat)."""

from __future__ import annotations

import argparse

from docproc.config import get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("worker", help="run a queue worker (Celery)")
    p.add_argument(
        "--concurrency",
        "-c",
        type=int,
        default=None,
        help="worker processes (default: DOCPROC_WORKERS)",
    )
    p.add_argument(
        "--beat",
        action="store_true",
        help="also run the periodic sweeper (run it in exactly one worker)",
    )
    p.add_argument("--loglevel", default="INFO")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from docproc.processing.queue import app

    settings = get_settings()
    argv = [
        "worker",
        f"--loglevel={args.loglevel}",
        "--pool=prefork",
        f"--concurrency={args.concurrency or settings.workers}",
        "-Q",
        settings.queue,
        "--without-gossip",
        "--without-mingle",
    ]
    if args.beat:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        argv += ["-B", "-s", str(settings.data_dir / "celerybeat-schedule")]
    app.worker_main(argv)
    return 0
