"""``docproc user``: add users, set passwords, make, list and revoke API tokens."""

from __future__ import annotations

import argparse
import getpass
import sys

from docproc.errors import DocprocError, ExitCode


class PasswordMismatch(DocprocError):
    reason = "password_mismatch"
    fix = "Type the same password twice, or pipe it in with --password-stdin."
    exit_code = ExitCode.bad_arguments


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("user", help="manage web app users and API tokens")
    actions = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["desk", "reviewer", "supervisor", "admin"])
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(func=run_add)

    passwd = actions.add_parser(
        "passwd",
        help="set a user's password (ends their sessions; revokes their API tokens unless "
        "DOCPROC_REVOKE_TOKENS_ON_PASSWORD_CHANGE=false)",
    )
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(func=run_passwd)

    token = actions.add_parser(
        "token",
        help="make an API token for a user (printed once; expires after DOCPROC_API_TOKEN_DAYS)",
    )
    token.add_argument("name")
    token.add_argument("--label", default="api", help="what the token is for")
    token.add_argument("--days", type=int, help="days until it expires (default: the setting)")
    token.set_defaults(func=run_token)

    tokens = actions.add_parser("tokens", help="list a user's API tokens (ids, not the tokens)")
    tokens.add_argument("name")
    tokens.set_defaults(func=run_tokens)

    revoke = actions.add_parser("revoke", help="revoke every API token of a user, or one by id")
    revoke.add_argument("name")
    revoke.add_argument("--token", metavar="ID", help="only this token (an id from 'tokens')")
    revoke.set_defaults(func=run_revoke)

    for action, active in (("disable", False), ("enable", True)):
        toggle = actions.add_parser(action, help=f"{action} a user (disabling ends sessions)")
        toggle.add_argument("name")
        toggle.set_defaults(func=run_set_active, active=active)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise PasswordMismatch("the two passwords differ")
    return first


def run_add(args: argparse.Namespace) -> int:
    from docproc.casework.auth import create_user
    from docproc.db.models import Role
    from docproc.db.session import session_scope
    from docproc.services import open_services

    password = _password(args.password_stdin)
    services = open_services(migrate=True)
    with session_scope(services.session_factory) as session:
        create_user(session, args.name, password, Role(args.role), actor="cli")
    sys.stderr.write(f"user {args.name} added ({args.role})\n")
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    from docproc.casework.auth import set_password
    from docproc.db.session import session_scope
    from docproc.services import open_services

    password = _password(args.password_stdin)
    from docproc.config import get_settings

    services = open_services(migrate=True)
    revoke = get_settings().revoke_tokens_on_password_change
    with session_scope(services.session_factory) as session:
        count = set_password(session, args.name, password, actor="cli", revoke_tokens=revoke)
    sys.stderr.write(f"password of {args.name} set; {count} API token(s) revoked\n")
    return 0


def run_token(args: argparse.Namespace) -> int:
    from docproc.casework.auth import create_api_token
    from docproc.config import get_settings
    from docproc.db.session import session_scope
    from docproc.services import open_services

    services = open_services(migrate=True)
    days = get_settings().api_token_days if args.days is None else args.days
    with session_scope(services.session_factory) as session:
        token = create_api_token(session, args.name, args.label, actor="cli", days=days)
    sys.stdout.write(token + "\n")
    return 0


def run_tokens(args: argparse.Namespace) -> int:
    from docproc.casework.accounts import tokens_of
    from docproc.db.session import session_scope
    from docproc.services import open_services

    services = open_services(migrate=True)
    with session_scope(services.session_factory) as session:
        rows = tokens_of(session, args.name)
    sys.stdout.write("id\tlabel\tcreated\texpires\tstate\n")
    for row in rows:
        expires = row.expires_at.isoformat(timespec="seconds") if row.expires_at else "never"
        created = row.created_at.isoformat(timespec="seconds")
        sys.stdout.write(f"{row.id}\t{row.name}\t{created}\t{expires}\t{row.state}\n")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from docproc.casework.auth import InvalidUser, revoke_token, revoke_tokens
    from docproc.db.session import session_scope
    from docproc.services import open_services

    services = open_services(migrate=True)
    with session_scope(services.session_factory) as session:
        if args.token:
            if not revoke_token(session, args.name, args.token, actor="cli"):
                raise InvalidUser(f"no live API token {args.token[:40]!r} of {args.name!r}")
            count = 1
        else:
            count = revoke_tokens(session, args.name, actor="cli")
    sys.stderr.write(f"{count} token(s) of {args.name} revoked\n")
    return 0


def run_set_active(args: argparse.Namespace) -> int:
    from docproc.casework.auth import set_active
    from docproc.db.session import session_scope
    from docproc.services import open_services

    services = open_services(migrate=True)
    with session_scope(services.session_factory) as session:
        set_active(session, args.name, args.active, actor="cli")
    sys.stderr.write(f"user {args.name} {'enabled' if args.active else 'disabled'}\n")
    return 0
