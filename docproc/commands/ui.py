"""Progress on stderr (never stdout, which carries results)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@contextmanager
def progress(
    total: int, label: str, *, min_items: int = 2, lines_when_piped: bool = False
) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr for ``total`` items; silent for one item. On a non-terminal:
    silent, or with ``lines_when_piped`` one line every tenth of the items (at most 100 apart)
    and at the end, for logs."""
    if total < min_items:
        yield lambda: None
        return
    if not sys.stderr.isatty():
        if not lines_when_piped:
            yield lambda: None
            return
        yield _lines(total, label)
        return
    console = Console(stderr=True)
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


def _lines(total: int, label: str) -> Callable[[], None]:
    step = max(1, min(100, total // 10))
    done = 0
    start = time.monotonic()

    def advance() -> None:
        nonlocal done
        done += 1
        if done % step == 0 or done == total:
            seconds = time.monotonic() - start
            sys.stderr.write(f"{label}: {done}/{total} files, {seconds:.0f} s\n")
            sys.stderr.flush()

    return advance
