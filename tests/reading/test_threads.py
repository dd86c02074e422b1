"""OpenCV's thread pool set from the settings (real OpenCV)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from docproc.config import Settings
from docproc.reading import threads
from docproc.reading.document import read_file
from docproc.reading.threads import limit_threads

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "images"


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    before = cv2.getNumThreads()
    yield
    cv2.setNumThreads(before)
    threads._applied = None


def test_the_settings_thread_count_is_set_and_zero_leaves_opencvs_own() -> None:
    cv2.setNumThreads(3)
    threads._applied = None
    limit_threads(Settings(cv_threads=0))
    assert cv2.getNumThreads() == 3
    limit_threads(Settings(cv_threads=2))
    assert cv2.getNumThreads() == 2
    limit_threads(Settings(cv_threads=1))
    assert cv2.getNumThreads() == 1


def test_reading_a_document_runs_opencv_on_one_thread_by_default() -> None:
    cv2.setNumThreads(2)
    threads._applied = None
    sample = next(p for p in sorted(SAMPLES.glob("*")) if p.suffix in (".jpg", ".png"))
    result = read_file(sample)
    assert result.status.value == "ok"
    assert cv2.getNumThreads() == 1
