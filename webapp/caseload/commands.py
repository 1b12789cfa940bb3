"""`flask caseload import FILE.csv`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from webapp import policies as policy_registry
from webapp.caseload.importer import BadFile, import_caseload

caseload_cli = AppGroup("caseload", help="Load teams, practitioners and children.")


@caseload_cli.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def import_command(csv_file) -> None:
    """Create or update teams, practitioners and children from CSV_FILE (format in the README)."""
    try:
        report = import_caseload(csv_file, policy_registry.every_policy().keys())
    except BadFile as exc:
        raise click.ClickException(str(exc)) from None
    for line, message in report.errors:
        click.echo(f"line {line}: {message}", err=True)
    click.echo(
        f"Imported {report.imported} rows ({report.created} children added, {report.updated} updated); "
        f"{len(report.errors)} rows with errors."
    )
    if report.errors:
        sys.exit(1)
