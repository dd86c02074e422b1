"""Fault injection against real services: every fault ends with every document exactly once in a
final state, within a stated bound, and nothing failed for good because the system was down.

The services fixture shortens the lease to 6 s and the requeue delay to 5 s (defaults 60 s and
300 s) so that the suite stays quick; each test states its bound with those settings and with
the defaults (docs/pipeline.md, "Faults and recovery").
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from docproc.db.models import Document, DocumentStatus
from docproc.processing.ingest import upload
from tests.processing.conftest import (
    SAMPLES,
    Services,
    assert_processed_once,
    sample_bytes,
    statuses,
    wait_until_finished,
)

pytestmark = pytest.mark.slow

READ_OK = {DocumentStatus.done.value, DocumentStatus.needs_review.value}


def _upload(services: Services, count: int) -> list[uuid.UUID]:
    dispatch = services.dispatcher()
    ids = []
    for name, data in sample_bytes()[:count]:
        document, _ = upload(
            data,
            name,
            store=services.store,
            session_factory=services.session_factory,
            dispatch=dispatch,
        )
        ids.append(document.id)
    return ids


def _many_pages(count: int) -> bytes:
    """A PDF of ``count`` pages, each a sample passport page."""
    from PIL import Image

    _name, data = sample_bytes()[0]
    page = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    page.save(out, "PDF", save_all=True, append_images=[page] * (count - 1), resolution=200.0)
    return out.getvalue()


def _claimed(services: Services, ids: list[uuid.UUID], timeout: float = 120.0) -> Document:
    """The first document seen ``processing`` (with its owner)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with services.session_factory() as session:
            document = session.scalars(
                select(Document).where(
                    Document.id.in_(ids), Document.status == DocumentStatus.processing
                )
            ).first()
            if document is not None and document.claimed_by:
                return document
        time.sleep(0.1)
    pytest.fail(f"no document was claimed: {[w.log() for w in services.workers]}")


