"""Claim owners, their liveness, the heartbeat that renews leases, database retries."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from docproc.db import repo
from docproc.db.session import (
    DatabaseUnavailable,
    make_engine,
    make_session_factory,
    migrate,
    session_scope,
)
from docproc.processing.claims import Heartbeat, owner_gone, owner_name, retry_database
from docproc.storage import original_key


def test_owner_gone_only_for_dead_processes_on_this_host() -> None:
    host = socket.gethostname()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    assert not owner_gone(f"worker:{host}:{child.pid}") or child.poll() is not None
    child.wait(timeout=30)
    assert owner_gone(f"worker:{host}:{child.pid}")  # reaped: no such process
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    time.sleep(1.0)  # exited, not reaped yet: a zombie is dead too
    assert owner_gone(f"batch:{host}:{zombie.pid}")
    zombie.wait(timeout=30)
    assert not owner_gone(owner_name("worker"))  # this process
    assert not owner_gone(f"worker:{host}:{os.getppid()}")  # alive
    assert not owner_gone(f"worker:another-host:{child.pid}")  # the lease decides
    assert not owner_gone("web") and not owner_gone("cli:1234")


def test_heartbeat_renews_the_lease_of_held_claims(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    migrate(url)
    factory = make_session_factory(make_engine(url))
    with session_scope(factory) as session:
        digest = uuid.uuid4().hex * 2
        document, _ = repo.get_or_create_document(
            session, sha256=digest, source_key=original_key(digest), actor="test"
        )
        document_id = document.id
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, document_id, "w1", lease=timedelta(seconds=1))

    def lease() -> object:
        with factory() as session:
            row = repo.get_document(session, document_id)
            assert row is not None
            return row.lease_until

    first = lease()
    with Heartbeat(factory, "w1", 1.0, lambda: [document_id]):
        time.sleep(1.5)  # beats every 0.25 s: the lease never runs out
        with session_scope(factory) as session:
            assert not repo.claim_for_processing(
                session, document_id, "w2", lease=timedelta(seconds=1)
            )
    renewed = lease()
    assert isinstance(first, type(renewed)) and renewed > first  # type: ignore[operator]


def test_retry_database_retries_only_unavailability() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise DatabaseUnavailable("connection dropped")
        return "recorded"

    assert retry_database(flaky, first_wait=0.01) == "recorded" and len(calls) == 3
    with pytest.raises(DatabaseUnavailable):
        retry_database(
            lambda: (_ for _ in ()).throw(DatabaseUnavailable("down")), tries=2, first_wait=0.01
        )
