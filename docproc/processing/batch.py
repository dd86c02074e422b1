"""Batch runs: list a source, skip what is done, process the rest, summarise.

A source is a local folder or ``s3://bucket/prefix``. Each file is one unit of work:

* the orchestrator hashes it; a file whose document is already finished is skipped (so a rerun
  after an interruption only does what is left), otherwise its document is created (or found),
  claimed, and the unit handed to a worker;
* ``dispatch="local"``: a process pool (one process with ``--workers 1``, so that the read runs
  under ``DOCPROC_READ_MEMORY_LIMIT`` apart from the orchestrator; in-process only when the
  limit is 0); each worker process reads the file itself, checks it (a truncated or oversized
  file is refused before it is stored), stores the original and reads it (the full
  extraction, or the MRZ only: ``DOCPROC_EXTRACT``), and
  returns one :class:`~docproc.processing.outcome.ReadOutcome`. Only the orchestrator writes to the
  database;
* ``dispatch="celery"``: the orchestrator stores the originals and queues them; the Celery
  workers process them and the orchestrator waits, watching the database.

A bad file (corrupt, empty, wrong type, huge) ends ``failed`` with its reason; it never stops the
batch. One ``batches`` row records the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy.orm import Session, sessionmaker

from docproc.casework.labels import label_variants
from docproc.config import Settings, get_settings
from docproc.db import repo
from docproc.db.models import TERMINAL_STATUSES, DocumentStatus
from docproc.db.session import session_scope
from docproc.errors import (
    DocprocError,
    FailureClass,
    FileNotReadable,
    ImageTooLarge,
    as_docproc_error,
    failure_class,
)
from docproc.processing.claims import (
    Heartbeat,
    init_reading_process,
    owner_name,
    retry_database,
)
from docproc.processing.outcome import ReadOutcome, read_outcome
from docproc.processing.process import (
    _lock_document,
    record_outcome,
    release_claim,
    store_artefacts,
)
from docproc.processing.process import (
    claim as claim_document,
)
from docproc.processing.submit import Dispatch, media_type_for
from docproc.reading.extract.schema import LabelVariants
from docproc.reading.intake import check_file
from docproc.storage import (
    ObjectStore,
    derived_key,
    original_key,
    put_original,
    sha256_hex,
    store_from_settings,
)

__all__ = [
    "BatchSummary",
    "UnitResult",
    "open_source",
    "run_batch",
]

log = logging.getLogger(__name__)

SKIPPED = "skipped"


# ------------------------------------------------------------------------------------ sources


@dataclass(frozen=True)
class Unit:
    """One file of a source: ``location`` is a path or an object key, ``name`` what to show."""

    name: str
    location: str


@dataclass(frozen=True)
class SourceSpec:
    """Enough to reopen a source in a worker process (picklable)."""

    kind: Literal["folder", "s3"]
    root: str  # folder path, or store URL
    prefix: str = ""


def open_source(source: str, settings: Settings | None = None) -> SourceSpec:
    """``/some/folder`` or ``s3://bucket/prefix[?endpoint=host:port&secure=0]``.

    Without ``endpoint``, an S3 source uses the endpoint of ``DOCPROC_STORAGE_URL``.
    """
    settings = settings or get_settings()
    parts = urlsplit(source)
    if parts.scheme != "s3":
        folder = Path(source).expanduser()
        if not folder.is_dir():
            raise FileNotReadable(f"batch source {source!r} is not a folder")
        return SourceSpec("folder", str(folder.resolve()))
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if "endpoint" not in query:
        storage = urlsplit(settings.resolved_storage_url())
        query = {k: v[-1] for k, v in parse_qs(storage.query).items()} | query
    store_url = f"s3://{parts.netloc}?{urlencode(query)}"
    return SourceSpec("s3", store_url, parts.path.lstrip("/"))


def _source_store(spec: SourceSpec, settings: Settings) -> ObjectStore:
    return _open_settings_store(spec.root, settings)


def _open_settings_store(url: str, settings: Settings) -> ObjectStore:
    return store_from_settings(settings, url)


def list_units(spec: SourceSpec, settings: Settings) -> list[Unit]:
    if spec.kind == "folder":
        root = Path(spec.root)
        paths = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
        return [Unit(p.relative_to(root).as_posix(), str(p)) for p in paths]
    store = _source_store(spec, settings)
    return [Unit(key, key) for key in store.list(spec.prefix)]


def _digest(spec: SourceSpec, unit: Unit, store: ObjectStore | None) -> str:
    if spec.kind == "folder":
        try:
            with open(unit.location, "rb") as handle:
                return hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError as exc:
            raise FileNotReadable(f"{unit.name}: {exc.strerror or exc}") from exc
    assert store is not None
    stat = store.stat(unit.location)
    if stat is not None and stat.sha256:
        return stat.sha256
    return sha256_hex(store.get(unit.location))


# ------------------------------------------------------------------------------ unit of work


_worker_stores: dict[tuple[int, str], ObjectStore] = {}


def _cached_store(url: str, settings: Settings) -> ObjectStore:
    key = (os.getpid(), url)
    if key not in _worker_stores:
        _worker_stores[key] = _open_settings_store(url, settings)
    return _worker_stores[key]


def _read_unit(spec: SourceSpec, unit: Unit, settings: Settings) -> bytes:
    if spec.kind == "folder":
        path = Path(unit.location)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise FileNotReadable(f"{unit.name}: {exc.strerror or exc}") from exc
        if size > settings.max_file_bytes:
            raise ImageTooLarge(
                f"{unit.name}: {size} bytes, more than DOCPROC_MAX_FILE_BYTES "
                f"({settings.max_file_bytes})"
            )
        return path.read_bytes()
    return _cached_store(spec.root, settings).get(unit.location)


def work_unit(
    spec: SourceSpec,
    unit: Unit,
    store_url: str,
    settings: Settings | None = None,
    label_variants: LabelVariants = (),
) -> ReadOutcome:
    """Run in a worker process: read the file, store the original, read the document (forms
    with the ``label_variants`` reviewers taught, loaded by the orchestrator)."""
    start = time.perf_counter()
    settings = settings or get_settings()
    try:
        data = _read_unit(spec, unit, settings)
        # A bad file (truncated, too large, wrong type) is refused before it is stored, as an
        # upload is; its document ends failed with the same reason.
        check_file(data, filename=Path(unit.name).name, settings=settings)
        put_original(_cached_store(store_url, settings), data, media_type_for(unit.name))
    except Exception as exc:
        return ReadOutcome.failure(as_docproc_error(exc), time.perf_counter() - start)
    return read_outcome(data, Path(unit.name).name, settings, label_variants)


# ------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class UnitResult:
    """What became of one file (no personal data: a file name, ids and reason codes)."""

    name: str
    status: str  # a DocumentStatus value, or "skipped"
    reason: str | None = None
    document_id: uuid.UUID | None = None
    seconds: float = 0.0


@dataclass
class BatchSummary:
    batch_id: uuid.UUID
    source: str
    total: int
    results: list[UnitResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    @property
    def reasons(self) -> Counter[str]:
        """``status:reason`` of the files processed; ``skipped:<why>`` of the others (``done``,
        ``needs_review``, ``failed``: finished before; ``in_progress``: a live claim elsewhere;
        ``duplicate``: the same content as a file listed before; ``claim_lost``)."""
        return Counter(f"{r.status}:{r.reason}" for r in self.results if r.reason)

    @property
    def failed_files(self) -> int:
        """Files whose document is ``failed``: in this run, or skipped as failed before."""
        failed = DocumentStatus.failed.value
        return sum(
            1
            for r in self.results
            if r.status == failed or (r.status == SKIPPED and r.reason == failed)
        )

    @property
    def processed(self) -> int:
        return sum(1 for r in self.results if r.status != SKIPPED)

    @property
    def documents_per_minute(self) -> float:
        return 60.0 * self.processed / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "batch_id": str(self.batch_id),
            "source": self.source,
            "total": self.total,
            "counts": dict(self.counts),
            "failed_files": self.failed_files,
            "reasons": dict(self.reasons),
            "seconds": round(self.seconds, 2),
            "documents_per_minute": round(self.documents_per_minute, 2),
        }


Advance = Callable[[], None]


# -------------------------------------------------------------------------------- orchestrator


class _Runner:
    def __init__(
        self,
        spec: SourceSpec,
        *,
        store: ObjectStore,
        store_url: str,
        session_factory: sessionmaker[Session],
        settings: Settings,
        actor: str,
    ) -> None:
        self.spec = spec
        self.store = store
        self.store_url = store_url
        self.factory = session_factory
        self.settings = settings
        self.actor = actor
        self.source_store = _source_store(spec, settings) if spec.kind == "s3" else None
        self.claimed: set[uuid.UUID] = set()
        self._lock = threading.Lock()
        self.label_variants: LabelVariants = ()  # the form labels reviewers taught

    def claimed_ids(self) -> list[uuid.UUID]:
        """The claims this run holds (for the heartbeat thread)."""
        with self._lock:
            return list(self.claimed)

    def prepare(self, unit: Unit, batch_id: uuid.UUID) -> UnitResult | uuid.UUID:
        """Skip, or create and claim the unit's document; return its id or a final result."""
        try:
            digest = _digest(self.spec, unit, self.source_store)
        except DocprocError as exc:
            if exc.retryable:
                raise
            return UnitResult(unit.name, DocumentStatus.failed.value, exc.reason)

        def register() -> UnitResult | uuid.UUID:
            with session_scope(self.factory) as session:
                existing = repo.get_document_by_sha256(session, digest)
                if existing is not None and _finished(existing.status, existing.status_reason):
                    return UnitResult(unit.name, SKIPPED, existing.status.value, existing.id)
                if existing is not None and existing.status is DocumentStatus.failed:
                    # A transient failure: taken back (its reason stays until the next outcome).
                    repo.set_status(
                        session,
                        existing,
                        DocumentStatus.queued,
                        existing.status_reason,
                        actor=self.actor,
                    )
                    existing.attempts = 0
                document, _ = repo.get_or_create_document(
                    session,
                    sha256=digest,
                    source_key=original_key(digest),
                    filename=Path(unit.name).name[-255:],
                    media_type=media_type_for(unit.name),
                    batch_id=batch_id,
                    actor=self.actor,
                )
                return document.id

        return retry_database(register)

    def claim(self, document_id: uuid.UUID) -> bool:
        """Claim with a lease; a claim of a dead batch or worker on this host (a run killed
        with ``kill -9``) is taken back at once."""
        claimed = retry_database(
            lambda: claim_document(self.factory, document_id, self.actor, self.settings)
        )
        if claimed:
            with self._lock:
                self.claimed.add(document_id)
        return claimed

    def release_unrecorded(self) -> None:
        for document_id in sorted(self.claimed_ids()):
            with contextlib.suppress(DocprocError):
                release_claim(
                    document_id,
                    session_factory=self.factory,
                    worker_name=self.actor,
                    reason="interrupted",
                )
        with self._lock:
            self.claimed.clear()

    def record(self, unit: Unit, document_id: uuid.UUID, outcome: ReadOutcome) -> UnitResult:
        """Store the artefacts, then record the outcome and release the claim in one
        transaction (retried while the database is unreachable)."""
        if outcome.status is not DocumentStatus.failed:
            try:
                store_artefacts(self.store, document_id, outcome)
            except DocprocError as exc:  # the store went away: a transient failure, rerun
                outcome = ReadOutcome.failure(exc, outcome.seconds)

        def write() -> bool:
            with session_scope(self.factory) as session:
                document = _lock_document(session, document_id)
                if (
                    document is None
                    or document.status is not DocumentStatus.processing
                    or document.claimed_by != self.actor
                ):
                    return False
                record_outcome(session, document, outcome, actor=self.actor)
                return True

        recorded = retry_database(write)
        with self._lock:
            self.claimed.discard(document_id)
        if not recorded:
            return UnitResult(unit.name, SKIPPED, "claim_lost", document_id)
        return UnitResult(
            unit.name, outcome.status.value, outcome.reason, document_id, outcome.seconds
        )


