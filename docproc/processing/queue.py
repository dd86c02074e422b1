"""The Celery app: the ``docproc.process`` task, dispatching, and the sweeper.

Start workers with ``docproc worker`` or ``celery -A docproc.processing.queue worker``. The broker
comes from ``DOCPROC_BROKER_URL`` (Redis by default; ``amqp://`` for RabbitMQ works the same); there
is no result backend: the case database is the only record of what happened.

Delivery is at least once (``acks_late``, ``reject_on_worker_lost``), processing is exactly once:
:func:`docproc.processing.process.process_document` claims the document with a compare-and-set
first and records the result only while it still holds the claim, so a second delivery does nothing.
Messages can still be lost (a broker restarted without persistence, a dispatch while it was
down, a worker killed while holding a prefetched message): :func:`sweep` re-dispatches every
document the database says is stuck -- and, on Redis, every queued document whose message the
broker no longer holds (:func:`broker_document_ids`) -- and runs every ``DOCPROC_SWEEP_INTERVAL``
under ``docproc worker --beat`` (or ``docproc sweep``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from celery import Celery  # type: ignore[import-untyped]
from celery.exceptions import SoftTimeLimitExceeded  # type: ignore[import-untyped]
from celery.signals import worker_process_init  # type: ignore[import-untyped]
from kombu.exceptions import KombuError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from docproc.config import Settings, get_settings
from docproc.db import repo
from docproc.db.models import DocumentStatus, utcnow
from docproc.db.session import (
    DatabaseUnavailable,
    make_engine,
    make_session_factory,
    session_scope,
)
from docproc.errors import (
    SYSTEM_REASONS,
    DocprocError,
    EngineFailed,
    EngineTimeout,
    ExitCode,
    FailureClass,
    TimeLimitReached,
    failure_class,
)
from docproc.keyring import keyring_from_settings
from docproc.processing.claims import limit_memory, owner_gone, owner_name
from docproc.processing.process import (
    TIME_LIMIT,
    TIME_LIMIT_TRIES,
    fail_or_release,
    process_document,
)
from docproc.processing.submit import Dispatch
from docproc.storage import ObjectStore, StorageUnavailable, store_from_settings

__all__ = [
    "RETRYABLE_ERRORS",
    "BrokerUnavailable",
    "SweepReport",
    "app",
    "broker_document_ids",
    "dispatch",
    "make_celery",
    "make_dispatcher",
    "sweep",
    "worker_name",
]

log = logging.getLogger(__name__)


def worker_argv(
    queue: str, name: str, *, loglevel: str = "WARNING", concurrency: int = 1
) -> list[str]:
    """The command line of one Celery worker process consuming ``queue``: the worker that
    ``docproc worker`` runs in-process, for benchmarks and tests that start worker processes."""
    return [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "docproc.processing.queue",
        "worker",
        "--pool",
        "prefork",
        "-c",
        str(concurrency),
        "-Q",
        queue,
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{name}@%h",
    ]


PROCESS_TASK = "docproc.process"
SWEEP_TASK = "docproc.sweep"
PURGE_TASK = "docproc.purge"


class BrokerUnavailable(DocprocError):
    reason = "broker_unavailable"
    fix = (
        "The task queue (DOCPROC_BROKER_URL) is down or unreachable; start Redis/RabbitMQ. "
        "Documents stay queued in the database and the sweeper dispatches them later."
    )
    exit_code = ExitCode.service_unavailable
    retryable = True
    http_status = 503


#: Faults that may pass: the task is retried with exponential backoff (at most 60 s apart),
#: for as long as they last. System faults give the attempt back (the circuit: workers keep
#: re-checking instead of using documents up); read faults count attempts, and the claim's
#: ``DOCPROC_MAX_ATTEMPTS`` ends them with their reason.
RETRYABLE_ERRORS: tuple[type[DocprocError], ...] = (
    StorageUnavailable,
    DatabaseUnavailable,
    EngineTimeout,
    EngineFailed,
    TimeLimitReached,
)


def worker_name() -> str:
    """Who holds a claim: ``worker:<host>:<pid>`` (one claim per worker process)."""
    return owner_name("worker")


# ----------------------------------------------------------------------- per-process resources

_resources: dict[int, tuple[ObjectStore, sessionmaker[Session]]] = {}


def _process_resources(settings: Settings) -> tuple[ObjectStore, sessionmaker[Session]]:
    """The store and session factory of this process (made after the fork, never shared)."""
    pid = os.getpid()
    if pid not in _resources:
        store = store_from_settings(settings)
        engine = make_engine(
            settings.resolved_database_url(), keyring=keyring_from_settings(settings)
        )
        _resources.clear()
        _resources[pid] = (store, make_session_factory(engine))
    return _resources[pid]


# ------------------------------------------------------------------------------------- tasks


def _process_task(task: Any, document_id: str) -> dict[str, Any]:
    settings = get_settings()
    store, factory = _process_resources(settings)
    name = worker_name()
    try:
        outcome = process_document(
            document_id, store=store, session_factory=factory, worker_name=name, settings=settings
        )
    except SoftTimeLimitExceeded:
        # Outside the read (fetching, storing, recording): the same rule as a read that ran out
        # of time. If the database does not answer, the claim's lease ends it.
        ended: DocumentStatus | None = None
        with contextlib.suppress(DocprocError):
            ended = fail_or_release(
                uuid.UUID(document_id),
                session_factory=factory,
                worker_name=name,
                reason=TIME_LIMIT,
                tries=TIME_LIMIT_TRIES,
            )
        if ended is DocumentStatus.failed:
            return {"document_id": document_id, "status": "failed", "reason": TIME_LIMIT}
        raise TimeLimitReached(f"document {document_id}: task time limit reached") from None
    return {
        "document_id": str(outcome.document_id),
        "status": outcome.status.value if outcome.status else None,
        "reason": outcome.reason,
        "skipped": outcome.skipped,
    }


def _sweep_task() -> dict[str, int]:
    settings = get_settings()
    _, factory = _process_resources(settings)
    report = sweep(
        session_factory=factory,
        dispatch=dispatch,
        stale_after=timedelta(seconds=settings.claim_stale_after),
        requeue_after=timedelta(seconds=settings.requeue_after),
        in_broker=lambda: broker_document_ids(settings.broker_url, settings.queue),
        lost_after=timedelta(seconds=settings.lost_message_after),
    )
    return report.counts()


def _purge_task() -> dict[str, int]:
    """Retention purge and audit sealing, on the beat schedule (docs/security.md)."""
    from docproc.casework.retention import purge, rules_from_settings
    from docproc.db.audit import seal_events
    from docproc.db.session import scrub_after_erasure, session_scope

    settings = get_settings()
    store, factory = _process_resources(settings)
    report = purge(factory, store, rules_from_settings(settings))
    scrub_after_erasure(factory.kw["bind"])
    with session_scope(factory) as session:
        sealed = seal_events(session)
    return {**report.to_json(), "sealed": sealed.sealed}


def make_celery(
    broker_url: str | None = None, queue: str | None = None, settings: Settings | None = None
) -> Any:
    """A Celery app for docproc (the module-level :data:`app` uses the settings)."""
    settings = settings or get_settings()
    queue = queue or settings.queue
    time_limit = settings.task_time_limit
    celery = Celery("docproc", broker=broker_url or settings.broker_url, set_as_current=False)
    celery.conf.update(
        task_default_queue=queue,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        # Redis redelivers an unacknowledged message after this; it must outlast a task and its
        # retry countdowns, or a slow document is delivered twice (harmless, but wasted work).
        broker_transport_options={
            "visibility_timeout": int(max(3600.0, 2 * time_limit, 2 * settings.claim_stale_after))
        },
        beat_schedule={
            "docproc-sweep": {"task": SWEEP_TASK, "schedule": max(1.0, settings.sweep_interval)},
            "docproc-purge": {"task": PURGE_TASK, "schedule": max(60.0, settings.purge_every)},
        },
    )
    celery.task(
        name=PROCESS_TASK,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=RETRYABLE_ERRORS,
        retry_backoff=2,
        retry_backoff_max=60,
        retry_jitter=True,
        max_retries=None,
        time_limit=time_limit,
        # The soft limit leaves the read time to give the claim back before the hard kill: 10 %
        # of the limit, at least 10 s (short limits are for tests).
        soft_time_limit=max(1.0, min(time_limit * 0.9, time_limit - 10.0)),
    )(_process_task)
    celery.task(name=SWEEP_TASK, ignore_result=True)(_sweep_task)
    celery.task(name=PURGE_TASK, ignore_result=True)(_purge_task)
    return celery


app = make_celery()


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _limit_child_memory(**_: Any) -> None:
    """Each pool child reads documents: cap its memory (``DOCPROC_READ_MEMORY_LIMIT``)."""
    limit_memory(get_settings().read_memory_limit)


def make_dispatcher(celery: Any = None, queue: str | None = None) -> Dispatch:
    """A function that sends one document to the workers' queue."""

    def send(document_id: uuid.UUID) -> None:
        target = celery if celery is not None else app
        try:
            target.send_task(
                PROCESS_TASK,
                args=[str(document_id)],
                queue=queue or target.conf.task_default_queue,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
            )
        except (KombuError, OperationalError, OSError) as exc:
            raise BrokerUnavailable(f"could not queue document {document_id}: {exc}") from exc

    return send


