"""The threads the reading engines use in this process, set from the settings once.

OpenCV keeps a pool of one thread a core and splits every resize, warp and morphology across it.
A page's images are small: the threads add CPU (waking, spinning, splitting) and take little wall
time off. On the real specimens the MRZ reader took 14.6 s of CPU with OpenCV's default and
12.6 s with one thread, in the same wall time (12.7 and 12.6 s); on generated pages 6.3 against
5.7 s of CPU, 4.8 against 5.7 s of wall time (the means of two alternating runs each,
docs/benchmarks.md, eleventh session). Its CPU budget counts every thread of the process, and
workers read documents side by side in processes, not one page on every core.
"""

from __future__ import annotations

import threading

from docproc.config import Settings, get_settings

_applied: int | None = None
_lock = threading.Lock()


def limit_threads(settings: Settings | None = None) -> None:
    """OpenCV's thread count from ``DOCPROC_CV_THREADS`` (0: OpenCV's own default), set when
    it differs from what this process last set."""
    global _applied
    threads = (settings or get_settings()).cv_threads
    if threads == _applied:
        return
    import cv2

    with _lock:
        if threads > 0:
            cv2.setNumThreads(threads)
        _applied = threads
