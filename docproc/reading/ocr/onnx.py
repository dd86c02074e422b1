"""What the project's own ONNX models share: a CPU session, their metadata, one load a process."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def session_options(threads: int = 1) -> Any:
    """onnxruntime session options: ``threads`` intra-op threads that sleep between runs, quiet.

    By default onnxruntime's worker threads spin (busy-wait) between operators and after a run
    for the next one: with two threads that spinning was about a tenth of the MRZ reader's CPU
    on the real specimens (24.1 -> 22.0 s over 62 files, the mean of five alternating runs;
    wall clock alike), CPU another process on the machine could have used."""
    import onnxruntime as ort  # type: ignore[import-untyped]

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return opts


def cpu_session(model: Path, threads: int = 1) -> Any:
    """An onnxruntime session on the CPU (:func:`session_options`)."""
    import onnxruntime as ort

    opts = session_options(threads)
    return ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])


def model_meta(model: Path) -> dict[str, Any]:
    """The JSON written beside a model by its recipe (alphabet, figures, command); {} if none."""
    meta = model.with_suffix(".json")
    return dict(json.loads(meta.read_text())) if meta.exists() else {}


def width_groups(widths: list[int], spread: float, floor: int = 0) -> list[list[int]]:
    """Indices of line images grouped for batching, narrowest first: each group's widths are at
    most ``spread`` times its narrowest (or ``floor``, the model's narrowest input, if wider),
    so a short crop is not padded to a long line's width (a recogniser's time grows with it)."""
    order = sorted(range(len(widths)), key=lambda i: widths[i])
    groups: list[list[int]] = []
    while order:
        group = [order.pop(0)]
        while order and widths[order[0]] <= spread * max(widths[group[0]], floor):
            group.append(order.pop(0))
        groups.append(group)
    return groups


class Once(Generic[T]):
    """A value made on first use, once per process, whichever thread asks first."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._make()
            return self._value
