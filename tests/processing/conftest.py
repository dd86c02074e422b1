"""Fixtures for pipeline tests against real services: PostgreSQL, SeaweedFS S3, Redis, and
Celery workers started as real processes (``celery -A docproc.processing.queue worker``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from docproc.config import Settings
from docproc.db.models import TERMINAL_STATUSES, Document, DocumentStatus, Event, Extraction
from docproc.db.session import make_engine, make_session_factory, migrate
from docproc.processing.queue import worker_argv
from docproc.storage import ObjectStore, open_store
from tests.paths import REPO

REPO = REPO
SAMPLES = REPO / "samples" / "images"
#: Samples with an MRZ that read in a few seconds each.
GOOD_SAMPLES = (
    "01_td3_clean_idn.jpg",
    "02_td1_clean_idn.jpg",
    "03_td2_clean.jpg",
    "04_mrva_clean_idn.jpg",
    "05_mrvb_clean.jpg",
    "13_td3_lowres_jpeg.jpg",
)
REDIS_URL = os.environ.get("DOCPROC_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
CLAIM_STALE_AFTER = 15.0
#: Short lease and requeue delay so that fault tests recover in seconds (defaults: 60 s, 300 s).
CLAIM_LEASE = 6.0
REQUEUE_AFTER = 5.0


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:
        return False


@dataclass
class Services:
    """One test's database, bucket and queue, and the env that points workers at them."""

    database_url: str
    store_url: str
    store: ObjectStore
    session_factory: sessionmaker[Session]
    queue: str
    env: dict[str, str]
    settings: Settings
    tmp: Path
    workers: list[CeleryWorker] = field(default_factory=list)
    broker_url: str = REDIS_URL

    def dispatcher(self) -> Callable[[uuid.UUID], None]:
        from docproc.processing.queue import make_celery, make_dispatcher

        celery = make_celery(self.broker_url, self.queue, self.settings)
        return make_dispatcher(celery, self.queue)

    def start_worker(self) -> CeleryWorker:
        worker = CeleryWorker(self, len(self.workers))
        worker.start()
        self.workers.append(worker)
        return worker


