"""Screenshots of a manager's record page and late-entries CSV, for docs/screenshots/.

Run from the project root: `PYTHONPATH=. .venv/bin/python scripts/manager_screenshots.py`.
It builds the demo data on a fixed clock in a temporary SQLite database, serves the app on
127.0.0.1, signs in as the demo teams' managers and, at 390 and 810 pixels wide, photographs:
- the record page of a Norfolk record finished on time but sent late (again with its
  "Details" open), and of a Calderdale record whose cause is unknown;
- the first rows of Norfolk's CSV export (two on a phone, three on a tablet), drawn as a table with
  the file's column names down the side and a record per column.
"""
from __future__ import annotations

import csv
import html
import io
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM_ARGS, _chromium
from webapp import create_app
from webapp.clock import FixedClock
from webapp.config import TestConfig
from webapp.demo import DEMO_PASSWORD, TEAMS, load_demo_data
from webapp.extensions import db
from webapp.models import Team, TimelinessCheck

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
WIDTHS = (390, 810)
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TABLE_PAGE = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 15px; color: #0b0c0c; }}
h1 {{ font-size: 20px; }} p {{ font-size: 14px; }}
table {{ border-collapse: collapse; font-size: 13px; width: 100%; }}
th, td {{ border: 1px solid #b1b4b6; padding: 4px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f3f2f1; width: 9em; }}
</style></head><body>
<h1>{title}</h1><p>{note}</p>
<table><tbody>{rows}</tbody></table></body></html>"""


# (name of the shot, the demo team's authority, the cause of the late record to show)
SHOTS = (("record-synced-late", "norfolk", "synced_late"), ("record-cause-unknown", "calderdale", "unknown"))


def pick_records(app) -> list[tuple[str, str, str]]:
    """(shot name, manager's email, record uuid): for each cause, the late record of that team
    whose tablet's clock was furthest out."""
    picked = []
    with app.app_context():
        for name, authority, cause in SHOTS:
            demo = next(team for team in TEAMS if team.authority == authority)
            team_id = db.session.scalar(select(Team.id).where(Team.name == demo.name))
            record_uuid = db.session.scalar(
                select(TimelinessCheck.record_uuid)
                .where(TimelinessCheck.team_id == team_id, TimelinessCheck.cause == cause)
                .order_by(func.abs(TimelinessCheck.skew_seconds).desc(), TimelinessCheck.id)
            )
            if record_uuid:
                picked.append((name, demo.manager[0], record_uuid))
    return picked


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Team timeliness").wait_for()


def csv_as_table(body: str, rows: int = 3) -> str:
    records = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    header, first = records[0], records[1 : 1 + rows]
    cells = "".join(
        "<tr><th>{}</th>{}</tr>".format(
            html.escape(name), "".join(f"<td>{html.escape(record[index])}</td>" for record in first)
        )
        for index, name in enumerate(header)
    )
    return TABLE_PAGE.format(
        title="late-entries.csv opened as a table",
        note=f"The first {len(first)} of {len(records) - 1} rows; each column of the file is a row here.",
        rows=cells,
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/shots.sqlite", CLOCK=FixedClock(NOW)
        )
        with app.app_context():
            db.create_all()
            load_demo_data(NOW)
        records = pick_records(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
                for width in WIDTHS:
                    for name, email, record_uuid in records:
                        page = browser.new_page(viewport={"width": width, "height": 800})
                        sign_in(page, base, email)
                        page.goto(f"{base}/manager/records/{record_uuid}")
                        page.screenshot(path=OUT / f"{name}-{width}.png", full_page=True)
                        page.close()
                    page = browser.new_page(viewport={"width": width, "height": 800})
                    sign_in(page, base, records[0][1])
                    page.goto(f"{base}/manager/records/{records[0][2]}")
                    page.get_by_text("Rule, policy version and record ids").click()
                    page.screenshot(path=OUT / f"{records[0][0]}-details-open-{width}.png", full_page=True)
                    body = page.request.get(f"{base}/manager/late-entries.csv?from=2026-10-27&to=2026-11-23").text()
                    page.goto("about:blank")  # out of the app's Content-Security-Policy
                    page.set_content(csv_as_table(body, rows=2 if width < 600 else 3))
                    page.screenshot(path=OUT / f"late-entries-csv-{width}.png", full_page=True)
                    page.close()
                browser.close()
        finally:
            server.shutdown()
    print("\n".join(sorted(str(path.relative_to(OUT.parent.parent)) for path in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