dispatch: Dispatch = make_dispatcher()


# ------------------------------------------------------------------------------------ sweeper


@dataclass(frozen=True)
class SweepReport:
    """What one sweep found, requeued and re-dispatched (document ids only)."""

    stale_processing: int
    stale_queued: int
    redispatched: tuple[uuid.UUID, ...] = ()
    dispatch_errors: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)
    requeued_failed: int = 0
    lost_messages: int = 0  # queued documents whose message the broker no longer had

    def counts(self) -> dict[str, int]:
        return {
            "stale_processing": self.stale_processing,
            "stale_queued": self.stale_queued,
            "lost_messages": self.lost_messages,
            "requeued_failed": self.requeued_failed,
            "redispatched": len(self.redispatched),
            "dispatch_errors": self.dispatch_errors,
        }


_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Kombu's Redis transport keeps messages of priority p > 0 under ``<queue>\x06\x16<p>``.
_PRIORITY_SEPARATOR = "\x06\x16"
_UNACKED_KEY = "unacked"  # kombu's hash of delivered, unacknowledged messages (all queues)


def broker_document_ids(broker_url: str, queue: str) -> set[uuid.UUID] | None:
    """The document ids that have a message in a Redis broker -- waiting in ``queue`` (any
    priority) or delivered to a worker and not yet acknowledged (ETA retries included) -- or
    None when the broker cannot tell (not Redis, or unreachable).

    A broker restarted without persistence has lost its messages: the documents the database
    says are ``queued`` and that are not here are re-dispatched by the next sweep
    (``DOCPROC_LOST_MESSAGE_AFTER``) instead of after ``DOCPROC_CLAIM_STALE_AFTER``.
    """
    if not broker_url.startswith(("redis://", "rediss://", "unix://")):
        return None
    import redis

    client = redis.Redis.from_url(broker_url, socket_connect_timeout=5, socket_timeout=10)
    raw: list[bytes] = []
    try:
        for key in [queue, *(f"{queue}{_PRIORITY_SEPARATOR}{p}" for p in range(1, 10))]:
            start = 0
            while True:
                chunk = cast(list[bytes], client.lrange(key, start, start + 999))
                raw.extend(chunk)
                if len(chunk) < 1000:
                    break
                start += 1000
        raw.extend(cast(list[bytes], client.hvals(_UNACKED_KEY)))
    except (redis.exceptions.RedisError, OSError) as exc:
        log.warning("sweep: the broker's messages cannot be listed (%s)", exc)
        return None
    finally:
        client.close()
    return {uuid.UUID(m.decode()) for message in raw for m in _UUID.findall(message)}


