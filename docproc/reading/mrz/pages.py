"""The MRZ of a document: every page read until one holds a valid, trusted zone."""

from __future__ import annotations

import time
from collections.abc import Iterable

from docproc.config import get_settings
from docproc.reading.intake import PageImage
from docproc.reading.mrz.model import MRZRead
from docproc.reading.mrz.reader import read_page
from docproc.reading.mrz.tuning import DEFAULT_TUNING, ReaderTuning
from docproc.reading.threads import limit_threads


def read_pages(
    pages: Iterable[PageImage],
    *,
    deep: bool = True,
    tuning: ReaderTuning = DEFAULT_TUNING,
    budget: float | None = None,
) -> tuple[MRZRead | None, int]:
    """The best MRZ over all pages (a valid one wins; otherwise the best-checked one). The pages
    share one CPU ``budget`` (seconds; default ``DOCPROC_MRZ_TIME_BUDGET``, 0: none): once it is
    spent no further page is read after one that held an MRZ."""
    limit_threads()
    budget = get_settings().mrz_time_budget if budget is None else budget
    started = time.process_time()
    best: MRZRead | None = None
    count = 0
    for page in pages:
        count += 1
        left = budget - (time.process_time() - started) if budget else None
        if left is not None and left <= 0 and best is not None:
            continue  # counted, not read: the budget is spent and an MRZ is in hand
        found = read_page(
            page.image,
            page.index,
            deep=deep,
            tuning=tuning,
            budget=max(left, 1e-3) if left is not None else None,
        )
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
