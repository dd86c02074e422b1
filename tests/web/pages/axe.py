"""axe-core in the browser tests: run it on a page, fail on serious and critical findings.

axe-core's script is installed by ``scripts/setup.sh`` (the npm package ``axe-core``, pinned)
into the virtual environment, ``.venv/node_modules/axe-core/axe.min.js``; it is never fetched at
test time. It is injected through the DevTools protocol (``page.evaluate``), which the app's
Content-Security-Policy (``script-src 'self'``) does not block, as it would an inline tag.

Use::

    from tests.web.pages.axe import assert_accessible
    assert_accessible(page)            # the page as it is now
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

__all__ = ["AXE_JS", "assert_accessible", "axe_violations", "describe"]

#: Where scripts/setup.sh installs axe-core (``npm install --prefix .venv axe-core@...``).
AXE_JS = Path(sys.prefix) / "node_modules" / "axe-core" / "axe.min.js"

#: Impacts that fail a test; "moderate" and "minor" findings are reported, not failed.
FAILING = ("serious", "critical")


@cache
def _source() -> str:
    if not AXE_JS.is_file():
        raise AssertionError(
            f"axe-core is not installed at {AXE_JS}: run scripts/setup.sh (it installs the npm "
            "package axe-core into .venv)"
        )
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Page, impacts: tuple[str, ...] = FAILING) -> list[dict[str, Any]]:
    """axe-core's violations on ``page`` (WCAG 2.x A and AA rules and best practices) of the
    given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source())
    result: dict[str, Any] = page.evaluate(
        """async () => await window.axe.run(document, {
            resultTypes: ["violations"],
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                            "best-practice"]},
        })"""
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation and up to three of its elements, for an assertion message."""
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        where = ", ".join(targets)
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {where}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail when axe-core finds a serious or critical problem on ``page``."""
    found = axe_violations(page)
    assert not found, f"axe-core on {page.url}:\n{describe(found)}"
