"""``docproc serve`` reads uploads in reader processes of its own by default, each under the
per-read memory limit, so that a bomb grows a reader, never the web process."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from docproc.casework.auth import create_api_token, create_user
from docproc.config import Settings
from docproc.db.models import Event, ReviewTask, Role
from docproc.db.session import session_scope
from docproc.processing.readers import ReaderPool
from docproc.services import open_services
from docproc.web.app import create_app
from tests.web.conftest import WebApp, upload_sample, wait_until_finished


def _reader_app(tmp_path: Path, **overrides: object) -> WebApp:
    settings = Settings(data_dir=tmp_path, **overrides)  # type: ignore[arg-type]
    services = open_services(settings, migrate=True)
    with session_scope(services.session_factory) as session:
        create_user(session, "desk", "correct horse battery", Role.desk, actor="test")
        token = create_api_token(session, "desk", "test", actor="test")
    app = create_app(settings, services=services, sample_rate=1.0, worker_name="web-test")
    return WebApp(app, services, {"desk": token})


@pytest.fixture
def reader_web(tmp_path: Path) -> Iterator[WebApp]:
    yield _reader_app(tmp_path)


def _finished_by(web: WebApp, document_id: str) -> str:
    """Who recorded the document's final status (the claim's owner)."""
    with web.services.session_factory() as session:
        events = session.scalars(
            select(Event).where(
                Event.entity_type == "document",
                Event.entity_id == document_id,
                Event.kind == "status_changed",
            )
        ).all()
    return events[-1].actor


def _address_space_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            return line.split()[3]
    raise AssertionError("no address space line")


def test_the_default_reads_in_a_reader_process_under_the_memory_limit(
    reader_web: WebApp,
) -> None:
    assert Settings().dispatch == "process"  # the default, without asking
    state = reader_web.app.state.docproc
    assert isinstance(state.executor, ReaderPool)
    desk = reader_web.auth("desk")
    with TestClient(reader_web.app) as client:
        document_id = upload_sample(client, desk, "01_td3_clean_idn.jpg")
        record = wait_until_finished(client, document_id, desk, timeout=300)
        assert record["status"] in {"done", "needs_review"}
        owner = _finished_by(reader_web, document_id)
        kind, host, pid = owner.split(":")
        assert (kind, host) == ("reader", socket.gethostname())
        assert int(pid) != os.getpid()  # not the web process
        # the reader lives on (warm) under DOCPROC_READ_MEMORY_LIMIT (4096 MB by default)
        assert _address_space_limit(int(pid)) == str(4096 * 1024 * 1024)
        assert _address_space_limit(os.getpid()) == "unlimited"  # the web process is not capped
        # the review task is opened by the reader, as by the in-server reader (sample rate 1)
        with reader_web.services.session_factory() as session:
            tasks = session.scalars(
                select(ReviewTask).where(ReviewTask.document_id == uuid.UUID(document_id))
            ).all()
        assert len(tasks) == 1
    state.executor.shutdown(wait=True)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_bomb_upload_never_grows_the_web_process(reader_web: WebApp) -> None:
    """The probe's noise PNG (79 Mpx, 9.9 MB: under every header limit, so the upload takes
    it) is decoded by a reader, where the busy-pixel budget refuses it; the web process's peak
    memory grows by far less than the 237 MB its decoded pixels alone would take."""
    import io

    import numpy as np
    from PIL import Image

    noise = np.random.default_rng(7).integers(0, 2, (8880, 8880), dtype=np.uint8) * 255
    buffer = io.BytesIO()
    Image.fromarray(noise).convert("1").save(buffer, "PNG")
    data = buffer.getvalue()
    del noise
    desk = reader_web.auth("desk")
    with TestClient(reader_web.app) as client:
        upload_sample(client, desk, "02_td1_clean_idn.jpg")  # the server and a reader warm
        before = _peak_rss_mb()
        response = client.post(
            "/api/v1/documents", headers=desk, files={"file": ("bomb.png", data, "image/png")}
        )
        assert response.status_code == 202, response.text
        record = wait_until_finished(client, response.json()["id"], desk, timeout=300)
        assert (record["status"], record["status_reason"]) == ("failed", "image_too_large")
        assert client.get("/healthz").status_code == 200
        assert _peak_rss_mb() - before < 150
    reader_web.app.state.docproc.executor.shutdown(wait=True)


def test_the_thread_reader_only_when_asked(tmp_path: Path) -> None:
    web = _reader_app(tmp_path, dispatch="thread")
    from concurrent.futures import ThreadPoolExecutor

    assert isinstance(web.app.state.docproc.executor, ThreadPoolExecutor)
    web.app.state.docproc.executor.shutdown(wait=True)


def test_a_reader_killed_mid_read_is_replaced_and_the_document_read_once(
    reader_web: WebApp,
) -> None:
    """SIGKILL the reader while it reads: a new reader takes the document (the dead reader's
    claim is taken back at once, its owner being dead on this host) and it is finished once."""
    import signal

    from docproc.db.models import Document, DocumentStatus

    desk = reader_web.auth("desk")
    with TestClient(reader_web.app) as client:
        document_id = upload_sample(client, desk, "01_td3_clean_idn.jpg")
        deadline = time.monotonic() + 300
        owner = None
        while time.monotonic() < deadline and owner is None:
            with reader_web.services.session_factory() as session:
                document = session.get(Document, uuid.UUID(document_id))
                assert document is not None
                if document.status is DocumentStatus.processing and document.claimed_by:
                    owner = document.claimed_by
            time.sleep(0.05)
        assert owner is not None and owner.startswith("reader:")
        os.kill(int(owner.rsplit(":", 1)[1]), signal.SIGKILL)
        record = wait_until_finished(client, document_id, desk, timeout=300)
        assert record["status"] in {"done", "needs_review"}
        assert _finished_by(reader_web, document_id) != owner  # a new reader finished it
        with reader_web.services.session_factory() as session:
            finishes = session.scalars(
                select(Event).where(
                    Event.entity_type == "document",
                    Event.entity_id == document_id,
                    Event.kind == "status_changed",
                    Event.new.in_(["done", "needs_review", "failed"]),
                )
            ).all()
            assert len(finishes) == 1
            document = session.get(Document, uuid.UUID(document_id))
            assert document is not None and document.attempts == 2
    reader_web.app.state.docproc.executor.shutdown(wait=True)
