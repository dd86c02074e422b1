"""``docproc sweep``: re-dispatch documents stuck ``queued`` or ``processing``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from docproc.config import get_settings

if TYPE_CHECKING:
    pass


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sweep",
        help="re-dispatch documents stuck queued/processing; requeue system-fault failures",
    )
    p.add_argument(
        "--older-than",
        type=float,
        default=None,
        metavar="SECONDS",
        help="queued documents untouched this long, and claims without a lease this old "
        "(default: DOCPROC_CLAIM_STALE_AFTER); leased claims end with their lease or owner",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from docproc.processing.queue import broker_document_ids, dispatch, sweep
    from docproc.services import open_services

    settings = get_settings()
    services = open_services(settings)
    older = args.older_than if args.older_than is not None else settings.claim_stale_after
    report = sweep(
        session_factory=services.session_factory,
        dispatch=dispatch,
        stale_after=timedelta(seconds=older),
        requeue_after=timedelta(seconds=settings.requeue_after),
        in_broker=lambda: broker_document_ids(settings.broker_url, settings.queue),
        lost_after=timedelta(seconds=min(older, settings.lost_message_after)),
    )
    sys.stdout.write(json.dumps(report.counts()) + "\n")
    return 0 if not report.dispatch_errors else 5
