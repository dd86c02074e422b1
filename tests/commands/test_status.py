"""``docproc status``, ``docproc requeue`` and the doctor's warnings, on an embedded database
holding a stuck claim and failures of both classes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from docproc.db import repo
from docproc.db.models import Document, DocumentStatus
from docproc.db.session import make_engine, make_session_factory, migrate, session_scope
from docproc.storage import original_key


def _docproc(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    env.update(DOCPROC_DATA_DIR=str(tmp_path / "data"), DOCPROC_BROKER_URL="redis://127.0.0.1:9/0")
    return subprocess.run(
        [sys.executable, "-m", "docproc.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _document(session: Session, n: int) -> Document:
    digest = f"{n:064x}"
    document, _ = repo.get_or_create_document(
        session, sha256=digest, source_key=original_key(digest), actor="test"
    )
    return document


def _seed(factory: sessionmaker[Session]) -> dict[str, uuid.UUID]:
    ids = {}
    with session_scope(factory) as session:
        for n, reason in enumerate(("storage_unavailable", "ocr_timeout", "corrupt_image")):
            document = _document(session, n)
            repo.set_status(session, document, DocumentStatus.failed, reason, actor="test")
            ids[reason] = document.id
        stuck = _document(session, 9)
        ids["stuck"] = stuck.id
    with session_scope(factory) as session:  # a claim whose lease ran out a minute ago
        assert repo.claim_for_processing(
            session, ids["stuck"], "worker:elsewhere:1", lease=timedelta(seconds=-60)
        )
    return ids


def test_status_requeue_and_doctor_on_stuck_and_failed_documents(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'docproc.db'}"
    migrate(url)
    engine = make_engine(url)
    ids = _seed(make_session_factory(engine))

    status = _docproc(tmp_path, "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["counts"] == {
        "queued": 0,
        "processing": 1,
        "done": 0,
        "needs_review": 0,
        "failed": 3,
    }
    [stuck] = report["stuck"]
    assert (stuck["document_id"], stuck["why"]) == (str(ids["stuck"]), "lease_expired")
    assert stuck["owner"] == "worker:elsewhere:1" and stuck["fix"] == "docproc sweep"
    classes = {g["reason"]: (g["class"], g["fix"]) for g in report["failed"]}
    assert classes["corrupt_image"][0] == "permanent"
    assert classes["ocr_timeout"] == ("transient", "docproc requeue --reason ocr_timeout")
    assert classes["storage_unavailable"][0] == "transient"
    assert "docproc requeue --reason storage_unavailable" in classes["storage_unavailable"][1]
    text = _docproc(tmp_path, "status").stdout
    assert "failed/corrupt_image (permanent): 1" in text and "lease_expired" in text

    doctor = _docproc(tmp_path, "doctor")
    assert "[warn] stuck claims: 1 document(s)" in doctor.stdout, doctor.stdout
    assert "[warn] transient failures: 2 document(s)" in doctor.stdout
    assert "docproc requeue --reason ocr_timeout" in doctor.stdout

    requeued = _docproc(tmp_path, "requeue", "--no-dispatch")
    assert requeued.returncode == 0, requeued.stderr
    again = set(json.loads(requeued.stdout)["ids"])
    assert again == {str(ids["storage_unavailable"]), str(ids["ocr_timeout"])}
    explicit = _docproc(
        tmp_path,
        "requeue",
        "--no-dispatch",
        "--include-permanent",
        "--id",
        str(ids["corrupt_image"]),
    )
    assert json.loads(explicit.stdout)["ids"] == [str(ids["corrupt_image"])]
    with make_session_factory(engine)() as session:
        for key in ("storage_unavailable", "ocr_timeout", "corrupt_image"):
            document = repo.get_document(session, ids[key])
            assert document is not None and document.status is DocumentStatus.queued
    engine.dispose()
