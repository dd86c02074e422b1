"""Limits before reading, against a real ``docproc serve`` process: a huge body is refused by its
declared size or cut off while it streams, and without credentials it is refused before it is
read: no temporary file appears and the server's memory stays flat."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from docproc.casework.auth import create_api_token, create_user
from docproc.config import Settings
from docproc.db.models import Role
from docproc.db.session import session_scope
from docproc.services import open_services
from tests.paths import REPO
from tests.web.conftest import PASSWORD

GIB = 1024**3
MAX_FILE = 2 * 1024 * 1024


@dataclass
class Served:
    url: str
    port: int
    pid: int
    tmp: Path
    token: str

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("serve")
    services = open_services(Settings(data_dir=root / "data"), migrate=True)
    with session_scope(services.session_factory) as session:
        create_user(session, "desk", PASSWORD, Role.desk, actor="test")
        token = create_api_token(session, "desk", "test", actor="test")
    tmp = root / "tmp"
    tmp.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    env.update(
        DOCPROC_DATA_DIR=str(root / "data"),
        DOCPROC_MAX_FILE_BYTES=str(MAX_FILE),
        TMPDIR=str(tmp),
        PYTHONPATH=str(REPO),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "docproc.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("docproc serve did not start")
        yield Served(url, port, process.pid, tmp, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _complete(answer: bytes) -> bool:
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def _send_until_answered(
    served: Served,
    headers: list[str],
    chunk: bytes,
    *,
    chunked: bool,
    budget: int,
    first: bytes = b"",
) -> tuple[bytes, int]:
    """Send the request head, then body chunks until the server answers; return the answer
    and how many body bytes were sent by then (never more than ``budget``)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
        head = "\r\n".join(["POST /api/v1/documents HTTP/1.1", "Host: test", *headers]) + "\r\n\r\n"
        sock.sendall(head.encode())
        sock.settimeout(0.05)
        answer = b""
        while sent < budget:
            try:
                answer = sock.recv(65536)
            except TimeoutError:
                answer = b""
            if answer:
                break
            data = first + chunk if sent == 0 else chunk
            piece = f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        sock.settimeout(10)
        while not _complete(answer):
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    return answer, sent


def test_a_declared_gigabyte_is_refused_before_a_byte_is_read(served: Served) -> None:
    before = served.rss_kib()
    boundary = "b0undary"
    answer, sent = _send_until_answered(
        served,
        [f"Content-Type: multipart/form-data; boundary={boundary}", f"Content-Length: {GIB}"],
        b"\xff" * 65536,
        chunked=False,
        budget=64 * 1024 * 1024,
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"body_too_large" in answer
    assert sent <= 1024 * 1024  # answered at once, not after reading
    assert list(served.tmp.iterdir()) == []
    assert served.rss_kib() - before < 20 * 1024


def test_a_streamed_upload_without_credentials_is_refused_before_it_is_read(
    served: Served,
) -> None:
    before = served.rss_kib()
    answer, sent = _send_until_answered(
        served,
        ["Content-Type: multipart/form-data; boundary=b0undary", "Transfer-Encoding: chunked"],
        b"\xff" * 65536,
        chunked=True,
        budget=GIB,
    )
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b'"reason":"login_required"' in answer
    assert sent <= 8 * 1024 * 1024, sent
    assert list(served.tmp.iterdir()) == []
    assert served.rss_kib() - before < 20 * 1024


def test_a_streamed_upload_with_credentials_is_cut_off_at_the_limit(served: Served) -> None:
    answer, sent = _send_until_answered(
        served,
        [
            f"Authorization: Bearer {served.token}",
            "Content-Type: multipart/form-data; boundary=b0undary",
            "Transfer-Encoding: chunked",
        ],
        b"\xff" * 65536,
        chunked=True,
        budget=GIB,
        first=(
            b'--b0undary\r\nContent-Disposition: form-data; name="file"; '
            b'filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ),
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"body_too_large" in answer
    assert sent <= MAX_FILE + 8 * 1024 * 1024
    # the spooled part was removed with the request
    assert list(served.tmp.iterdir()) == []


def test_login_and_json_bodies_have_small_ceilings_and_no_server_banner(served: Served) -> None:
    huge_name = "a" * (1024 * 1024)
    response = httpx.post(
        f"{served.url}/login",
        data={"username": huge_name, "password": "x", "csrf_token": "x"},
        timeout=30,
    )
    assert response.status_code == 413 and response.json()["reason"] == "body_too_large"
    response = httpx.post(
        f"{served.url}/api/v1/cases",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"Authorization": f"Bearer {served.token}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert "server" not in response.headers
    assert "strict-transport-security" not in response.headers  # plain HTTP here
