"""Import a caseload CSV: each good row creates or updates its team, practitioner and child.

A bad row is reported by its line number and skipped; the other rows still load. Importing
the same file again updates what it created rather than adding it twice.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from typing import Collection, Iterable, TextIO

from sqlalchemy import select

from webapp.auth.service import find_user, normalise_email
from webapp.extensions import db
from webapp.models import (
    CHILD_REFERENCE,
    CHILD_REFERENCE_RULE,
    CHILD_STATUSES,
    Child,
    Role,
    Team,
    User,
)
from webapp.timeliness import SERVICES

COLUMNS = (
    "team",
    "authority",
    "service",
    "practitioner_email",
    "practitioner_name",
    "child_ref",
    "child_name",
    "date_of_birth",
    "status",
)


class BadFile(Exception):
    """The file cannot be imported at all (for example, a required column is missing)."""


class BadRow(Exception):
    pass


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    references: list[str] = field(default_factory=list)  # the children imported

    @property
    def imported(self) -> int:
        return self.created + self.updated


def csv_reader(stream: TextIO, required: Collection[str]) -> csv.DictReader:
    """A reader of the CSV's rows by column name, the names stripped of spaces.

    Raises:
        BadFile: the header lacks a required column.
    """
    reader = csv.DictReader(stream)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in required if name not in header]
    if missing:
        raise BadFile("the header row lacks the column(s): " + ", ".join(missing))
    reader.fieldnames = header
    return reader


def import_caseload(stream: TextIO, authorities: Collection[str]) -> ImportReport:
    """Import every row of the CSV, committing the good ones.

    Raises:
        BadFile: the header lacks a required column.
    """
    reader = csv_reader(stream, COLUMNS)

    report = ImportReport()
    team_authority: dict[str, tuple[str, int]] = {}  # team name -> (authority, line that set it)
    for row in _rows(reader):
        line, values = row
        try:
            with db.session.begin_nested():
                created = _import_row(values, line, authorities, team_authority)
        except BadRow as exc:
            report.errors.append((line, str(exc)))
            continue
        report.references.append(values["child_ref"])
        if created:
            report.created += 1
        else:
            report.updated += 1
    db.session.commit()
    return report


def _rows(reader: csv.DictReader) -> Iterable[tuple[int, dict[str, str]]]:
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BadFile(f"line {reader.line_num}: not valid CSV: {exc}") from None
        line = reader.line_num  # where the row ends (a quoted field may span lines)
        if not any((value or "").strip() for value in values.values() if isinstance(value, str)):
            continue  # blank line
        yield line, {key: (value or "").strip() if isinstance(value, str) else "" for key, value in values.items()}


def _import_row(
    values: dict[str, str], line: int, authorities: Collection[str], team_authority: dict[str, tuple[str, int]]
) -> bool:
    """Create or update one row's team, practitioner and child; True if the child is new.

    Raises:
        BadRow: naming what is wrong with the row.
    """
    problems = []
    if any("\x00" in value for value in values.values()):
        raise BadRow("the row contains a NUL character")
    for name in ("team", "authority", "service", "practitioner_email", "child_ref", "child_name"):
        if not values[name]:
            problems.append(f"{name} is empty")
    if values["authority"] and values["authority"] not in authorities:
        problems.append(
            f"authority {values['authority']!r} is not a policy id (known: {', '.join(sorted(authorities))})"
        )
    if values["service"] and values["service"] not in SERVICES:
        problems.append(f"service {values['service']!r} is not one of {', '.join(SERVICES)}")
    email = normalise_email(values["practitioner_email"])
    if email and ("@" not in email or len(email) > 254 or " " in email):
        problems.append("practitioner_email is not an email address")
    if values["child_ref"] and not CHILD_REFERENCE.fullmatch(values["child_ref"]):
        problems.append(
            f"child_ref {values['child_ref'][:80]!r} cannot be part of the child's page address: "
            f"use {CHILD_REFERENCE_RULE}"
        )
    if len(values["child_name"]) > 200 or len(values["practitioner_name"]) > 120 or len(values["team"]) > 120:
        problems.append("a name is too long")
    date_of_birth = None
    if values["date_of_birth"]:
        try:
            date_of_birth = date.fromisoformat(values["date_of_birth"])
        except ValueError:
            problems.append(f"date_of_birth {values['date_of_birth']!r} is not an ISO date (YYYY-MM-DD)")
    statuses = [status.strip() for status in values["status"].split(";") if status.strip()]
    unknown = [status for status in statuses if status not in CHILD_STATUSES]
    if unknown:
        problems.append(f"unknown status {', '.join(unknown)} (use {', '.join(CHILD_STATUSES)})")
    earlier = team_authority.get(values["team"])
    if earlier and values["authority"] and earlier[0] != values["authority"]:
        problems.append(f"team {values['team']!r} has authority {earlier[0]!r} on line {earlier[1]}")
    if problems:
        raise BadRow("; ".join(problems))
    team_authority.setdefault(values["team"], (values["authority"], line))

    team = db.session.scalar(select(Team).where(Team.name == values["team"]))
    if team is None:
        team = Team(name=values["team"])
        db.session.add(team)
    team.authority, team.service = values["authority"], values["service"]

    practitioner = find_user(email)
    if practitioner is None:
        # No password: the person signs in once `flask users create` has set one.
        practitioner = User(email=email, name=values["practitioner_name"] or email, role=Role.PRACTITIONER.value)
        db.session.add(practitioner)
    if values["practitioner_name"]:
        practitioner.name = values["practitioner_name"]
    if practitioner.role == Role.PRACTITIONER.value:
        practitioner.team = team

    child = db.session.scalar(select(Child).where(Child.reference == values["child_ref"]))
    created = child is None
    if child is None:
        child = Child(reference=values["child_ref"])
        db.session.add(child)
    child.name = values["child_name"]
    child.date_of_birth = date_of_birth
    child.team = team
    child.practitioner = practitioner
    child.statuses = statuses
    db.session.flush()
    return created
