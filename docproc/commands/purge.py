"""``docproc purge``: apply the retention rules now (the beat worker does it every hour)."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "purge", help="remove what the retention rules (DOCPROC_RETAIN_*) say has expired"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from docproc.casework.retention import purge, rules_from_settings
    from docproc.config import get_settings
    from docproc.db.session import scrub_after_erasure
    from docproc.services import open_services

    settings = get_settings()
    services = open_services(settings, migrate=True)
    report = purge(services.session_factory, services.store, rules_from_settings(settings))
    scrub_after_erasure(services.engine)
    sys.stdout.write(json.dumps(report.to_json()) + "\n")
    return 0