def _reasons(services: Services, ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    with services.session_factory() as session:
        rows = session.execute(
            select(Document.id, Document.status_reason).where(Document.id.in_(ids))
        )
        return {row[0]: row[1] for row in rows}


def test_pool_child_killed_mid_read_is_taken_back_by_the_redelivery(services: Services) -> None:
    """Bound: the redelivered message takes the dead child's claim back at once (no lease wait,
    no sweep): every document final within 120 s of the kill on this 2-core machine."""
    services.start_worker()
    ids = _upload(services, 3)
    document = _claimed(services, ids)
    child = int(str(document.claimed_by).rsplit(":", 1)[1])
    assert child != services.workers[0].process.pid  # type: ignore[union-attr]
    os.kill(child, signal.SIGKILL)
    killed_at = time.monotonic()
    final = wait_until_finished(services, ids, timeout=120)  # no sweeping: the redelivery alone
    assert set(final.values()) <= READ_OK, final
    assert_processed_once(services.session_factory, ids)
    with services.session_factory() as session:
        taken = session.get(Document, document.id)
        assert taken is not None and taken.attempts == 2
    assert time.monotonic() - killed_at < 120


def test_whole_worker_killed_its_claims_are_swept_back(services: Services) -> None:
    """The worker and its pool child die at once; the next sweep takes their claims back (the
    owner is dead on this host; on another host, when the lease runs out). Bound: one sweep
    interval (2 s here, 30 s by default; + the lease, 6 s here, 60 s by default, for a worker
    on another host) + the reads: every document final within 120 s of the kill."""
    first = services.start_worker()
    ids = _upload(services, 3)
    _claimed(services, ids)
    first.kill()
    assert DocumentStatus.processing.value in statuses(services.session_factory, ids).values()
    services.start_worker()
    final = wait_until_finished(services, ids, timeout=120, sweep_every=2.0)
    assert set(final.values()) <= READ_OK, final
    assert_processed_once(services.session_factory, ids)


def test_store_down_with_documents_queued_loses_no_document(
    services: Services, seaweed_s3: Any
) -> None:
    """The store is down while documents wait: workers retry (backoff at most 60 s) and give
    the attempts back, so nothing fails. Bound: every document final within 60 s + the reads
    after the store is back, with default settings too (the backoff cap, not the lease)."""
    ids = _upload(services, 4)
    with seaweed_s3.stopped():
        services.start_worker()
        time.sleep(20)
        assert not {"done", "needs_review", "failed"} & set(
            statuses(services.session_factory, ids).values()
        )
    back = time.monotonic()
    final = wait_until_finished(services, ids, timeout=240)
    assert set(final.values()) <= READ_OK, final
    assert_processed_once(services.session_factory, ids)
    with services.session_factory() as session:
        for document_id in ids:
            document = session.get(Document, document_id)
            assert document is not None
            assert document.attempts <= 2, document.attempts
    assert time.monotonic() - back < 240


def test_failed_for_a_system_fault_is_requeued_by_the_sweeper(services: Services) -> None:
    """A document failed for the system (a wrong bucket at the time) is taken back by the
    sweeper ``DOCPROC_REQUEUE_AFTER`` later (5 s here, 300 s by default) and read."""
    from docproc.db import repo
    from docproc.db.session import session_scope

    services.start_worker()
    [document_id] = _upload(services, 1)
    wait_until_finished(services, [document_id], timeout=120)
    with session_scope(services.session_factory) as session:  # as if it had failed then
        document = repo.get_document(session, document_id)
        assert document is not None
        repo.set_status(
            session, document, DocumentStatus.failed, "storage_misconfigured", actor="test"
        )
    time.sleep(6)
    final = wait_until_finished(services, [document_id], timeout=10)
    assert final[document_id] == "failed"  # nobody swept yet
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        from datetime import timedelta

        from docproc.processing.queue import sweep

        sweep(
            session_factory=services.session_factory,
            dispatch=services.dispatcher(),
            stale_after=timedelta(seconds=15),
            requeue_after=timedelta(seconds=5),
        )
        if statuses(services.session_factory, [document_id])[document_id] in READ_OK:
            return
        time.sleep(2)
    pytest.fail(f"not requeued: {_reasons(services, [document_id])}")


def _terminate_connections(database_url: str) -> int:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


def test_database_connections_terminated_while_recording(services: Services) -> None:
    """Every connection to the database is killed every 0.3 s for 25 s while documents are read
    and recorded: the outcome and release are retried in one transaction, no claim is left
    behind. Bound: every document final within 180 s after the terminations stop (sweeping every
    3 s, as a ``--beat`` worker would every 30 s)."""
    services.start_worker()
    ids = _upload(services, 5)
    _claimed(services, ids)
    services.session_factory.kw["bind"].dispose()
    end = time.monotonic() + 25
    terminated = 0
    while time.monotonic() < end:
        terminated += _terminate_connections(services.database_url)
        time.sleep(0.3)
    assert terminated > 0
    services.session_factory.kw["bind"].dispose()
    final = wait_until_finished(services, ids, timeout=180, sweep_every=3.0)
    assert set(final.values()) <= READ_OK, (final, _reasons(services, ids))
    assert_processed_once(services.session_factory, ids)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A Redis of this test's own (the shared one must not be killed), without persistence."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--dir", str(tmp_path)]
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=port, socket_connect_timeout=1).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed")
    start()
    try:
        yield f"redis://127.0.0.1:{port}/0", start
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def test_broker_killed_and_restarted_empty(
    services: Services, private_redis: tuple[str, Any]
) -> None:
    """The broker dies with its queue (no persistence) and comes back empty while documents
    wait. The sweep finds queued documents whose message the broker no longer holds and
    re-dispatches them at once: with DOCPROC_CLAIM_STALE_AFTER at its default (900 s), every
    document is final within 120 s of the restart (bound with defaults: the worker's reconnect
    + one sweep interval, 30 s + DOCPROC_LOST_MESSAGE_AFTER, 30 s + the reads)."""
    url, start = private_redis
    services.broker_url = url
    services.env["DOCPROC_BROKER_URL"] = url
    services.env["DOCPROC_CLAIM_STALE_AFTER"] = "900"
    services.start_worker()
    ids = _upload(services, 4)
    _claimed(services, ids)
    waiting = [i for i, s in statuses(services.session_factory, ids).items() if s == "queued"]
    assert waiting  # documents wait while the broker dies
    os.kill(_redis_pid(url), signal.SIGKILL)
    time.sleep(3)
    start()
    restarted = time.monotonic()
    final = wait_until_finished(
        services, ids, timeout=120, sweep_every=3.0, stale_after=900.0, lost_after=5.0
    )
    assert set(final.values()) <= READ_OK, final
    assert_processed_once(services.session_factory, ids)
    assert time.monotonic() - restarted < 120


