"""Progress on stderr (never stdout, which carries results)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@contextmanager
def progress(total: int, label: str, *, min_items: int = 2) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr for ``total`` items; silent for one item or a non-terminal."""
    if total < min_items or not sys.stderr.isatty():
        yield lambda: None
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
