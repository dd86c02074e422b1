"""Reading uploads in processes apart from the web server (``DOCPROC_DISPATCH=process``).

The default of ``docproc serve``: a :class:`ReaderPool` of ``DOCPROC_WORKERS`` spawned processes,
each under ``DOCPROC_READ_MEMORY_LIMIT`` (``RLIMIT_AS``) and ending with the server
(``PR_SET_PDEATHSIG``), runs :func:`~docproc.processing.process.process_document` for each
uploaded document and opens its review task. A decompression bomb or a runaway read grows a
reader, never the web process: it ends ``failed/memory_limit`` (or ``image_too_large`` by the
intake's budgets) and the reader goes on; a reader that dies (killed, crashed) is replaced and
its document handed out again, its claim taken back at once (its owner,
``reader:<host>:<pid>``, is dead); after ``DOCPROC_MAX_ATTEMPTS`` such deaths the claim ends it
``failed`` with its last reason (``worker_lost``).

Processes are started from one long-lived thread of the pool's own, so that the parent-death
signal (which Linux ties to the thread that forked) does not fire when a request thread ends.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import uuid
from collections import Counter
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import review
from docproc.config import Settings
from docproc.db import repo
from docproc.db.session import make_engine, make_session_factory, session_scope
from docproc.errors import DocprocError
from docproc.keyring import keyring_from_settings
from docproc.processing.claims import init_reading_process, owner_name
from docproc.processing.process import process_document
from docproc.storage import ObjectStore, store_from_settings

__all__ = ["ReaderPool", "read_upload"]

log = logging.getLogger(__name__)

_resources: dict[int, tuple[ObjectStore, sessionmaker[Session]]] = {}


def _process_resources(settings: Settings) -> tuple[ObjectStore, sessionmaker[Session]]:
    """The store and session factory of this reader process (made in it, never shared)."""
    pid = os.getpid()
    if pid not in _resources:
        _resources.clear()
        engine = make_engine(
            settings.resolved_database_url(), keyring=keyring_from_settings(settings)
        )
        _resources[pid] = (store_from_settings(settings), make_session_factory(engine))
    return _resources[pid]


def read_upload(document_id: uuid.UUID, settings: Settings, sample_rate: float) -> str | None:
    """In a reader process: process one stored document and open its review task; returns the
    status (None when it was not processed here). Retryable faults are logged, and the document
    is left queued for the sweeper, as the in-server reader does."""
    store, factory = _process_resources(settings)
    try:
        outcome = process_document(
            document_id,
            store=store,
            session_factory=factory,
            worker_name=owner_name("reader"),
            settings=settings,
        )
        with session_scope(factory) as session:
            document = repo.get_document(session, document_id)
            if document is not None:
                review.open_task_for(session, document, sample_rate)
    except DocprocError as exc:
        log.warning("document %s not processed: %s", document_id, exc.reason)
        return None
    return outcome.status.value if outcome.status is not None else None


class ReaderPool(Executor):
    """A dispatch function (call it with a document id) backed by reader processes.

    Only :meth:`shutdown` of the :class:`~concurrent.futures.Executor` interface is offered
    (``submit`` is not: the pool runs one kind of work); it is an ``Executor`` so that the web
    app shuts it down like the thread pool of ``DOCPROC_DISPATCH=thread``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sample_rate: float,
        store_url: str,
        database_url: str,
        processes: int | None = None,
    ) -> None:
        # The readers open exactly the store and database of the server's services.
        self.settings = settings.model_copy(
            update={"storage_url": store_url, "database_url": database_url}
        )
        self.sample_rate = sample_rate
        self.processes = max(1, processes if processes is not None else settings.workers)
        self._queue: queue.SimpleQueue[uuid.UUID | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._executor: ProcessPoolExecutor | None = None
        self._broken = False
        self._closed = False
        self._handed_out: Counter[uuid.UUID] = Counter()

    def __call__(self, document_id: uuid.UUID) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the reader pool is shut down")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="docproc-readers", daemon=True
                )
                self._thread.start()
        self._queue.put(document_id)

    def _new_executor(self) -> ProcessPoolExecutor:
        import multiprocessing

        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),  # no inherited sockets or pools
            initializer=init_reading_process,
            initargs=(os.getpid(), self.settings.read_memory_limit),
        )

    def _run(self) -> None:
        """The pool's own thread: hands documents to the readers, replaces a broken pool."""
        while True:
            document_id = self._queue.get()
            if document_id is None:
                break
            if self._broken and self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            if self._executor is None:
                self._executor = self._new_executor()
                self._broken = False
            self._handed_out[document_id] += 1
            try:
                future = self._executor.submit(
                    read_upload, document_id, self.settings, self.sample_rate
                )
            except (BrokenProcessPool, RuntimeError):
                self._broken = True
                self._again(document_id)
                continue
            future.add_done_callback(partial(self._done, document_id, executor=self._executor))

    def _done(
        self, document_id: uuid.UUID, future: Future[str | None], *, executor: Executor | None
    ) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            self._handed_out.pop(document_id, None)
            return
        if isinstance(error, BrokenProcessPool):
            # A reader died (killed, crashed): a new pool takes its documents; the dead
            # reader's claim is taken back at once (worker_lost, an attempt counted).
            if executor is self._executor:
                self._broken = True
            self._again(document_id)
            return
        log.error("document %s: the reader failed: %r", document_id, error)

    def _again(self, document_id: uuid.UUID) -> None:
        if self._closed:
            return
        # One hand-out more than the attempts: its claim ends the document (failed with its
        # last reason, worker_lost) if the readers keep dying on it.
        if self._handed_out[document_id] > self.settings.max_attempts:
            count = self._handed_out[document_id]
            log.error("document %s: its readers died %d times", document_id, count)
            return
        self._queue.put(document_id)

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        raise NotImplementedError("call the pool with a document id")

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
        self._queue.put(None)
        if thread is not None:
            with contextlib.suppress(RuntimeError):
                thread.join(timeout=10)
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=cancel_futures)
