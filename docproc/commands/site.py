"""``docproc site add|assign|unassign|adopt``: sites (desks, offices), who works at which, and
records made without a site."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("site", help="manage sites (desks) and their users (need-to-know)")
    actions = p.add_subparsers(dest="site_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a site")
    add.add_argument("code", help="a short code, e.g. jakarta-1")
    add.add_argument("--name", default="", help="the site's name")
    add.set_defaults(func=run_add)
    for action, help_text in (
        ("assign", "let a user see the site's records (desk officers and reviewers)"),
        ("unassign", "take a user off a site"),
    ):
        member = actions.add_parser(action, help=help_text)
        member.add_argument("username")
        member.add_argument("code")
        member.set_defaults(func=run_member, assign=action == "assign")
    adopt = actions.add_parser(
        "adopt", help="give the site every document, person and case that has no site"
    )
    adopt.add_argument("code")
    adopt.set_defaults(func=run_adopt)


def run_add(args: argparse.Namespace) -> int:
    from docproc.casework.sites import create_site
    from docproc.db.session import session_scope
    from docproc.services import open_services

    services = open_services(migrate=True)
    with session_scope(services.session_factory) as session:
        create_site(session, args.code, args.name, actor="cli")
    sys.stderr.write(f"site {args.code} added\n")
    return 0


def run_member(args: argparse.Namespace) -> int:
    from docproc.casework.sites import add_member, remove_member
    from docproc.db.session import session_scope
    from docproc.services import open_services

    services = open_services(migrate=True)
    change = add_member if args.assign else remove_member
    with session_scope(services.session_factory) as session:
        change(session, args.code, args.username, actor="cli")
    sys.stderr.write(
        f"{args.username} {'assigned to' if args.assign else 'taken off'} {args.code}\n"
    )
    return 0


def run_adopt(args: argparse.Namespace) -> int:
    from docproc.casework.sites import adopt_unsited
    from docproc.db.session import session_scope
    from docproc.services import open_services

    services = open_services(migrate=True)
    with session_scope(services.session_factory) as session:
        counts = adopt_unsited(session, args.code, actor="cli")
    sys.stderr.write(
        f"site {args.code} adopted {counts['documents']} documents, {counts['persons']} persons "
        f"and {counts['cases']} cases that had no site\n"
    )
    return 0
