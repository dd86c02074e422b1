"""Throughput of the pipeline: the embedded runner against Celery with 1 and 2 workers.

    .venv/bin/python bench/batch.py --count 1000 [--extract full|mrz] [--runs celery1,celery2]

Renders ``--count`` synthetic documents (docproc.synth), then processes them three ways, each
with a fresh SQLite database and folder store: ``docproc batch`` in-process (one process), and
Celery workers (``celery -A docproc.processing.queue worker -c 1``, one and two of them) fed
through Redis.
Prints documents per minute, the peak resident memory of each worker process (VmHWM) and the
scaling ratio from one to two Celery workers; each run's line is printed as soon as it ends.
``--extract`` sets DOCPROC_EXTRACT for every worker (full records by default; ``mrz`` is the fast
batch mode that reads the MRZ only). Needs Redis (``--broker``, default
redis://127.0.0.1:6379/12).

What the claim heartbeat costs: ``--leases 86400,60,8 --repeat 4`` runs the chosen runs with
each ``DOCPROC_CLAIM_LEASE`` in turn (86400: no beat within a run; 60: the default, a beat every
15 s; 8: a beat every 2 s), the order rotated at each repeat so that a loaded machine's drift
falls on every side alike, and prints each side's mean ± standard deviation (and range) of
documents per minute. ``--beat-cost 500`` times the heartbeat alone (CPU per beat).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Run:
    label: str
    documents: int
    seconds: float
    peak_rss_mb: list[float]

    @property
    def per_minute(self) -> float:
        return 60.0 * self.documents / self.seconds if self.seconds else 0.0


EXTRACT = "full"  # set from --extract: what every worker runs (DOCPROC_EXTRACT)
ONNX_THREADS = ""  # set from --onnx-threads (DOCPROC_ONNX_THREADS); empty: the default
LEASE = ""  # set for each side of --leases (DOCPROC_CLAIM_LEASE); empty: the default


def _env(data_dir: Path, broker: str, queue: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    env.update(
        DOCPROC_DATA_DIR=str(data_dir),
        DOCPROC_BROKER_URL=broker,
        DOCPROC_QUEUE=queue,
        DOCPROC_EXTRACT=EXTRACT,
        OMP_THREAD_LIMIT="1",
    )
    if ONNX_THREADS:
        env["DOCPROC_ONNX_THREADS"] = ONNX_THREADS
    if LEASE:
        env["DOCPROC_CLAIM_LEASE"] = LEASE
    return env


def _hwm_mb(pid: int) -> float:
    """Peak resident set (VmHWM) of a process, in MB; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def run_embedded(images: Path, work: Path) -> Run:
    data_dir = work / f"embedded-{uuid.uuid4().hex[:8]}"
    env = _env(data_dir, "memory://", "unused")
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "docproc"), "batch", str(images), "--workers", "1", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 6):  # 6: the run finished, some files failed (counted below)
        raise SystemExit(f"docproc batch failed ({code})")
    summary = json.loads(out)
    processed = sum(v for k, v in summary["counts"].items() if k != "skipped")
    return Run("embedded (1 process)", processed, seconds, [usage.ru_maxrss / 1024])


