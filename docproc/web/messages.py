"""The interface's marked messages and their translations: what is missing, and stubs for it.

``python -m docproc.web.messages`` lists every message marked in the templates (``_("...")``)
and in Python (``_``, ``N_``, ``gettext``, ``ngettext``) that has no Indonesian translation;
``--add AREA`` appends the missing ones, untranslated, to ``locale/id/AREA.po`` for a translator.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

__all__ = ["marked_messages", "missing", "translated"]

_METHODS = [
    ("**/web/templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
_KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def _package_root() -> Path:
    return Path(str(resources.files("docproc")))


def marked_messages() -> Iterator[tuple[str, str]]:
    """Every marked message id (plural forms give both), with the file and line marking it."""
    root = _package_root()
    for filename, line, message, _comments, _context in extract_from_dir(
        str(root), _METHODS, keywords=_KEYWORDS, options_map={"**.html": {"autoescape": "on"}}
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for text in ids:
            if text:
                yield text, f"{filename}:{line}"


def translated(language: str) -> dict[str, str]:
    """The translations of ``language`` over all its ``.po`` files (only translated ones)."""
    folder = _package_root() / "web" / "locale" / language
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                value = message.string
                text = value if isinstance(value, str) else (value[0] if value else "")
                if text:
                    found[key] = text
    return found


def missing(language: str) -> dict[str, str]:
    """Marked messages with no translation in ``language``, with where each is marked."""
    have = translated(language)
    return {text: where for text, where in marked_messages() if text not in have}


def _add(language: str, area: str, messages: dict[str, str]) -> Path:
    path = _package_root() / "web" / "locale" / language / f"{area}.po"
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale=language, project="docproc")
    for text, where in messages.items():
        if text not in catalog:
            catalog.add(text, "", locations=[(where.rsplit(":", 1)[0], 0)])
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, no_location=True)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--language", default="id")
    parser.add_argument("--add", metavar="AREA", help="append the missing ones to AREA.po")
    args = parser.parse_args()
    gaps = missing(args.language)
    for text, where in sorted(gaps.items(), key=lambda item: item[1]):
        print(f"{where}\t{text}")
    if args.add and gaps:
        print(f"added {len(gaps)} to {_add(args.language, args.add, gaps)}")
    return 1 if gaps and not args.add else 0


if __name__ == "__main__":
    raise SystemExit(main())
