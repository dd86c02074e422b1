"""Read one file's MRZ: intake -> per page MRZ reading -> one :class:`ReadResult`.

This is the unit of work of ``docproc read`` and the first stage of the full pipeline. It never
raises for a bad file: the error is returned in the result with its reason code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from docproc.config import Settings, get_settings
from docproc.errors import DocprocError, as_docproc_error
from docproc.reading.intake import PageImage, iter_pages, load_path
from docproc.reading.mrz.model import MRZRead
from docproc.reading.mrz.pages import read_pages
from docproc.reading.mrz.tuning import DEFAULT_TUNING, ReaderTuning
from docproc.reading.threads import limit_threads


class ReadStatus(StrEnum):
    ok = "ok"
    no_mrz = "no_mrz"
    error = "error"


@dataclass(frozen=True)
class ReadResult:
    file: str
    status: ReadStatus
    mrz: MRZRead | None = None
    error: DocprocError | None = None
    pages: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status.value,
            "error": (
                {"reason": self.error.reason, "message": self.error.message, "fix": self.error.fix}
                if self.error
                else None
            ),
            "mrz": self.mrz.to_json() if self.mrz else None,
            "pages": self.pages,
            "seconds": round(self.seconds, 3),
        }


def _read(
    name: str, load: Callable[[], Iterable[PageImage]], tuning: ReaderTuning, budget: float
) -> ReadResult:
    """Run ``load`` and read its pages; every failure becomes a result with a reason code."""
    start = time.perf_counter()
    limit_threads()  # before the pages are decoded
    try:
        mrz, count = read_pages(load(), tuning=tuning, budget=budget)
    except Exception as exc:
        return ReadResult(
            name, ReadStatus.error, error=as_docproc_error(exc), seconds=time.perf_counter() - start
        )
    status = ReadStatus.ok if mrz else ReadStatus.no_mrz
    return ReadResult(name, status, mrz, pages=count, seconds=time.perf_counter() - start)


def read_bytes(
    data: bytes,
    name: str,
    settings: Settings | None = None,
    *,
    tuning: ReaderTuning = DEFAULT_TUNING,
) -> ReadResult:
    settings = settings or get_settings()
    return _read(
        name,
        lambda: iter_pages(data, filename=name, settings=settings),
        tuning,
        settings.mrz_time_budget,
    )


def read_file(
    path: str | Path, settings: Settings | None = None, *, tuning: ReaderTuning = DEFAULT_TUNING
) -> ReadResult:
    """One file's MRZ; ``tuning`` sets the reader's thresholds (benchmarks sweep it)."""
    settings = settings or get_settings()
    return _read(str(path), lambda: load_path(path, settings), tuning, settings.mrz_time_budget)