def _finished(status: DocumentStatus, reason: str | None) -> bool:
    """Done with: a rerun skips it. Transient failures are taken back; permanent ones stay."""
    if status is DocumentStatus.failed:
        return failure_class(reason) is FailureClass.permanent
    return status in TERMINAL_STATUSES


def _run_local(
    runner: _Runner,
    units: list[Unit],
    batch_id: uuid.UUID,
    workers: int,
    results: list[UnitResult],
    advance: Advance,
) -> None:
    pending: list[tuple[Unit, uuid.UUID]] = []
    seen: set[uuid.UUID] = set()
    for unit in units:
        prepared = runner.prepare(unit, batch_id)
        if isinstance(prepared, UnitResult):
            results.append(prepared)
            advance()
        elif prepared in seen:  # the same content as a file listed before: one document
            results.append(UnitResult(unit.name, SKIPPED, "duplicate", prepared))
            advance()
        else:
            seen.add(prepared)
            pending.append((unit, prepared))
    try:
        if workers <= 1 and runner.settings.read_memory_limit <= 0:
            # Uncapped: read in this process. With a memory limit (the default), even one
            # worker reads in a pool process of its own under it, so that a bomb cannot grow
            # the orchestrator.
            for unit, document_id in pending:
                if not runner.claim(document_id):
                    results.append(UnitResult(unit.name, SKIPPED, "in_progress", document_id))
                else:
                    outcome = work_unit(
                        runner.spec, unit, runner.store_url, runner.settings, runner.label_variants
                    )
                    results.append(runner.record(unit, document_id, outcome))
                advance()
            return
        for unit, document_id, maybe in _pool_map(runner, pending, max(1, workers)):
            if maybe is None:
                results.append(UnitResult(unit.name, SKIPPED, "in_progress", document_id))
            else:
                results.append(runner.record(unit, document_id, maybe))
            advance()
    finally:
        # Interrupted (Ctrl-C, a database fault): give back what was claimed and not recorded,
        # so that a rerun can take it at once instead of waiting for the claim to go stale.
        runner.release_unrecorded()


