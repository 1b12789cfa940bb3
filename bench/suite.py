"""The whole benchmark suite (issue 6): one table, one JSON file, and docs/performance.md.

Run it through bench/run (or `make bench`). Each part runs in turn; a part that fails is
reported as failed in the table and the others still run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BIN, POSTGRES_ADMIN_URL, ROOT  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"
SECTION = "## Benchmark suite"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
PARTS = ("ingest", "engine", "browser", "load", "manager")


def machine() -> dict:
    def run(*cmd: str) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (out.stdout or out.stderr).strip().splitlines()[-1]
        except (OSError, subprocess.SubprocessError, IndexError):
            return "unknown"

    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(POSTGRES_ADMIN_URL)
        with engine.connect() as conn:
            postgres = conn.scalar(text("SHOW server_version"))
        engine.dispose()
    except Exception:  # noqa: BLE001 - the machine record must not stop the run
        postgres = "unavailable"
    chromium = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": run("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
        "nproc": os.cpu_count(),
        "ram_gib": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "os": platform.platform(),
        "load_average_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "postgresql": postgres,
        "chromium": run(chromium, "--version").replace("Chromium ", "").split(" ")[0]
        if Path(chromium).exists() else "not found",
    }


def run_script(script: str, *args: str, timeout: float = 1800) -> dict:
    """Run a bench script that writes its figures to a JSON file; return them."""
    out = RESULTS / f"{Path(script).stem}.json"
    out.unlink(missing_ok=True)
    subprocess.run([str(BIN / "python"), str(ROOT / "bench" / script), *args, "--json", str(out)],
                   cwd=ROOT, check=True, timeout=timeout)
    return json.loads(out.read_text())


def run_part(name: str, quick: bool) -> dict:
    if name == "ingest":
        from bench.ingest import run

        return run(quick=quick)
    if name == "engine":
        return run_script("engine.py", "--seconds", "1" if quick else "2")
    if name == "manager":
        if not (ROOT / "bench" / "manager_pages.py").exists():
            return {"skipped": "bench/manager_pages.py is not there yet"}
        _wait_for_other_manager_runs()
        # The manager's script writes its own JSON; --reuse keeps its 1,000,000-record database.
        out = RESULTS / "manager_pages.json"
        out.unlink(missing_ok=True)
        args = ["--records", "20000", "--iterations", "5", "--no-csv"] if quick else ["--reuse"]
        subprocess.run([str(BIN / "python"), str(ROOT / "bench" / "manager_pages.py"), *args],
                       cwd=ROOT, check=True, timeout=3600)
        return json.loads(out.read_text())
    if name == "browser":
        return run_script("browser.py")
    if name == "load":
        return run_script("load.py", *(["--quick"] if quick else []))
    raise ValueError(name)


def _wait_for_other_manager_runs(limit: float = 1800) -> None:
    """Another bench/manager_pages.py (loading its database) must finish before --reuse."""
    import psutil

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        others = [p for p in psutil.process_iter(["cmdline"])
                  if any("manager_pages.py" in part for part in (p.info["cmdline"] or []))
                  and p.pid != os.getpid()]
        if not others:
            return
        print("waiting for another bench/manager_pages.py run to finish ...", file=sys.stderr)
        time.sleep(10)


# --- the table ---------------------------------------------------------------------------

def _fmt(value, unit="") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and value >= 100:
        return f"{value:,.0f}{unit}"
    if isinstance(value, (int, float)):
        return f"{value:,.3g}{unit}" if isinstance(value, float) else f"{value:,}{unit}"
    return f"{value}{unit}"


def _profile_words(profile: dict | None) -> str:
    if not profile:
        return ""
    funcs = profile.get("top_project_functions") or profile.get("top_self_time") or []
    return "; ".join(f"{f['function']} {f['share']:.0%}" for f in funcs[:3])


def rows(results: dict) -> list[dict]:
    """One row per figure: what, measured, target, met (True/False/None), note."""
    table: list[dict] = []
    parts = results["parts"]

    ingest = parts.get("ingest", {})
    for db_name, per_size in ingest.get("databases", {}).items():
        for size in ("100", "500"):
            m = per_size.get(size)
            if not m:
                continue
            ours = m["ours"]["records_per_second"]
            table.append({"figure": f"Sync ingest, {db_name}, batches of {size}",
                          "measured": f"{_fmt(ours)} rec/s", "target": "", "met": None,
                          "note": f"floor {_fmt(m['floor']['records_per_second'])} rec/s"
                          + (f", Kinto {_fmt(m['kinto']['records_per_second'])} rec/s"
                             if "kinto" in m else "")})
            met = m["ratio_to_floor"] >= 0.30 if size == "500" else None
            table.append({"figure": f"  ours / floor ({db_name}, {size})",
                          "measured": f"{m['ratio_to_floor']:.0%}",
                          "target": ">= 30%" if size == "500" else "", "met": met,
                          "note": "" if met is not False else
                          "profile: " + _profile_words(per_size.get("profile_500"))})
            if "ratio_to_kinto" in m:
                met = m["ratio_to_kinto"] >= 25 if size == "500" else None
                table.append({"figure": f"  ours / Kinto ({db_name}, {size})",
                              "measured": f"{m['ratio_to_kinto']:.1f}x",
                              "target": ">= 25x" if size == "500" else "", "met": met,
                              "note": "" if met is not False else
                              "profile: " + _profile_words(per_size.get("profile_500"))})
        if "worker_peak_rss_mb" in per_size:
            table.append({"figure": f"  worker peak RSS, ingest ({db_name})",
                          "measured": f"{per_size['worker_peak_rss_mb']:.0f} MB",
                          "target": "<= 200 MB", "met": per_size["worker_peak_rss_mb"] <= 200,
                          "note": ""})

    engine = parts.get("engine", {})
    if "engine_verdicts_per_second" in engine:
        ratio = engine.get("ratio_engine_to_numpy")
        table.append({"figure": "Engine verdicts/s vs numpy.busday_offset",
                      "measured": f"{_fmt(float(engine['engine_verdicts_per_second']))}/s vs "
                                  f"{_fmt(float(engine['numpy_busday_offset_per_second']))}/s "
                                  f"({ratio:.2f}x)",
                      "target": ">= 1x", "met": ratio >= 1,
                      "note": engine.get("bottleneck", "")})

    manager = parts.get("manager", {})
    for db_name, figures in manager.get("databases", {}).items():
        for page, figure in figures.items():
            if "median_ms" not in figure:
                continue
            median = figure["median_ms"]
            table.append({"figure": f"Manager: {page}, {db_name}, {manager['records']:,} records",
                          "measured": f"{median:.0f} ms median (p95 {figure['p95_ms']:.0f})",
                          "target": "<= 300 ms", "met": median <= 300,
                          "note": figure.get("bottleneck", "")})
    if manager.get("skipped"):
        table.append({"figure": "Manager pages at 1,000,000 records", "measured": "not run",
                      "target": "<= 300 ms median", "met": None, "note": manager["skipped"]})

    browser = parts.get("browser", {})
    if browser:
        cold = browser.get("offline_cold_start_ms")
        table.append({"figure": "Browser: offline cold start to usable visit form",
                      "measured": f"{cold:.0f} ms" if cold is not None else "n/a",
                      "target": "", "met": None, "note": browser.get("cold_start_note", "")})
        flush = browser.get("flush_500_ms")
        table.append({"figure": "Browser: flush 500 queued records",
                      "measured": f"{flush / 1000:.2f} s" if flush is not None else "n/a",
                      "target": "< 5 s", "met": None if flush is None else flush < 5000,
                      "note": browser.get("flush_note", "")})
        weight = browser.get("js_css_gzip_kb")
        table.append({"figure": "Browser: JS + CSS shipped, gzipped",
                      "measured": f"{weight:.1f} KB" if weight is not None else "n/a",
                      "target": "<= 120 KB", "met": None if weight is None else weight <= 120,
                      "note": browser.get("weight_note", "")})

    load = parts.get("load", {})
    if "latency_ms" in load:
        lat = load["latency_ms"]
        table.append({"figure": f"Load: {load['devices']} devices x {load['seconds']:.0f} s, "
                                f"sync latency p50/p95/p99",
                      "measured": f"{lat['p50']:.0f} / {lat['p95']:.0f} / {lat['p99']:.0f} ms",
                      "target": "p95 <= 500 ms", "met": lat["p95"] <= 500,
                      "note": f"{load['requests']} requests, {load['records']} records, "
                              f"{load['errors']} errors"})
        table.append({"figure": "Load: errors", "measured": str(load["errors"]),
                      "target": "0", "met": load["errors"] == 0, "note": ""})
        table.append({"figure": "Server memory: worker peak RSS under load",
                      "measured": f"{load['worker_peak_rss_mb']:.0f} MB",
                      "target": "<= 200 MB", "met": load["worker_peak_rss_mb"] <= 200,
                      "note": load.get("memory_note", "")})

    for name, part in parts.items():
        if "error" in part:
            table.append({"figure": f"{name}: FAILED", "measured": "", "target": "",
                          "met": False, "note": part["error"].splitlines()[-1][:200]})
    return table


def print_table(table: list[dict]) -> None:
    widths = [max(len(r[k]) for r in table + [dict(figure="figure", measured="measured",
                                                     target="target")])
              for k in ("figure", "measured", "target")]
    head = f"{'figure':{widths[0]}}  {'measured':{widths[1]}}  {'target':{widths[2]}}  met  note"
    print(head)
    print("-" * len(head))
    for r in table:
        met = {True: "yes", False: "NO", None: ""}[r["met"]]
        print(f"{r['figure']:{widths[0]}}  {r['measured']:{widths[1]}}  "
              f"{r['target']:{widths[2]}}  {met:3}  {r['note']}")


def markdown(results: dict, table: list[dict]) -> str:
    m = results["machine"]
    lines = [
        START,
        f"Measured by `bench/run`{' --quick' if results['quick'] else ''} on {m['date']} "
        f"at commit `{m['commit']}`. Machine: {m['nproc']} CPUs ({m['cpu']}), "
        f"{m['ram_gib']} GiB RAM, {m['os']}; 1-minute load average {m['load_average_at_start']:.1f} "
        f"at the start and {m['load_average_at_end']:.1f} at the end; Python {m['python']}, "
        f"PostgreSQL {m['postgresql']}, Chromium {m['chromium']}"
        + (f", Kinto {results['parts']['ingest'].get('kinto_version')}"
           if results["parts"].get("ingest", {}).get("kinto_version") else "") + ".",
        "",
        "| figure | measured | target | met | note |",
        "|---|---|---|---|---|",
    ]
    for r in table:
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        figure = r["figure"].strip()
        if r["figure"].startswith("  "):
            figure = "&nbsp;&nbsp;" + figure
        lines.append(f"| {figure} | {r['measured']} | {r['target']} | {met} | "
                     f"{r['note'].replace('|', '/')} |")
    lines += ["", f"Raw figures: `bench/results/latest.json` (not committed).", END]
    return "\n".join(lines)


def write_doc(block: str) -> None:
    """Replace the marked block under the Benchmark suite heading; leave the rest alone."""
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + block + after
    elif SECTION in text:
        head, tail = text.split(SECTION, 1)
        # Put the block straight after the section's introduction, before its next heading.
        next_heading = re.search(r"\n## ", tail)
        cut = next_heading.start() if next_heading else len(tail)
        text = head + SECTION + tail[:cut].rstrip("\n") + "\n\n" + block + "\n" + tail[cut:]
    else:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{block}\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, for a smoke test")
    parser.add_argument("--only", nargs="+", choices=PARTS, help="run only these parts")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/performance.md alone")
    args = parser.parse_args(argv)

    RESULTS.mkdir(parents=True, exist_ok=True)
    results = {"quick": args.quick, "machine": machine(), "parts": {}}
    for name in args.only or PARTS:
        print(f"== {name}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            results["parts"][name] = run_part(name, args.quick)
            # Kept at once, so that a later part failing or being stopped loses nothing.
            (RESULTS / f"part-{name}.json").write_text(
                json.dumps(results["parts"][name], indent=2, default=str) + "\n")
        except Exception as exc:  # noqa: BLE001 - report the failure, run the other parts
            traceback.print_exc()
            results["parts"][name] = {"error": f"{type(exc).__name__}: {exc}"}
        results["parts"][name]["wall_seconds"] = round(time.perf_counter() - started, 1)

    results["machine"]["load_average_at_end"] = os.getloadavg()[0]
    table = rows(results)
    results["table"] = table
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2, default=str)
    (RESULTS / f"bench-{stamp}.json").write_text(text + "\n")
    (RESULTS / "latest.json").write_text(text + "\n")
    print()
    print_table(table)
    print(f"\nJSON: {RESULTS / 'latest.json'}")
    if not args.no_doc and not args.only:
        write_doc(markdown(results, table))
        print(f"Figures written to {DOC.relative_to(ROOT)} ({SECTION!r}).")
    return 0 if not any("error" in p for p in results["parts"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
