"""``docproc erase person|document ID``: erase a person's or a document's data (audited)."""

from __future__ import annotations

import argparse
import json
import sys
import uuid

ERASURE_REASONS = ("data_subject_request", "retention", "legal_order", "wrong_upload", "other")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "erase",
        help="erase a person or a document: scans, artefacts, values, review history",
        description=(
            "Remove the scans, derived artefacts, extracted values and review history of a "
            "person (with every document of theirs) or of one document, from the store and the "
            "database. Leaves a tombstone event with counts and no personal values. Refused "
            "under a legal hold."
        ),
    )
    p.add_argument("subject", choices=["person", "document"])
    p.add_argument("id", type=uuid.UUID)
    p.add_argument("--reason", required=True, choices=ERASURE_REASONS, help="why (a code)")
    p.add_argument(
        "--reference", default=None, help="e.g. the request number (never a name; max 64)"
    )
    p.add_argument("--actor", default="cli", help="who asked for it, for the tombstone")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from docproc.casework.erasure import erase_document, erase_person
    from docproc.db.session import scrub_after_erasure, session_scope
    from docproc.services import open_services

    services = open_services(migrate=True)
    erase = erase_person if args.subject == "person" else erase_document
    with session_scope(services.session_factory) as session:
        report = erase(
            session,
            services.store,
            args.id,
            actor=args.actor,
            reason=args.reason,
            reference=args.reference,
        )
    scrub_after_erasure(services.engine)
    sys.stdout.write(json.dumps(report.to_json()) + "\n")
    return 0