def run_celery(images: Path, work: Path, workers: int, broker: str) -> Run:
    from docproc.config import Settings
    from docproc.db.models import TERMINAL_STATUSES, Document
    from docproc.processing.ingest import upload
    from docproc.processing.queue import make_celery, make_dispatcher, worker_argv
    from docproc.services import open_services

    data_dir = work / f"celery-{workers}-{uuid.uuid4().hex[:8]}"
    queue = f"docproc-bench-{uuid.uuid4().hex[:8]}"
    env = _env(data_dir, broker, queue)
    settings = Settings(data_dir=data_dir, broker_url=broker)
    if LEASE:
        settings = settings.model_copy(update={"claim_lease": float(LEASE)})
    services = open_services(settings, migrate=True)
    procs = [
        subprocess.Popen(
            worker_argv(queue, f"bench{i}-{queue}"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for i in range(workers)
    ]
    try:
        time.sleep(5)  # let the workers connect
        dispatch = make_dispatcher(make_celery(broker, queue, settings), queue)
        start = time.perf_counter()
        ids = []
        for path in sorted(images.iterdir()):
            document, _ = upload(
                path.read_bytes(),
                path.name,
                store=services.store,
                session_factory=services.session_factory,
                dispatch=dispatch,
            )
            ids.append(document.id)
        final = {s for s in TERMINAL_STATUSES}
        while True:
            with services.session_factory() as session:
                finished = session.scalar(
                    select(func.count())
                    .select_from(Document)
                    .where(Document.id.in_(ids), Document.status.in_(final))
                )
            if finished == len(ids):
                break
            time.sleep(0.5)
        seconds = time.perf_counter() - start
        peaks = [max((_hwm_mb(pid) for pid in _group_pids(p.pid)), default=0.0) for p in procs]
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(timeout=60)
    return Run(f"celery, {workers} worker(s)", len(ids), seconds, peaks)


def beat_cost(beats: int, work: Path) -> None:
    """The heartbeat's own cost, apart from the machine's noise: ``beats`` beats renewing two
    claims (a batch of two in flight) on SQLite, CPU and wall time per beat."""
    from docproc.config import Settings
    from docproc.db import repo
    from docproc.db.session import session_scope
    from docproc.processing.claims import Heartbeat
    from docproc.processing.process import claim
    from docproc.services import open_services
    from docproc.storage import original_key

    settings = Settings(data_dir=work / "beat")
    services = open_services(settings, migrate=True)
    ids = []
    for n in range(2):
        with session_scope(services.session_factory) as session:
            document, _ = repo.get_or_create_document(
                session,
                sha256=f"{n:064x}",
                source_key=original_key(f"{n:064x}"),
                filename=f"{n}.jpg",
                media_type="image/jpeg",
                actor="bench",
            )
            ids.append(document.id)
        assert claim(services.session_factory, document.id, "bench:beat", settings)
    heart = Heartbeat(services.session_factory, "bench:beat", settings.claim_lease, lambda: ids)
    heart.beat()  # warm
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(beats):
        assert heart.beat() == 2
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    every = settings.claim_lease / 4
    print(
        f"heartbeat: {beats} beats, {1000 * wall / beats:.2f} ms wall and "
        f"{1000 * cpu / beats:.2f} ms CPU per beat; one beat every {every:.0f} s per process: "
        f"{100 * (cpu / beats) / every:.4f} % of one core"
    )


RUNS = ("embedded", "celery1", "celery2")


def _run(name: str, images: Path, work: Path, broker: str) -> Run:
    if name == "embedded":
        return run_embedded(images, work)
    return run_celery(images, work, int(name[-1]), broker)


def _print_run(run: Run, side: str = "") -> None:
    rss = ", ".join(f"{mb:.0f}" for mb in run.peak_rss_mb)
    label = f"{run.label} {side}".strip()
    print(
        f"{label:<36} {run.documents:>5} {run.seconds:>8.1f} {run.per_minute:>9.1f}  {rss}",
        flush=True,
    )


def compare_leases(
    wanted: list[str], leases: list[str], repeat: int, images: Path, work: Path, broker: str
) -> None:
    """Each run with each lease in turn, the order rotated at every repeat; then mean ± sd."""
    global LEASE
    rates: dict[tuple[str, str], list[float]] = {}
    for round_ in range(repeat):
        order = leases[round_ % len(leases) :] + leases[: round_ % len(leases)]
        for name in wanted:
            for lease in order:
                LEASE = lease
                run = _run(name, images, work, broker)
                rates.setdefault((name, lease), []).append(run.per_minute)
                _print_run(run, f"lease={lease} #{round_ + 1}")
    LEASE = ""
    print(f"\n{'run':<12} {'lease (s)':>9} {'n':>3} {'docs/min mean ± sd':>20} {'range':>16}")
    for name in wanted:
        for lease in leases:
            values = rates[(name, lease)]
            mean = statistics.fmean(values)
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            span = f"{min(values):.1f}-{max(values):.1f}"
            print(f"{name:<12} {lease:>9} {len(values):>3} {mean:>11.1f} ± {sd:<6.1f} {span:>16}")


def main() -> int:
    global EXTRACT, ONNX_THREADS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/12")
    parser.add_argument(
        "--extract",
        choices=["full", "mrz"],
        default="full",
        help="DOCPROC_EXTRACT for the workers: full records (default) or the MRZ only",
    )
    parser.add_argument(
        "--onnx-threads",
        default="",
        help="DOCPROC_ONNX_THREADS for every worker (default: the setting's default, 2)",
    )
    parser.add_argument(
        "--runs", default=",".join(RUNS), help=f"comma-separated subset of {', '.join(RUNS)}"
    )
    parser.add_argument(
        "--leases",
        default="",
        help="compare DOCPROC_CLAIM_LEASE values (comma-separated seconds, e.g. 86400,60,8)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds of --leases")
    parser.add_argument(
        "--beat-cost",
        type=int,
        default=0,
        metavar="BEATS",
        help="only time this many heartbeats (renewing two claims) on SQLite, then stop",
    )
    args = parser.parse_args()
    if args.beat_cost:
        with tempfile.TemporaryDirectory(prefix="docproc-beat-") as tmp:
            beat_cost(args.beat_cost, Path(tmp))
        return 0
    EXTRACT = args.extract
    ONNX_THREADS = args.onnx_threads
    wanted = [r.strip() for r in args.runs.split(",") if r.strip()]
    unknown = sorted(set(wanted) - set(RUNS))
    if unknown:
        parser.error(f"unknown runs: {', '.join(unknown)}")
    from docproc.synth import generate

    print(
        f"{args.count} synthetic documents (seed {args.seed}), {os.cpu_count()} CPUs, "
        f"DOCPROC_EXTRACT={args.extract}, DOCPROC_ONNX_THREADS={args.onnx_threads or 'default'}",
        flush=True,
    )
    print(f"{'run':<36} {'docs':>5} {'seconds':>8} {'docs/min':>9}  peak RSS per worker (MB)")
    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="docproc-bench-") as tmp:
        work = Path(tmp)
        generate(args.count, args.seed, work / "synth")
        images = work / "synth" / "images"
        if args.leases:
            leases = [lease.strip() for lease in args.leases.split(",") if lease.strip()]
            compare_leases(wanted, leases, args.repeat, images, work, args.broker)
            return 0
        for name in wanted:
            run = _run(name, images, work, args.broker)
            runs[name] = run
            _print_run(run)
    if "celery1" in runs and "celery2" in runs and runs["celery1"].per_minute:
        ratio = runs["celery2"].per_minute / runs["celery1"].per_minute
        print(f"scaling 1 -> 2 Celery workers: x{ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