def auto_requeue(reason: str | None) -> bool:
    """Failures the sweeper takes back by itself: the system's (storage, database, broker,
    install), never the file's, nor reads that used their attempts up (``docproc requeue``)."""
    return failure_class(reason) is FailureClass.transient and (
        reason in SYSTEM_REASONS or reason == "too_many_attempts"
    )


def sweep(
    *,
    session_factory: sessionmaker[Session],
    dispatch: Dispatch,
    stale_after: timedelta,
    requeue_after: timedelta | None = None,
    limit: int = 1000,
    in_broker: Callable[[], set[uuid.UUID] | None] | None = None,
    lost_after: timedelta | None = None,
) -> SweepReport:
    """Re-dispatch documents stuck ``processing`` (their claim ended: lease run out, owner dead
    on this host, or, without a lease, older than ``stale_after``), ``queued`` and untouched for
    ``stale_after`` (the message was lost), and, with ``requeue_after``, requeue documents
    ``failed`` for a system fault at least that long ago.

    With ``in_broker`` (the ids that have a message in the broker: :func:`broker_document_ids`)
    a document ``queued`` for ``lost_after`` whose message is not in the broker -- lost with a
    broker restarted empty, or never sent while it was down -- is re-dispatched at once; when
    the broker cannot tell (None), ``stale_after`` decides as without it.

    The database, not the broker, is the truth; a re-dispatched document that is in fact still
    queued somewhere is processed once anyway (the claim decides).
    """
    cutoff = utcnow() - stale_after
    requeued: list[uuid.UUID] = []
    with session_scope(session_factory) as session:
        stuck = [
            d.id
            for d in repo.stuck_documents(session, stale_after, limit=limit, owner_gone=owner_gone)
        ]
        waiting = repo.documents_by_status(session, DocumentStatus.queued, limit=limit)
        queued = [d.id for d in waiting if d.updated_at < cutoff]
        lost_cutoff = utcnow() - (lost_after if lost_after is not None else timedelta(0))
        lost_candidates = [d.id for d in waiting if cutoff <= d.updated_at < lost_cutoff]
        if requeue_after is not None:
            requeued = repo.requeue_failed(
                session,
                actor="sweeper",
                accept=auto_requeue,
                failed_before=utcnow() - requeue_after,
                limit=limit,
            )
    lost: list[uuid.UUID] = []
    if in_broker is not None and lost_candidates:
        known = in_broker()
        if known is not None:
            lost = [d for d in lost_candidates if d not in known]
    sent: list[uuid.UUID] = []
    failures = 0
    for document_id in [*stuck, *queued, *lost, *requeued]:
        try:
            dispatch(document_id)
        except DocprocError as exc:
            failures += 1
            log.warning("sweep: could not dispatch %s (%s)", document_id, exc.reason)
            continue
        sent.append(document_id)
    if stuck or queued or lost or requeued:
        log.info(
            "sweep: %d stale processing, %d stale queued, %d queued without a message, "
            "%d failed requeued, %d re-dispatched",
            len(stuck),
            len(queued),
            len(lost),
            len(requeued),
            len(sent),
        )
    return SweepReport(
        len(stuck),
        len(queued),
        tuple(sent),
        failures,
        requeued_failed=len(requeued),
        lost_messages=len(lost),
    )
