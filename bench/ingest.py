"""Sync ingest through real HTTP, side by side with the floor and with Kinto, in one run.

- ours: gunicorn (one sync worker) serving the app; one signed-in device posts batches of
  realistic visit records to /api/v1/sync, one request at a time.
- floor: the same shape of rows inserted straight into the same database's `record` table
  with SQLAlchemy Core executemany, one transaction per batch.
- Kinto: the same records stored through Kinto's /v1/batch (create-only PUTs), Kinto on the
  same PostgreSQL server (its own database).

Run alone: .venv/bin/python bench/ingest.py [--quick] [--json FILE]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select  # noqa: E402

from bench.common import (  # noqa: E402
    GunicornServer,
    SyncClient,
    drop_postgres_database,
    recreate_postgres_database,
    report,
    seed,
    visit_records,
)
from bench.kinto_peer import KintoClient, KintoServer, kinto_version  # noqa: E402

BATCH_SIZES = (100, 500)
RESULTS = Path(__file__).resolve().parent / "results"


def _parse(instant: str) -> datetime:
    return datetime.fromisoformat(instant.replace("Z", "+00:00"))


def ours(base_url: str, practitioner, records: list[dict], batch_size: int) -> dict:
    """Records per second through POST /api/v1/sync, with every answer checked."""
    client = SyncClient(base_url).sign_in(practitioner.email, practitioner.password)
    client.sync("bench-warmup", visit_records(10, practitioner.child_refs, seed=99))
    statuses: dict[str, int] = {}
    latencies = []
    start = time.perf_counter()
    for i in range(0, len(records), batch_size):
        batch = records[i:i + batch_size]
        sent = time.perf_counter()
        answer = client.sync("bench-device-1", batch)
        latencies.append(time.perf_counter() - sent)
        if answer.status_code != 200:
            raise RuntimeError(f"sync answered {answer.status_code}: {answer.text[:500]}")
        for result in answer.json()["results"]:
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    elapsed = time.perf_counter() - start
    if statuses.get("accepted", 0) != len(records):
        raise RuntimeError(f"not every record was accepted: {statuses}")
    return {
        "records": len(records),
        "seconds": round(elapsed, 3),
        "records_per_second": round(len(records) / elapsed, 1),
        "median_request_seconds": round(sorted(latencies)[len(latencies) // 2], 4),
    }


def floor(database_url: str, practitioner, records: list[dict], batch_size: int) -> dict:
    """The same rows straight into `record` with Core executemany: the most the database does."""
    from webapp.models import Child, Record, User

    engine = create_engine(database_url)
    with engine.connect() as conn:
        author_id = conn.scalar(select(User.id).where(User.email == practitioner.email))
        child_ids = dict(conn.execute(select(Child.reference, Child.id)).all())
    table = Record.__table__
    start = time.perf_counter()
    for i in range(0, len(records), batch_size):
        now = datetime.now().astimezone()
        rows = [
            {
                "uuid": record["id"],
                "version": 1,
                "child_id": child_ids[record["child_id"]],
                "author_id": author_id,
                "record_type": record["record_type"],
                "child_protection": False,
                "event_at": _parse(record["event_at"]),
                "completed_at": _parse(record["completed_at"]),
                "received_at": now,
                "device_id": "bench-floor",
                "fields": record["fields"],
                "content_hash": hashlib.sha256(
                    json.dumps(record, sort_keys=True).encode()
                ).hexdigest(),
                "implausible": False,
            }
            for record in records[i:i + batch_size]
        ]
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return {
        "records": len(records),
        "seconds": round(elapsed, 3),
        "records_per_second": round(len(records) / elapsed, 1),
    }


def kinto(client: KintoClient, records: list[dict], batch_size: int) -> dict:
    start = time.perf_counter()
    for i in range(0, len(records), batch_size):
        client.store(records[i:i + batch_size])
    elapsed = time.perf_counter() - start
    return {
        "records": len(records),
        "seconds": round(elapsed, 3),
        "records_per_second": round(len(records) / elapsed, 1),
    }


def run(quick: bool = False, log_dir: Path = RESULTS, profile: bool = True) -> dict:
    """Every ingest figure, both databases, both batch sizes."""
    ours_count = 500 if quick else 1500
    kinto_count = 500 if quick else 1000
    log_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {"batch_sizes": list(BATCH_SIZES), "databases": {}}
    seed_offset = 0

    kinto_rates = {}
    with KintoServer(log_path=log_dir / "kinto.log") as kinto_server:
        results["kinto_version"] = kinto_version()
        client = KintoClient(kinto_server.base_url)
        client.store(visit_records(10, ["K-1"], seed=12345))  # warm-up
        for size in BATCH_SIZES:
            seed_offset += 1
            kinto_rates[size] = kinto(client, visit_records(kinto_count, ["K-1", "K-2"],
                                                            seed=seed_offset), size)
            print(f"  kinto      batch {size}: {kinto_rates[size]['records_per_second']:8.1f} rec/s",
                  file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as tmp:
        targets = {
            "sqlite": f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
            "postgresql": recreate_postgres_database("visits_bench"),
        }
        for name, url in targets.items():
            people = seed(url)
            practitioner = people[0]
            per_size = {}
            with GunicornServer(url, log_path=log_dir / f"gunicorn-{name}.log") as server:
                for size in BATCH_SIZES:
                    seed_offset += 1
                    records = visit_records(ours_count, practitioner.child_refs, seed=seed_offset)
                    measured = {"ours": ours(server.base_url, practitioner, records, size)}
                    seed_offset += 1
                    measured["floor"] = floor(
                        url, practitioner,
                        visit_records(ours_count, practitioner.child_refs, seed=seed_offset), size,
                    )
                    if name == "postgresql":
                        measured["kinto"] = kinto_rates[size]
                    mine = measured["ours"]["records_per_second"]
                    measured["ratio_to_floor"] = round(mine / measured["floor"]["records_per_second"], 3)
                    if "kinto" in measured:
                        measured["ratio_to_kinto"] = round(mine / measured["kinto"]["records_per_second"], 1)
                    per_size[str(size)] = measured
                    print(f"  {name:10} batch {size}: ours {mine:8.1f} rec/s, floor "
                          f"{measured['floor']['records_per_second']:8.1f} rec/s", file=sys.stderr)
                per_size["worker_peak_rss_mb"] = round(server.peak_rss_mb(), 1)
            if profile:
                from bench.profile_sync import profile_batch

                per_size["profile_500"] = profile_batch(
                    url, practitioner, log_dir / f"profile-sync-{name}.txt", seed=seed_offset + 1000
                )
            results["databases"][name] = per_size
        drop_postgres_database("visits_bench")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    return report(run(quick=args.quick, profile=not args.no_profile), args.json)


if __name__ == "__main__":
    raise SystemExit(main())
