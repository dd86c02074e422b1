"""The batch runner in-process: interruption gives claims back, a rerun finishes the work."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from docproc.config import Settings
from docproc.db.models import Document
from docproc.processing.batch import run_batch
from docproc.services import open_services


def test_interrupted_batch_releases_its_claims_and_a_rerun_finishes(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        (folder / f"note-{i}.txt").write_text(f"not a scan {i}\n")
    settings = Settings(data_dir=tmp_path / "data")
    services = open_services(settings, migrate=True)

    @contextmanager
    def interrupting(total: int) -> Iterator[Callable[[], None]]:
        def advance() -> None:
            raise KeyboardInterrupt

        yield advance

    kwargs = {
        "store": services.store,
        "store_url": services.store_url,
        "session_factory": services.session_factory,
        "settings": settings,
        "workers": 2,
    }
    with pytest.raises(KeyboardInterrupt):
        run_batch(str(folder), progress=interrupting, **kwargs)  # type: ignore[arg-type]
    with services.session_factory() as session:
        statuses = [d.status.value for d in session.scalars(select(Document))]
    assert "processing" not in statuses
    summary = run_batch(str(folder), **kwargs)  # type: ignore[arg-type]
    assert summary.counts["failed"] + summary.counts["skipped"] == 4
    assert summary.counts["failed"] >= 1
    with services.session_factory() as session:
        rows = list(session.scalars(select(Document)))
    assert len(rows) == 4
    assert {(d.status.value, d.status_reason) for d in rows} == {("failed", "unsupported_format")}


def test_a_misconfigured_store_stops_the_batch_before_any_document(
    tmp_path: Path, seaweed_s3: Any
) -> None:
    """Wrong S3 keys: the probe fails with storage_misconfigured, and no batch or document row
    is written (before, every file failed in a second and the run exited 0)."""
    from docproc.db.models import Batch
    from docproc.storage import StorageMisconfigured, open_store

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "note.txt").write_text("not a scan\n")
    settings = Settings(data_dir=tmp_path / "data")
    services = open_services(settings, migrate=True)
    url = seaweed_s3.store_url(f"probe-{uuid.uuid4().hex[:8]}")
    wrong = open_store(url, access_key=seaweed_s3.access_key, secret_key="not-the-secret")
    with pytest.raises(StorageMisconfigured):
        run_batch(
            str(folder),
            store=wrong,
            store_url=url,
            session_factory=services.session_factory,
            settings=settings,
        )
    with services.session_factory() as session:
        assert list(session.scalars(select(Document))) == []
        assert list(session.scalars(select(Batch))) == []
