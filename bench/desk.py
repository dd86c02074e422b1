"""Desk benchmark: N concurrent uploads against a real ``docproc serve``; seconds upload -> record.

Starts ``docproc serve`` on a free port with a fresh data folder (SQLite + local store), adds a
desk user with an API token, then uploads the sample scans (each made unique by a trailer after
the image data, so none is a duplicate) from N threads at once and polls each document until its
record is finished. Prints p50/p95/max and the wall time.

    .venv/bin/python bench/desk.py --uploads 20 --dispatch celery --celery-workers 2
    .venv/bin/python bench/desk.py --uploads 20 --workers 2      # reading threads in the server

With ``--dispatch celery`` the server only stores and queues (``DOCPROC_DISPATCH=celery``, Redis
at ``--broker``, a queue of its own) and ``--celery-workers`` Celery worker processes started
here (``-c 1`` each, sharing the server's data folder) read the scans.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples" / "images").glob("[0-9]*.jpg"))
DOCPROC = [sys.executable, "-m", "docproc.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _one(base: str, token: str, index: int) -> tuple[float, str]:
    sample = SAMPLES[index % len(SAMPLES)]
    data = sample.read_bytes() + f"\nbench-{index}-{time.time_ns()}".encode()
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        response = client.post(
            "/api/v1/documents", files={"file": (sample.name, data, "image/jpeg")}
        )
        response.raise_for_status()
        url = response.json()["url"]
        while True:
            body = client.get(url).json()
            if body.get("finished"):
                return time.perf_counter() - start, str(body["status"])
            time.sleep(0.25)


def _celery_worker(env: dict[str, str], index: int) -> subprocess.Popen[bytes]:
    from docproc.processing.queue import worker_argv

    queue = env["DOCPROC_QUEUE"]
    return subprocess.Popen(
        worker_argv(queue, f"desk{index}-{queue}"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="DOCPROC_WORKERS of the server")
    parser.add_argument("--dispatch", choices=["thread", "celery"], default="celery")
    parser.add_argument("--celery-workers", type=int, default=2)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="docproc-bench-") as folder:
        env = {**os.environ, "DOCPROC_DATA_DIR": folder, "DOCPROC_WORKERS": str(args.workers)}
        env.pop("DOCPROC_DATABASE_URL", None)
        env.pop("DOCPROC_STORAGE_URL", None)
        env.pop("DOCPROC_DISPATCH", None)
        celery: list[subprocess.Popen[bytes]] = []
        if args.dispatch == "celery":
            queue = f"docproc-desk-bench-{uuid.uuid4().hex[:8]}"
            env.update(
                DOCPROC_DISPATCH="celery",
                DOCPROC_BROKER_URL=args.broker,
                DOCPROC_QUEUE=queue,
                OMP_THREAD_LIMIT="1",
            )
        subprocess.run(
            [*DOCPROC, "user", "add", "bench", "--role", "desk", "--password-stdin"],
            input="bench-password-123\n",
            text=True,
            env=env,
            check=True,
            cwd=ROOT,
        )
        token = subprocess.run(
            [*DOCPROC, "user", "token", "bench"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=ROOT,
        ).stdout.strip()
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([*DOCPROC, "serve", "--port", str(port)], env=env, cwd=ROOT)
        if args.dispatch == "celery":
            celery = [_celery_worker(env, i) for i in range(args.celery_workers)]
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            else:
                raise SystemExit("docproc serve did not become ready")
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.uploads) as pool:
                results = list(pool.map(lambda i: _one(base, token, i), range(args.uploads)))
            wall = time.perf_counter() - start
        finally:
            for worker in celery:
                os.killpg(worker.pid, signal.SIGTERM)
            for worker in celery:
                worker.wait(timeout=60)
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    seconds = [s for s, _ in results]
    statuses: dict[str, int] = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    report = {
        "uploads": args.uploads,
        "dispatch": args.dispatch,
        "reading_processes": args.celery_workers if args.dispatch == "celery" else 0,
        "server_threads": args.workers if args.dispatch == "thread" else 0,
        "p50_s": round(statistics.median(seconds), 2),
        "p95_s": round(_percentile(seconds, 0.95), 2),
        "max_s": round(max(seconds), 2),
        "wall_s": round(wall, 2),
        "docs_per_min": round(60 * args.uploads / wall, 1),
        "statuses": statuses,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
