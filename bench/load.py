"""Load: 200 devices syncing small batches for 60 s against gunicorn on PostgreSQL, loopback only.

Each device is a thread with its own connection. It sends 1 to 10 records, waits a second or
so (jittered), and goes again until the time is up; every request has a timeout, so the run
always ends. Devices of one practitioner share that practitioner's session. The load
generator runs on the same machine as the server, so it takes CPU from it: the latencies are
an upper bound.

Reports p50/p95/p99 sync latency, the error count and each gunicorn worker's peak RSS.
Run: .venv/bin/python bench/load.py [--quick] [--devices N] [--seconds S] [--json FILE]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402
import requests  # noqa: E402

from bench.common import (  # noqa: E402
    GunicornServer,
    SyncClient,
    drop_postgres_database,
    recreate_postgres_database,
    report,
    seed,
    visit_record,
)

RESULTS = Path(__file__).resolve().parent / "results"
PRACTITIONERS = 20
# Enough for a device's 60 s at one request a second or so.
PREPARED_BATCHES = 70


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Device(threading.Thread):
    def __init__(self, number: int, base_url: str, cookies, csrf_token: str, child_refs,
                 start_gate: threading.Barrier, deadline_box: list, pause: float):
        super().__init__(daemon=True)
        self.number = number
        self.client = SyncClient(base_url)
        self.client.session.cookies.update(cookies)
        self.client.csrf_token = csrf_token
        self.child_refs = child_refs
        self.start_gate = start_gate
        self.deadline_box = deadline_box
        self.pause = pause
        self.rng = random.Random(number)
        self.latencies: list[float] = []
        self.records = 0
        self.errors: list[str] = []

    def batch(self) -> list[dict]:
        return [visit_record(self.rng, self.rng.choice(self.child_refs)) for _ in range(self.rng.randint(1, 10))]

    def run(self) -> None:
        # The records are written before the clock starts, as on a tablet: making up their
        # prose would otherwise take CPU from the server on this same machine.
        ready = [self.batch() for _ in range(PREPARED_BATCHES)]
        self.start_gate.wait(timeout=120)
        deadline = self.deadline_box[0]
        # Devices come back into signal at different moments within the first second.
        time.sleep(self.rng.uniform(0, 1))
        while time.monotonic() < deadline:
            batch = ready.pop() if ready else self.batch()
            sent = time.perf_counter()
            try:
                answer = self.client.sync(f"load-device-{self.number}", batch, timeout=30)
            except requests.RequestException as exc:
                self.errors.append(type(exc).__name__)
                continue
            finally:
                self.latencies.append(time.perf_counter() - sent)
            if answer.status_code != 200:
                self.errors.append(f"HTTP {answer.status_code}")
                continue
            statuses = [r["status"] for r in answer.json()["results"]]
            bad = [s for s in statuses if s != "accepted"]
            if bad:
                self.errors.append(f"status {bad[0]}")
            self.records += len(batch)
            time.sleep(self.rng.uniform(0.5, 1.5) * self.pause)


class MemorySampler(threading.Thread):
    """RSS of the workers every 0.25 s (VmHWM gives the exact peak; this shows the shape)."""

    def __init__(self, server: GunicornServer):
        super().__init__(daemon=True)
        self.server = server
        self.stop = threading.Event()
        self.max_rss_mb = 0.0

    def run(self) -> None:
        while not self.stop.wait(0.25):
            for pid in self.server.worker_pids():
                try:
                    rss = psutil.Process(pid).memory_info().rss / 1024 / 1024
                except psutil.Error:
                    continue
                self.max_rss_mb = max(self.max_rss_mb, rss)


def run(devices: int = 200, seconds: float = 60, workers: int = 3, pause: float = 1.0,
        threads: int = 2, keepalive: int | None = None) -> dict:
    url = recreate_postgres_database("visits_load")
    people = seed(url, practitioners=PRACTITIONERS, children_each=10)
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        with GunicornServer(url, workers=workers, threads=threads, keepalive=keepalive,
                            log_path=RESULTS / "gunicorn-load.log") as server:
            sessions = [SyncClient(server.base_url).sign_in(p.email, p.password) for p in people]
            deadline_box = [0.0]
            # The clock starts when every device has its records ready.
            gate = threading.Barrier(
                devices + 1, action=lambda: deadline_box.__setitem__(0, time.monotonic() + seconds)
            )
            fleet = [
                Device(n, server.base_url, sessions[n % len(people)].session.cookies,
                       sessions[n % len(people)].csrf_token, people[n % len(people)].child_refs,
                       gate, deadline_box, pause)
                for n in range(devices)
            ]
            for device in fleet:
                device.start()
            sampler = MemorySampler(server)
            sampler.start()
            gate.wait(timeout=120)
            started = time.perf_counter()
            for device in fleet:
                device.join(timeout=seconds + 60)
            elapsed = time.perf_counter() - started
            sampler.stop.set()
            sampler.join()
            hung = sum(device.is_alive() for device in fleet)
            peak = server.peak_rss_mb()
            worker_count = len(server.worker_pids())
    finally:
        drop_postgres_database("visits_load")

    latencies = [t for d in fleet for t in d.latencies]
    errors = [e for d in fleet for e in d.errors]
    kinds: dict[str, int] = {}
    for error in errors:
        kinds[error] = kinds.get(error, 0) + 1
    return {
        "devices": devices,
        "seconds": seconds,
        "wall_seconds": round(elapsed, 1),
        "gunicorn_workers": worker_count,
        "gunicorn_threads": threads,
        "gunicorn_keepalive": keepalive,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "requests": len(latencies),
        "records": sum(d.records for d in fleet),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "records_per_second": round(sum(d.records for d in fleet) / elapsed, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 1),
            "p95": round(percentile(latencies, 0.95) * 1000, 1),
            "p99": round(percentile(latencies, 0.99) * 1000, 1),
            "max": round(max(latencies, default=float("nan")) * 1000, 1),
        },
        "errors": len(errors) + hung,
        "error_kinds": kinds,
        "devices_still_running": hung,
        "worker_peak_rss_mb": round(peak, 1),
        "worker_sampled_max_rss_mb": round(sampler.max_rss_mb, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (gunicorn.conf.py's default)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread when > 1; gunicorn.conf.py's default)")
    parser.add_argument("--keepalive", type=int, default=None, help="seconds an idle connection is kept")
    parser.add_argument("--pause", type=float, default=1.0, help="mean pause between syncs, s")
    parser.add_argument("--quick", action="store_true", help="15 s instead of 60 s")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    seconds = min(args.seconds, 15) if args.quick else args.seconds
    return report(run(args.devices, seconds, args.workers, args.pause, args.threads, args.keepalive), args.json)


if __name__ == "__main__":
    raise SystemExit(main())
