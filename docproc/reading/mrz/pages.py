"""The MRZ of a document: every page read until one holds a valid, trusted zone."""

from __future__ import annotations

from collections.abc import Iterable

from docproc.reading.intake import PageImage
from docproc.reading.mrz.model import MRZRead
from docproc.reading.mrz.reader import read_page
from docproc.reading.mrz.tuning import DEFAULT_TUNING, ReaderTuning


def read_pages(
    pages: Iterable[PageImage], *, deep: bool = True, tuning: ReaderTuning = DEFAULT_TUNING
) -> tuple[MRZRead | None, int]:
    """The best MRZ over all pages (a valid one wins; otherwise the best-checked one)."""
    best: MRZRead | None = None
    count = 0
    for page in pages:
        count += 1
        found = read_page(page.image, page.index, deep=deep, tuning=tuning)
        if found is None:
            continue
        if best is None or (found.parsed.valid, found.parsed.check_score) > (
            best.parsed.valid,
            best.parsed.check_score,
        ):
            best = found
        if best.parsed.valid and not best.needs_review:
            break
    return best, count
