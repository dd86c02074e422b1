"""A batch checks each file as an upload is checked (a truncated file fails ``corrupt_image``
without being stored, on both dispatch paths), and even one worker reads in a pool process of
its own under DOCPROC_READ_MEMORY_LIMIT, apart from the orchestrator."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import select

from docproc.config import Settings
from docproc.db.models import Document
from docproc.processing.batch import run_batch
from docproc.services import open_services
from docproc.storage import original_key
from tests.paths import REPO

SAMPLE = REPO / "samples" / "images" / "01_td3_clean_idn.jpg"


@pytest.mark.parametrize("dispatch", ["local", "celery"])
def test_a_truncated_file_fails_as_corrupt_and_is_not_stored(
    tmp_path: Path, dispatch: Literal["local", "celery"]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    data = SAMPLE.read_bytes()
    (folder / "cut.jpg").write_bytes(data[: int(len(data) * 0.9)])
    settings = Settings(data_dir=tmp_path / "data")
    services = open_services(settings, migrate=True)
    sent: list[uuid.UUID] = []
    summary = run_batch(
        str(folder),
        store=services.store,
        store_url=services.store_url,
        session_factory=services.session_factory,
        settings=settings,
        dispatch=dispatch,
        celery_dispatch=sent.append,  # nothing may be queued
        wait_timeout=30,
    )
    assert [(r.name, r.status, r.reason) for r in summary.results] == [
        ("cut.jpg", "failed", "corrupt_image")
    ]
    assert sent == []
    with services.session_factory() as session:
        document = session.scalars(select(Document)).one()
        assert (document.status.value, document.status_reason) == ("failed", "corrupt_image")
        key = document.source_key
    assert key == original_key(document.sha256)
    assert services.store.stat(key) is None  # refused before it was stored


def _children_limits() -> dict[int, str]:
    """The address-space limit of each child process of this one."""
    limits = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            for line in (entry / "limits").read_text().splitlines():
                if line.startswith("Max address space"):
                    limits[int(entry.name)] = line.split()[3]
        except (OSError, ValueError, IndexError):
            continue
    return limits


def test_one_worker_reads_in_a_capped_pool_process(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "passport.jpg").write_bytes(SAMPLE.read_bytes())
    settings = Settings(data_dir=tmp_path / "data", read_memory_limit=3000)
    services = open_services(settings, migrate=True)
    seen: list[dict[int, str]] = []

    @contextmanager
    def watching(total: int) -> Iterator[Callable[[], None]]:
        yield lambda: seen.append(_children_limits())

    summary = run_batch(
        str(folder),
        store=services.store,
        store_url=services.store_url,
        session_factory=services.session_factory,
        settings=settings,
        workers=1,
        progress=watching,
    )
    assert summary.results[0].status in {"done", "needs_review"}
    assert seen and str(3000 * 1024 * 1024) in seen[0].values()  # the reader, capped
    assert _address_space(os.getpid()) == "unlimited"  # the orchestrator is not


def _address_space(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max address space"):
            return line.split()[3]
    raise AssertionError("no limit line")
