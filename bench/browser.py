"""Browser figures in headless Chromium: offline cold start, flushing 500 queued records, and
the weight of the JavaScript and CSS the app ships, gzipped.

The app is served by gunicorn on a seeded SQLite database (loopback only).
- Offline cold start: with the service worker installed and the network cut, a new page goes
  to /visits/new; the clock stops when the form is usable (the app has booted, the child list
  has its children, "Finish and send" is enabled). Median of several tries.
- Flush: 500 records go into the outbox through the app's own Outbox.finish while offline;
  the clock runs from the network coming back (the app flushes on `online`) to an empty
  outbox, and the server is checked to hold all 500.
- Weight: every script and stylesheet the caseload and visit pages load, plus /sw.js, each
  gzipped at level 6 as a web server would.

Run: .venv/bin/python bench/browser.py [--json FILE]
"""
from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select  # noqa: E402

from bench.common import GunicornServer, report, seed, visit_records  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
TIMEOUT_MS = 30_000
FLUSH_RECORDS = 500
COLD_START_TRIES = 7

# Queue records through the app's own outbox, as finishing a form does.
QUEUE = """async ({ records }) => {
  const { openUserDb } = await import('/static/js/db.mjs')
  const { Outbox } = await import('/static/js/outbox.mjs')
  const { signedInUserId } = await import('/static/js/session.mjs')
  const userId = await signedInUserId() // the form page shown offline is the cached shell
  const outbox = new Outbox(await openUserDb(userId))
  for (const record of records) {
    await outbox.finish({ record, values: record.fields, summary: { child: record.child_id } })
  }
  return outbox.count()
}"""

OUTBOX_COUNT = """async () => {
  const { openUserDb } = await import('/static/js/db.mjs')
  const { Outbox } = await import('/static/js/outbox.mjs')
  const { signedInUserId } = await import('/static/js/session.mjs')
  return new Outbox(await openUserDb(await signedInUserId())).count()
}"""

# The record form has started (it sets data-offline-ready once it can keep a record on the
# device) and offers the caseload's children.
FORM_USABLE = """() => {
  if (document.documentElement.dataset.appBooted !== 'user') return false
  const form = document.querySelector('form[data-module="record-form"][data-offline-ready]')
  const button = form && [...form.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Continue')
  const child = document.querySelector('select[name="child"], select[name="child_id"], #child')
  return Boolean(button && !button.disabled && (!child || child.options.length > 1))
}"""


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def wait_for_service_worker(page) -> None:
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)", timeout=TIMEOUT_MS)
    if page.evaluate("navigator.serviceWorker.controller === null"):
        page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=TIMEOUT_MS)


def run() -> dict:
    from playwright.sync_api import sync_playwright

    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'browser.sqlite'}"
        person = seed(url, practitioners=1, children_each=10)[0]
        with GunicornServer(url, log_path=RESULTS / "gunicorn-browser.log") as server, \
                sync_playwright() as playwright:
            launch = {"args": CHROMIUM_ARGS}
            if chromium_path():
                launch["executable_path"] = chromium_path()
            browser = playwright.chromium.launch(**launch)
            context = browser.new_context(base_url=server.base_url)
            shipped: dict[str, bytes] = {}

            def keep_asset(response):
                if response.request.resource_type in ("script", "stylesheet") and response.ok:
                    try:
                        shipped[response.url.split("?")[0]] = response.body()
                    except Exception:  # noqa: BLE001 - a body the worker served can't be re-read
                        pass

            page = context.new_page()
            page.on("response", keep_asset)
            page.goto("/sign-in")
            page.get_by_label("Email address").fill(person.email)
            page.get_by_label("Password").fill(person.password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state("networkidle")
            wait_for_service_worker(page)
            page.goto("/visits/new")
            page.wait_for_function(FORM_USABLE, timeout=TIMEOUT_MS)
            page.goto("/")
            page.wait_for_load_state("networkidle")
            shipped.setdefault(server.base_url + "/sw.js",
                               context.request.get(server.base_url + "/sw.js").body())
            weight = {name.removeprefix(server.base_url): len(gzip.compress(body, 6))
                      for name, body in shipped.items()}

            # Offline cold start, new page each time, the service worker serving everything.
            context.set_offline(True)
            cold = []
            for _ in range(COLD_START_TRIES):
                fresh = context.new_page()
                started = time.perf_counter()
                fresh.goto("/visits/new")
                fresh.wait_for_function(FORM_USABLE, timeout=TIMEOUT_MS, polling="raf")
                cold.append((time.perf_counter() - started) * 1000)
                fresh.goto("about:blank")  # see browser-testing.md, trap 3
                fresh.close()

            # Flush: queue 500 records offline, then bring the network back.
            page.goto("/visits/new")
            page.wait_for_function(FORM_USABLE, timeout=TIMEOUT_MS)
            records = visit_records(FLUSH_RECORDS, person.child_refs, seed=777)
            queued = page.evaluate(QUEUE, {"records": records})
            if queued != FLUSH_RECORDS:
                raise RuntimeError(f"queued {queued} records, expected {FLUSH_RECORDS}")
            in_flight: dict = {}
            waits: list[float] = []
            page.on("request", lambda r: in_flight.__setitem__(r, time.perf_counter())
                    if "/api/v1/sync" in r.url else None)
            page.on("requestfinished", lambda r: waits.append(time.perf_counter() - in_flight[r])
                    if r in in_flight else None)
            started = time.perf_counter()
            context.set_offline(False)
            page.evaluate("window.dispatchEvent(new Event('online'))")  # in case it fired early
            deadline = time.monotonic() + 120
            left = FLUSH_RECORDS
            while left:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{left} records still queued after 120 s")
                left = page.evaluate(OUTBOX_COUNT)
                if left:
                    page.wait_for_timeout(20)
            flush_ms = (time.perf_counter() - started) * 1000
            page.goto("about:blank")
            browser.close()
            server_log_peak = server.peak_rss_mb()

        engine = create_engine(url)
        from webapp.models import Record

        with engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(Record))
        engine.dispose()
    if stored != FLUSH_RECORDS:
        raise RuntimeError(f"the server holds {stored} records after the flush, not {FLUSH_RECORDS}")

    total_kb = sum(weight.values()) / 1024
    return {
        "offline_cold_start_ms": round(statistics.median(cold), 1),
        "offline_cold_start_tries_ms": [round(t, 1) for t in cold],
        "cold_start_note": f"median of {COLD_START_TRIES}, new page, service worker installed",
        "flush_500_ms": round(flush_ms, 1),
        "flush_note": f"{len(waits)} POSTs /api/v1/sync (app batch size); {sum(waits):.1f} s of "
                      f"the flush waiting on the server ({sum(waits) * 1000 / flush_ms:.0%})",
        "flush_server_wait_ms": round(sum(waits) * 1000, 1),
        "flush_requests": len(waits),
        "js_css_gzip_kb": round(total_kb, 1),
        "weight_note": f"{len(weight)} files, largest: " + ", ".join(
            f"{name} {size / 1024:.1f} KB" for name, size in
            sorted(weight.items(), key=lambda item: -item[1])[:3]),
        "weight_files": {name: round(size / 1024, 2) for name, size in sorted(weight.items())},
        "server_worker_peak_rss_mb": round(server_log_peak, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    return report(run(), args.json)


if __name__ == "__main__":
    raise SystemExit(main())
