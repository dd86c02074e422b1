"""``docproc requeue``: take failed documents back (transient failures; permanent on request)."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import timedelta

from docproc.config import get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "requeue",
        help="queue failed documents again (transient failures; --include-permanent for all)",
    )
    p.add_argument("--reason", action="append", default=None, help="only this reason (repeat)")
    p.add_argument("--batch", type=uuid.UUID, default=None, help="only this batch id")
    p.add_argument(
        "--older-than", type=float, default=None, metavar="SECONDS", help="failed at least then"
    )
    p.add_argument("--id", type=uuid.UUID, action="append", default=None, help="document id")
    p.add_argument(
        "--include-permanent",
        action="store_true",
        help="also documents failed for their file (corrupt, unsupported, too large, empty)",
    )
    p.add_argument(
        "--no-dispatch",
        action="store_true",
        help="only mark them queued (a batch rerun or the sweeper sends them)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from docproc.processing.status import requeue
    from docproc.services import open_services

    settings = get_settings()
    services = open_services(settings)
    dispatch = None
    if not args.no_dispatch:
        from docproc.processing.queue import dispatch as send

        dispatch = send
    ids = requeue(
        services.session_factory,
        dispatch,
        reasons=args.reason,
        batch_id=args.batch,
        older_than=timedelta(seconds=args.older_than) if args.older_than is not None else None,
        document_ids=args.id,
        include_permanent=args.include_permanent,
    )
    sys.stdout.write(json.dumps({"requeued": len(ids), "ids": [str(i) for i in ids]}) + "\n")
    return 0