def _pool_map(
    runner: _Runner, pending: list[tuple[Unit, uuid.UUID]], workers: int
) -> Iterator[tuple[Unit, uuid.UUID, ReadOutcome | None]]:
    """Results in completion order, at most ``2 * workers`` files in flight.

    Each document is claimed just before its file is handed out; ``None`` means another
    process holds it.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, wait

    context = multiprocessing.get_context("spawn")  # no inherited sockets or engine pools
    queue = list(reversed(pending))
    executor = _pool(workers, context, runner.settings)
    in_flight: dict[Future[ReadOutcome], tuple[Unit, uuid.UUID]] = {}
    try:
        while queue or in_flight:
            while queue and len(in_flight) < 2 * workers:
                unit, document_id = queue.pop()
                if document_id not in runner.claimed and not runner.claim(document_id):
                    yield unit, document_id, None
                    continue
                future = executor.submit(
                    work_unit,
                    runner.spec,
                    unit,
                    runner.store_url,
                    runner.settings,
                    runner.label_variants,
                )
                in_flight[future] = (unit, document_id)
            if not in_flight:
                continue
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in done:
                if future not in in_flight:  # requeued after the pool broke
                    continue
                unit, document_id = in_flight.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    # A worker died (out of memory, killed): that file fails, the batch goes on.
                    outcome = ReadOutcome(DocumentStatus.failed, "worker_crashed")
                    queue.extend(in_flight.values())  # still claimed: handed out again
                    in_flight.clear()
                    executor.shutdown(wait=False, cancel_futures=True)
                    executor = _pool(workers, context, runner.settings)
                except Exception as exc:
                    outcome = ReadOutcome.failure(as_docproc_error(exc))
                yield unit, document_id, outcome
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _pool(workers: int, context: Any, settings: Settings) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=init_reading_process,
        initargs=(os.getpid(), settings.read_memory_limit),
    )


def _run_celery(
    runner: _Runner,
    units: list[Unit],
    batch_id: uuid.UUID,
    results: list[UnitResult],
    advance: Advance,
    dispatch: Dispatch,
    timeout: float | None,
) -> None:
    waiting: dict[uuid.UUID, Unit] = {}
    for unit in units:
        prepared = runner.prepare(unit, batch_id)
        if isinstance(prepared, UnitResult):
            results.append(prepared)
            advance()
            continue
        if prepared in waiting:  # the same content as a file listed before: one document
            results.append(UnitResult(unit.name, SKIPPED, "duplicate", prepared))
            advance()
            continue
        try:
            data = _read_unit(runner.spec, unit, runner.settings)
            check_file(data, filename=Path(unit.name).name, settings=runner.settings)
            put_original(runner.store, data, media_type_for(unit.name))
        except DocprocError as exc:
            if exc.retryable:
                raise
            # The file itself is bad: record that here, no worker needed.
            if runner.claim(prepared):
                results.append(runner.record(unit, prepared, ReadOutcome.failure(exc)))
            else:
                results.append(UnitResult(unit.name, SKIPPED, "in_progress", prepared))
            advance()
            continue
        dispatch(prepared)
        waiting[prepared] = unit
    deadline = None if timeout is None else time.monotonic() + timeout
    while waiting:
        for document_id, status, reason in retry_database(lambda: _finished_of(runner, waiting)):
            unit = waiting.pop(document_id)
            results.append(UnitResult(unit.name, status.value, reason, document_id))
            advance()
        if waiting and deadline is not None and time.monotonic() > deadline:
            for document_id, unit in waiting.items():
                results.append(UnitResult(unit.name, "queued", "still_running", document_id))
            return
        if waiting:
            time.sleep(0.5)


def _finished_of(
    runner: _Runner, waiting: dict[uuid.UUID, Unit]
) -> list[tuple[uuid.UUID, DocumentStatus, str | None]]:
    with session_scope(runner.factory) as session:
        documents = [repo.get_document(session, document_id) for document_id in waiting]
        return [
            (d.id, d.status, d.status_reason)
            for d in documents
            if d is not None and d.status in TERMINAL_STATUSES
        ]


def check_store(store: ObjectStore) -> None:
    """Write, read and delete a probe object: raises :class:`StorageMisconfigured` (a wrong
    bucket, keys or permissions) or :class:`StorageUnavailable` before a batch starts."""
    key = derived_key(f"batch-probe-{uuid.uuid4().hex}", "probe")
    store.put(key, b"probe", "application/octet-stream")
    try:
        store.get(key)
    finally:
        store.delete(key)


def run_batch(
    source: str,
    *,
    store: ObjectStore,
    store_url: str,
    session_factory: sessionmaker[Session],
    workers: int = 1,
    dispatch: Literal["local", "celery"] = "local",
    celery_dispatch: Dispatch | None = None,
    wait_timeout: float | None = None,
    name: str | None = None,
    actor: str | None = None,
    progress: Callable[[int], Any] | None = None,
    settings: Settings | None = None,
) -> BatchSummary:
    """Run one batch over ``source``; see the module docstring.

    ``progress(total)`` is a context manager factory yielding an ``advance()`` callable
    (:func:`docproc.commands.ui.progress` bound to a label); without it, no progress is shown.
    """
    settings = settings or get_settings()
    spec = open_source(source, settings)
    actor = actor or owner_name("batch")
    check_store(store)  # a wrong bucket or keys stop the run before any document is created
    runner = _Runner(
        spec,
        store=store,
        store_url=store_url,
        session_factory=session_factory,
        settings=settings,
        actor=actor,
    )
    units = list_units(spec, settings)
    with session_scope(session_factory) as session:
        batch = repo.create_batch(
            session,
            name=(name or Path(source.rstrip("/")).name or source)[:200],
            source=source[:1024],
            actor=actor,
            total=len(units),
        )
        batch_id = batch.id
        runner.label_variants = label_variants(session)
    summary = BatchSummary(batch_id, source, len(units))
    start = time.perf_counter()
    bar = progress(len(units)) if progress else None
    advance: Advance = bar.__enter__() if bar is not None else (lambda: None)
    heartbeat = Heartbeat(session_factory, actor, settings.claim_lease, runner.claimed_ids)
    heartbeat.__enter__()
    try:
        if dispatch == "celery":
            if celery_dispatch is None:
                from docproc.processing.queue import dispatch as send

                celery_dispatch = send
            _run_celery(
                runner, units, batch_id, summary.results, advance, celery_dispatch, wait_timeout
            )
        else:
            _run_local(runner, units, batch_id, workers, summary.results, advance)
    finally:
        heartbeat.__exit__()
        if bar is not None:
            bar.__exit__(None, None, None)
        summary.seconds = time.perf_counter() - start
        with session_scope(session_factory) as session:
            finished = repo.get_batch(session, batch_id)
            if finished is not None:
                repo.finish_batch(session, finished, actor=actor)
    log.info("batch %s: %s", batch_id, dict(summary.counts))
    return summary
