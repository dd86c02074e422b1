"""The ``docproc`` command. Errors become exit codes here and only here."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from docproc import __version__
from docproc.errors import DocprocError

# Sub-command modules in docproc/commands/, in help order.
_COMMANDS = (
    "read",
    "process",
    "batch",
    "worker",
    "sweep",
    "status",
    "requeue",
    "doctor",
    "extract",
    "tag",
    "serve",
    "user",
    "erase",
    "hold",
    "audit",
    "keys",
    "purge",
    "site",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="docproc", description=__doc__)
    parser.add_argument("--version", action="version", version=f"docproc {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    import importlib
    import importlib.util

    for name in _COMMANDS:
        module = f"docproc.commands.{name}"
        if importlib.util.find_spec(module) is None:  # a command not built (yet) in this tree
            continue
        importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except DocprocError as exc:
        sys.stderr.write(f"docproc: error [{exc.reason}] {exc.message}\n  fix: {exc.fix}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("docproc: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