def test_sweep_redispatches_queued_documents_the_broker_does_not_hold(
    services: Services,
) -> None:
    """No worker, no lost broker: a document queued with a message waiting is left alone; one
    whose message is gone (the queue emptied, as by a broker restarted without persistence)
    is re-dispatched by the next sweep, long before DOCPROC_CLAIM_STALE_AFTER."""
    from datetime import timedelta

    import redis

    from docproc.processing.queue import broker_document_ids, sweep

    ids = _upload(services, 2)
    known = broker_document_ids(services.broker_url, services.queue)
    assert known is not None and set(ids) <= known
    sent: list[uuid.UUID] = []

    def sweep_now() -> int:
        return sweep(
            session_factory=services.session_factory,
            dispatch=sent.append,
            stale_after=timedelta(seconds=900),
            in_broker=lambda: broker_document_ids(services.broker_url, services.queue),
            lost_after=timedelta(0),
        ).lost_messages

    assert sweep_now() == 0 and sent == []
    redis.Redis.from_url(services.broker_url).delete(services.queue)  # the messages are lost
    assert sweep_now() == 2
    assert sorted(sent) == sorted(ids)
    # a broker that cannot be asked: nothing is re-dispatched before the stale rule
    assert broker_document_ids("redis://127.0.0.1:1/0", services.queue) is None
    assert broker_document_ids("amqp://guest@127.0.0.1//", services.queue) is None


def _redis_pid(url: str) -> int:
    import redis

    return int(redis.Redis.from_url(url).info("server")["process_id"])


def test_soft_time_limit_is_a_transient_time_limit_retried_once(services: Services) -> None:
    """A read longer than the soft limit ends ``failed/time_limit`` after two tries (not
    ``internal_error``), and `docproc requeue --reason time_limit` would take it back."""
    from docproc.errors import FailureClass, failure_class

    services.env["DOCPROC_TASK_TIME_LIMIT"] = "12"  # soft limit 2 s
    services.start_worker()
    # Ten pages, each OCR'd by the full extraction: far longer than 2 s on any machine (one page
    # alone can finish within 2 s on a quiet one).
    document, _ = upload(
        _many_pages(10),
        "ten-pages.pdf",
        store=services.store,
        session_factory=services.session_factory,
        dispatch=services.dispatcher(),
    )
    document_id = document.id
    final = wait_until_finished(services, [document_id], timeout=180)
    assert final[document_id] == "failed"
    assert _reasons(services, [document_id])[document_id] == "time_limit"
    assert failure_class("time_limit") is FailureClass.transient
    with services.session_factory() as session:
        stored = session.get(Document, document_id)
        assert stored is not None and stored.attempts == 2


# ---------------------------------------------------------------------------- embedded batch


