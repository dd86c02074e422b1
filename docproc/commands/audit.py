"""``docproc audit seal|verify``: the audit trail's hash chain."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="seal the audit trail's hash chain, or verify it")
    actions = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    seal = actions.add_parser("seal", help="chain new events (prints the head hash: keep it)")
    seal.add_argument(
        "--settle",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="seal only events at least this old (default 60)",
    )
    seal.set_defaults(func=run_seal)
    verify = actions.add_parser(
        "verify", help="check that no event was changed, removed, inserted or reordered"
    )
    verify.add_argument("--head", default=None, help="the head hash a past seal printed")
    verify.set_defaults(func=run_verify)


def run_seal(args: argparse.Namespace) -> int:
    from docproc.db.audit import seal_events
    from docproc.db.session import session_scope
    from docproc.services import open_services

    services = open_services(migrate=True)
    with session_scope(services.session_factory) as session:
        report = seal_events(session, settle=timedelta(seconds=args.settle))
    sys.stdout.write(json.dumps(report.to_json()) + "\n")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from docproc.db.audit import verify_events
    from docproc.db.session import session_scope
    from docproc.services import open_services

    services = open_services()
    with session_scope(services.session_factory) as session:
        report = verify_events(session, head=args.head)
    sys.stdout.write(json.dumps(report.to_json()) + "\n")
    # 1: the trail does not match its seals (a distinct code from the error exit codes)
    return 0 if report.ok else 1