@dataclass
class CeleryWorker:
    services: Services
    number: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.services.tmp / f"worker-{self.number}.log"

    def start(self) -> None:
        args = worker_argv(
            self.services.queue, f"w{self.number}-{self.services.queue}", loglevel="INFO"
        )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args,
                env=self.services.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.services.tmp,
            )

    def kill(self) -> None:
        """SIGKILL the worker and its pool child at once: no warm shutdown, no requeue."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


@pytest.fixture
def services(
    seaweed_s3: Any, make_pg_database: Callable[[], str], tmp_path: Path
) -> Iterator[Services]:
    if not _redis_up():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    database_url = make_pg_database()
    migrate(database_url)
    bucket = f"pipeline-{uuid.uuid4().hex[:12]}"
    store_url = seaweed_s3.store_url(bucket)
    store = open_store(
        store_url, access_key=seaweed_s3.access_key, secret_key=seaweed_s3.secret_key
    )
    queue = f"docproc-test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DOCPROC_DATABASE_URL": database_url,
        "DOCPROC_STORAGE_URL": store_url,
        "DOCPROC_S3_ACCESS_KEY": seaweed_s3.access_key,
        "DOCPROC_S3_SECRET_KEY": seaweed_s3.secret_key,
        "DOCPROC_BROKER_URL": REDIS_URL,
        "DOCPROC_QUEUE": queue,
        "DOCPROC_CLAIM_STALE_AFTER": str(CLAIM_STALE_AFTER),
        "DOCPROC_CLAIM_LEASE": str(CLAIM_LEASE),
        "DOCPROC_REQUEUE_AFTER": str(REQUEUE_AFTER),
        "DOCPROC_MAX_ATTEMPTS": "20",
        "DOCPROC_TASK_TIME_LIMIT": "180",
        "DOCPROC_DATA_DIR": str(tmp_path / "data"),
        "OMP_THREAD_LIMIT": "1",
    }
    settings = Settings(
        database_url=database_url,
        storage_url=store_url,
        broker_url=REDIS_URL,
        claim_stale_after=CLAIM_STALE_AFTER,
        claim_lease=CLAIM_LEASE,
        requeue_after=REQUEUE_AFTER,
        max_attempts=20,
        task_time_limit=180,
    )
    engine = make_engine(database_url)
    result = Services(
        database_url, store_url, store, make_session_factory(engine), queue, env, settings, tmp_path
    )
    try:
        yield result
    finally:
        for worker in result.workers:
            worker.stop()
        engine.dispose()
        _purge(queue)


def _purge(queue: str) -> None:
    import redis

    with contextlib.suppress(Exception):
        redis.Redis.from_url(REDIS_URL).delete(queue)


def sample_bytes(names: tuple[str, ...] = GOOD_SAMPLES) -> list[tuple[str, bytes]]:
    return [(name, (SAMPLES / name).read_bytes()) for name in names]


def statuses(factory: sessionmaker[Session], ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    with factory() as session:
        rows = session.execute(select(Document.id, Document.status).where(Document.id.in_(ids)))
        return {row[0]: row[1].value for row in rows}


def wait_until_finished(
    services: Services,
    ids: list[uuid.UUID],
    *,
    timeout: float = 420.0,
    sweep_every: float | None = None,
    stale_after: float = CLAIM_STALE_AFTER,
    lost_after: float | None = None,
) -> dict[uuid.UUID, str]:
    """Poll the database until every document is finished, sweeping now and then if asked
    (with ``lost_after``, the sweep also looks for queued documents the broker has no message
    of, as the beat worker's does)."""
    from docproc.processing.queue import broker_document_ids, sweep

    dispatch = services.dispatcher()
    deadline = time.monotonic() + timeout
    next_sweep = time.monotonic() + (sweep_every or 0)
    current: dict[uuid.UUID, str] = {}
    while time.monotonic() < deadline:
        current = statuses(services.session_factory, ids)
        if all(current.get(i) in {s.value for s in TERMINAL_STATUSES} for i in ids):
            return current
        if sweep_every and time.monotonic() >= next_sweep:
            sweep(
                session_factory=services.session_factory,
                dispatch=dispatch,
                stale_after=timedelta(seconds=stale_after),
                requeue_after=timedelta(seconds=REQUEUE_AFTER),
                in_broker=(
                    None
                    if lost_after is None
                    else lambda: broker_document_ids(services.broker_url, services.queue)
                ),
                lost_after=None if lost_after is None else timedelta(seconds=lost_after),
            )
            next_sweep = time.monotonic() + sweep_every
        time.sleep(1.0)
    logs = "\n".join(w.log() for w in services.workers)
    pytest.fail(f"documents not finished after {timeout:.0f} s: {current}\n{logs}")


def assert_processed_once(factory: sessionmaker[Session], ids: list[uuid.UUID]) -> None:
    """Every document reached a final status exactly once and has at most one extraction."""
    final = [s.value for s in TERMINAL_STATUSES]
    with factory() as session:
        for document_id in ids:
            finishes = session.scalar(
                select(func.count())
                .select_from(Event)
                .where(
                    Event.entity_type == "document",
                    Event.entity_id == str(document_id),
                    Event.kind == "status_changed",
                    Event.new.in_(final),
                )
            )
            extractions = session.scalar(
                select(func.count())
                .select_from(Extraction)
                .where(Extraction.document_id == document_id)
            )
            document = session.get(Document, document_id)
            assert document is not None
            assert finishes == 1, f"{document_id}: finished {finishes} times"
            assert extractions is not None and extractions <= 1, f"{document_id}: {extractions}"
            if document.status is DocumentStatus.done:
                assert extractions == 1, f"{document_id}: done without an extraction"
