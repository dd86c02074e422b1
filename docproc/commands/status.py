"""``docproc status``: documents by status and reason, stuck claims, failures by class."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from docproc.config import get_settings

if TYPE_CHECKING:
    from docproc.processing.status import StatusReport


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "status", help="documents by status and reason, stuck claims, failures and their fixes"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def format_report(report: StatusReport) -> str:
    lines = ["documents: " + ", ".join(f"{k} {v}" for k, v in report.counts.items())]
    for status, reason, count in report.reasons:
        lines.append(f"  {status}/{reason or '-'}: {count}")
    if report.stuck:
        lines.append(f"stuck claims: {len(report.stuck)} (fix: docproc sweep)")
        for claim in report.stuck[:20]:
            lines.append(
                f"  {claim.document_id}: {claim.why}, owner {claim.owner or '-'}, "
                f"claimed {claim.age_seconds:.0f} s ago"
            )
    else:
        lines.append("stuck claims: none")
    for group in report.failed:
        lines.append(
            f"failed/{group.reason} ({group.failure_class.value}): {group.count}; fix: {group.fix}"
        )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from docproc.processing.status import status_report
    from docproc.services import open_services

    settings = get_settings()
    report = status_report(open_services(settings).session_factory, settings)
    if args.json:
        sys.stdout.write(json.dumps(report.to_json()) + "\n")
    else:
        sys.stdout.write(format_report(report))
    return 0
