"""Who holds a claim, whether they are still there, and keeping a claim alive while reading.

* :func:`owner_name` names a claim's owner ``<kind>:<host>:<pid>`` (``worker:`` for a Celery
  pool process, ``batch:`` for the embedded batch orchestrator); :func:`owner_gone` tells from
  such a name, on the same host, that the process is dead, so that its claim is taken back at
  once (a redelivered message, a rerun batch, a sweep) instead of when its lease runs out.
* :class:`Heartbeat` renews the leases of the claims a process holds, from a thread, every
  quarter of ``DOCPROC_CLAIM_LEASE``; a claim whose owner stops renewing it (killed, host lost,
  hung) ends when its lease does.
* :func:`retry_database` runs a short database step again while the database is unreachable,
  so that one dropped connection does not leave a claim stranded.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from docproc.db import repo
from docproc.db.session import DatabaseUnavailable, session_scope
from docproc.errors import DocprocError

__all__ = [
    "Heartbeat",
    "init_reading_process",
    "limit_memory",
    "owner_gone",
    "owner_name",
    "retry_database",
]

log = logging.getLogger(__name__)
T = TypeVar("T")


def owner_name(kind: str = "worker", pid: int | None = None) -> str:
    """``<kind>:<host>:<pid>``: who holds a claim (one claim at a time per worker process)."""
    return f"{kind}:{socket.gethostname()}:{pid if pid is not None else os.getpid()}"


def owner_gone(owner: str) -> bool:
    """True when ``owner`` names a process on this host that no longer runs.

    Owners on other hosts, or in another form, are never called gone: their leases decide.
    """
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[1] != socket.gethostname() or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.ESRCH
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed child its parent has not reaped yet is dead too (Linux; elsewhere: alive)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def limit_memory(megabytes: int) -> bool:
    """Cap this process's address space (``RLIMIT_AS``) at ``megabytes`` (a reading process:
    a Celery pool child or a batch pool process); allocations beyond fail with ``MemoryError``,
    which the read reports as ``memory_limit``. False when not applied (0, or unsupported)."""
    if megabytes <= 0:
        return False
    try:
        import resource

        limit = megabytes * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError) as exc:
        log.warning("memory limit not applied: %s", exc)
        return False
    return True


def init_reading_process(parent: int, memory_limit: int) -> None:
    """Initializer of a reading pool process (a batch's, the web server's readers): cap its
    memory (``DOCPROC_READ_MEMORY_LIMIT``), and end with its parent, even if that is SIGKILLed
    (Linux ``PR_SET_PDEATHSIG``), so that no 700 MB reader outlives it."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the call
        os._exit(1)
    limit_memory(memory_limit)


def retry_database(
    step: Callable[[], T], *, tries: int = 6, first_wait: float = 0.5, max_wait: float = 8.0
) -> T:
    """Run ``step`` (one whole transaction) again while it raises :class:`DatabaseUnavailable`;
    about 20 s in all with the defaults, then the last error propagates."""
    wait = first_wait
    for attempt in range(1, tries + 1):
        try:
            return step()
        except DatabaseUnavailable:
            if attempt == tries:
                raise
            log.warning("database unavailable; retrying in %.1f s", wait)
            time.sleep(wait)
            wait = min(max_wait, wait * 2)
    raise AssertionError("unreachable")


class Heartbeat:
    """Renews the leases of the claims ``owner`` holds while a read runs (a daemon thread).

    ``ids`` returns the document ids to renew at each beat. A beat that fails (the database is
    away) is logged and tried again at the next one; the lease is long enough for a few misses.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        owner: str,
        lease: float,
        ids: Callable[[], Iterable[uuid.UUID]],
    ) -> None:
        self.factory = session_factory
        self.owner = owner
        self.lease = timedelta(seconds=lease)
        self.interval = max(0.2, lease / 4)
        self.ids = ids
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> int:
        ids = list(self.ids())
        if not ids:
            return 0
        with session_scope(self.factory) as session:
            return repo.renew_claims(session, ids, self.owner, self.lease)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except DocprocError as exc:
                log.warning("heartbeat of %s failed (%s)", self.owner, exc.reason)
            except Exception:  # a heartbeat must never take the reader down
                log.exception("heartbeat of %s failed", self.owner)

    def __enter__(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._run, name="docproc-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            with contextlib.suppress(RuntimeError):
                self._thread.join(timeout=self.interval + 5)