def _batch_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    env.update(DOCPROC_DATA_DIR=str(tmp_path / "data"), OMP_THREAD_LIMIT="1")
    env["DOCPROC_EXTRACT"] = "mrz"
    return env


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_embedded_batch_killed_then_rerun_takes_its_claims_back(tmp_path: Path) -> None:
    """``kill -9`` of ``docproc batch --workers 2``: its pool processes die with it, and the
    rerun takes the dead run's claims back at once (no "skipped") and exits 0. Bound: the pool
    processes are gone within 10 s; the rerun needs no waiting at all."""
    from docproc.db.session import make_engine, make_session_factory

    folder = tmp_path / "scans"
    folder.mkdir()
    for name in ("01_td3_clean_idn.jpg", "02_td1_clean_idn.jpg", "03_td2_clean.jpg"):
        shutil.copy(SAMPLES / name, folder / name)
    env = _batch_env(tmp_path)
    command = [sys.executable, "-m", "docproc.cli", "batch", str(folder), "--workers", "2"]
    run = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    database = tmp_path / "data" / "docproc.db"
    deadline = time.monotonic() + 120
    pool: list[int] = []
    claimed = False
    while time.monotonic() < deadline and not claimed:
        time.sleep(0.2)
        pool = [p for c in _children(run.pid) for p in [c, *_children(c)]] or pool
        if database.exists():
            engine = make_engine(f"sqlite:///{database}")
            try:
                with make_session_factory(engine)() as session:
                    claimed = (
                        session.scalars(
                            select(Document).where(Document.status == DocumentStatus.processing)
                        ).first()
                        is not None
                    )
            except Exception:
                claimed = False
            finally:
                engine.dispose()
    assert claimed, "the batch never claimed a document"
    time.sleep(1.0)  # the pool starts its processes as the first files are handed out
    pool = [p for c in _children(run.pid) for p in [c, *_children(c)]] or pool
    run.kill()
    run.wait(timeout=10)
    gone_by = time.monotonic() + 10
    while time.monotonic() < gone_by and any(_alive(p) for p in pool):
        time.sleep(0.2)
    assert pool and not any(_alive(p) for p in pool), "pool processes outlived the batch"
    rerun = subprocess.run(
        [*command, "--json"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr
    import json

    summary = json.loads(rerun.stdout)
    assert (
        summary["counts"].get("skipped", 0)
        + summary["counts"].get("done", 0)
        + summary["counts"].get("needs_review", 0)
        == 3
    )
    engine = make_engine(f"sqlite:///{database}")
    try:
        with make_session_factory(engine)() as session:
            rows = session.scalars(select(Document)).all()
            assert len(rows) == 3
            assert {d.status.value for d in rows} <= READ_OK
            # skipped only as finished, never as "in progress" under the dead run's claim
            assert "in_progress" not in rerun.stdout
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("budget", "reason"),
    [(None, "image_too_large"), (0, "memory_limit")],
    ids=["busy-pixel-budget", "memory-limit-alone"],
)
def test_memory_bomb_fails_alone(tmp_path: Path, budget: int | None, reason: str) -> None:
    """A 79 Mpx PNG of 1-bit noise (9.9 MB, under every header limit) in a batch whose reads
    are capped by DOCPROC_READ_MEMORY_LIMIT. With the intake's busy-pixel budget (the default)
    it is refused as ``image_too_large`` right after decoding (1.4-2.6 s and 261 MB on the
    shared machine, against 17-73 s and 2.5 GB before); with the budget off, the cap still ends
    it as ``memory_limit`` (it takes those tens of seconds). Either way it fails alone
    (permanent), the pool survives and the good file next to it is read."""
    import numpy as np
    from PIL import Image

    from docproc.config import Settings
    from docproc.processing.batch import run_batch
    from docproc.services import open_services

    folder = tmp_path / "in"
    folder.mkdir()
    noise = np.random.default_rng(7).integers(0, 2, (8880, 8880), dtype=np.uint8) * 255
    Image.fromarray(noise).convert("1").save(folder / "bomb.png")
    shutil.copy(SAMPLES / "01_td3_clean_idn.jpg", folder / "01_td3_clean_idn.jpg")
    settings = Settings(data_dir=tmp_path / "data", read_memory_limit=2500)
    if budget is not None:
        settings = settings.model_copy(update={"max_busy_pixels": budget})
    services = open_services(settings, migrate=True)
    summary = run_batch(
        str(folder),
        store=services.store,
        store_url=services.store_url,
        session_factory=services.session_factory,
        settings=settings,
        workers=2,
    )
    results = {r.name: (r.status, r.reason) for r in summary.results}
    assert results["bomb.png"] == ("failed", reason), results
    assert results["01_td3_clean_idn.jpg"][0] in READ_OK, results
    assert summary.failed_files == 1
