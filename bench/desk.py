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

``--review N`` times the review task instead: the server (of the checkout at ``--root``, so the
page of another branch can be measured too) reads 2N sample scans, every one sent to review
(``--sample-rate 1``); then headless Chromium (Debian's, /usr/bin/chromium), driven only by the
keyboard through the real pages, accepts N tasks as read and makes one fix on N others (the
holder's sex, one letter). Reported per document: the keys pressed (from the queue or the task
page the previous decision left the reviewer on, to the decision saved) and the seconds the
pages took (a reviewer who decides at once: the interface's own cost, no reading time).

    .venv/bin/python bench/desk.py --review 5                   # this checkout's page
    .venv/bin/python bench/desk.py --review 5 --root /work/main # another checkout's page
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
from typing import Any

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


# ------------------------------------------------------------------------------ review timing

CHROMIUM = "/usr/bin/chromium"
REVIEWER, REVIEWER_PASSWORD = "timer", "quiet violet harbour 42"
_ON_CLAIM = (
    "() => { const e = document.activeElement; const f = e && e.closest('form');"
    " return !!(f && /\\/(claim|next)$/.test(f.getAttribute('action') || '')); }"
)
_ON_TASK = "() => !!document.getElementById('accept-form')"


class _Keys:
    """The keyboard of a page, counting every key pressed."""

    def __init__(self, page: Any) -> None:
        self.page, self.count = page, 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)


def _to_task(page: Any, keys: _Keys) -> None:
    """From wherever the last decision left the reviewer to a task of theirs, by keyboard."""
    if page.evaluate(_ON_TASK):
        return
    for _ in range(60):  # from where the page puts the focus
        if page.evaluate(_ON_CLAIM):
            break
        keys.press("Tab")
    else:
        raise SystemExit("no claim button reachable by Tab on the queue page")
    with page.expect_navigation():
        keys.press("Enter")
    page.wait_for_load_state("load")


def _decide(page: Any, keys: _Keys, key: str) -> None:
    with page.expect_navigation():
        keys.press(key)
    page.wait_for_load_state("load")


def _one_fix(page: Any, keys: _Keys) -> None:
    """Correct the holder's sex (one letter) with the page's own keys: move to the row, edit,
    type, Enter saves."""
    page.evaluate("() => { if (document.activeElement) document.activeElement.blur(); }")
    for _ in range(30):
        if page.evaluate("() => !!document.querySelector('tr.current #f-sex')"):
            break
        keys.press("j")
    else:
        raise SystemExit("the sex field was not reached with j")
    value = page.input_value("#f-sex")
    keys.press("e")
    keys.type("M" if value == "F" else "F")
    _decide(page, keys, "Enter")


def _review_run(base: str, count: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_context(viewport={"width": 1400, "height": 950}).new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", REVIEWER)
        page.fill("input[name=password]", REVIEWER_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/desk")
        page.goto(f"{base}/review")
        for kind in ("accept", "fix"):
            per_doc: list[tuple[int, float]] = []
            for _ in range(count):
                keys = _Keys(page)
                start = time.perf_counter()
                _to_task(page, keys)
                if kind == "accept":
                    _decide(page, keys, "a")
                else:
                    _one_fix(page, keys)
                per_doc.append((keys.count, time.perf_counter() - start))
            results[kind] = {
                "keys_per_doc": round(statistics.mean(k for k, _ in per_doc), 1),
                "seconds_per_doc_p50": round(statistics.median(s for _, s in per_doc), 2),
                "keys": [k for k, _ in per_doc],
            }
        browser.close()
    return results


def review_main(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    docproc = [sys.executable, "-m", "docproc.cli"]
    with tempfile.TemporaryDirectory(prefix="docproc-bench-") as folder:
        env = {
            **os.environ,
            "DOCPROC_DATA_DIR": folder,
            "DOCPROC_WORKERS": "1",
            "DOCPROC_EXTRACT": "mrz",
            "PYTHONPATH": str(root),
        }
        for name in ("DOCPROC_DATABASE_URL", "DOCPROC_STORAGE_URL", "DOCPROC_DISPATCH"):
            env.pop(name, None)
        for user, role in (("bench", "desk"), (REVIEWER, "reviewer")):
            subprocess.run(
                [*docproc, "user", "add", user, "--role", role, "--password-stdin"],
                input=f"{REVIEWER_PASSWORD}\n",
                text=True,
                env=env,
                check=True,
                cwd=root,
                timeout=120,
            )
        token = subprocess.run(
            [*docproc, "user", "token", "bench"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=root,
            timeout=120,
        ).stdout.strip()
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [*docproc, "serve", "--port", str(port), "--sample-rate", "1"], env=env, cwd=root
        )
        try:
            _wait_ready(base)
            for index in range(2 * args.review):
                _one(base, token, index)
            results = _review_run(base, args.review)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=30,
    ).stdout.strip()
    print(json.dumps({"root": str(root), "commit": commit, "documents": args.review, **results}))
    return 0


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("docproc serve did not become ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--review", type=int, default=0, help="time N review tasks instead")
    parser.add_argument("--root", default=str(ROOT), help="the docproc checkout to serve")
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="DOCPROC_WORKERS of the server")
    parser.add_argument("--dispatch", choices=["thread", "celery"], default="celery")
    parser.add_argument("--celery-workers", type=int, default=2)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    if args.review:
        return review_main(args)

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
            _wait_ready(base)
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
