"""`flask caseload import FILE.csv`: a caseload, or the episodes of its children."""
from __future__ import annotations

import csv
import io
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp import policies as policy_registry
from webapp.caseload.episodes import import_episodes, is_episodes_file
from webapp.caseload.importer import BadFile, import_caseload
from webapp.clock import server_now
from webapp.extensions import db
from webapp.models import Child
from webapp.visits import schedules

caseload_cli = AppGroup("caseload", help="Load teams, practitioners and children, and their episodes.")


@caseload_cli.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def import_command(csv_file) -> None:
    """Create or update teams, practitioners and children, or their episodes, from CSV_FILE.

    A file with an `episode` column holds episodes; any other, the caseload (formats in the README).
    """
    text = csv_file.read()
    header = [name.strip() for name in next(csv.reader(io.StringIO(text)), [])]
    today = schedules.today_in_london(server_now())
    try:
        if is_episodes_file(header):
            report = import_episodes(io.StringIO(text), today)
            what = "episodes"
        else:
            report = import_caseload(io.StringIO(text), policy_registry.every_policy().keys())
            # A child's team or date of birth may have changed: their due dates move with it.
            ids = []
            for start in range(0, len(report.references), 500):
                ids += db.session.scalars(
                    select(Child.id).where(Child.reference.in_(report.references[start:start + 500]))
                )
            schedules.refresh(ids, today)
            db.session.commit()
            what = "children"
    except BadFile as exc:
        raise click.ClickException(str(exc)) from None
    for line, message in report.errors:
        click.echo(f"line {line}: {message}", err=True)
    click.echo(
        f"Imported {report.imported} rows ({report.created} {what} added, {report.updated} updated); "
        f"{len(report.errors)} rows with errors."
    )
    if report.errors:
        sys.exit(1)
