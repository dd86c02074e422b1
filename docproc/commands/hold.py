"""``docproc hold set|clear person|document ID``: a legal hold stops erasure and purges."""

from __future__ import annotations

import argparse
import sys
import uuid


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("hold", help="set or clear a legal hold on a person or a document")
    p.add_argument("action", choices=["set", "clear"])
    p.add_argument("subject", choices=["person", "document"])
    p.add_argument("id", type=uuid.UUID)
    p.add_argument("--actor", default="cli", help="who, for the audit trail")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from docproc.casework.erasure import set_legal_hold
    from docproc.db.session import session_scope
    from docproc.services import open_services

    services = open_services(migrate=True)
    with session_scope(services.session_factory) as session:
        set_legal_hold(session, args.subject, args.id, args.action == "set", actor=args.actor)
    sys.stderr.write(
        f"legal hold {'set on' if args.action == 'set' else 'cleared from'} "
        f"{args.subject} {args.id}\n"
    )
    return 0
