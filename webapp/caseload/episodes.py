"""Import an episodes CSV: the dates and facts each child's visit schedule hangs on.

The second file `flask caseload import` takes (told apart by its `episode` column; format in
the README). Each good row creates or updates the child's episode of that kind; a bad row is
reported by its line number and skipped, and the other rows still load. The words a row may
use are the schedule engine's (`EPISODE_KINDS`, `FACTS`), documented in policies/README.md.
"""
from __future__ import annotations

from datetime import date
from typing import TextIO

from sqlalchemy import select

from webapp.caseload.importer import BadRow, ImportReport, _rows, csv_reader
from webapp.extensions import db
from webapp.models import Child, ChildEpisode
from webapp.timeliness.schedule import EPISODE_KINDS, FACTS, ScheduleInputError
from webapp.visits import schedules

COLUMNS = ("child_ref", "episode", "started_on")
OPTIONAL = ("first_review_on", "ended_on")
TRUE, FALSE = ("yes", "true", "y", "1"), ("no", "false", "n", "0")


def is_episodes_file(header: list[str]) -> bool:
    return "episode" in header


def import_episodes(stream: TextIO, today: date) -> ImportReport:
    """Import every row, commit the good ones, then work out their children's due dates.

    Raises:
        BadFile: the header lacks a required column.
    """
    reader = csv_reader(stream, COLUMNS)
    facts = [name for name in reader.fieldnames if name in FACTS]

    report = ImportReport()
    children: set[int] = set()
    for line, values in _rows(reader):
        try:
            with db.session.begin_nested():
                created, child_id = _import_row(values, facts)
        except BadRow as exc:
            report.errors.append((line, str(exc)))
            continue
        children.add(child_id)
        if created:
            report.created += 1
        else:
            report.updated += 1
    schedules.refresh(children, today, visit_checks=True)
    db.session.commit()
    return report


def _date(values: dict[str, str], name: str, problems: list[str]) -> date | None:
    if not values.get(name):
        return None
    try:
        return date.fromisoformat(values[name])
    except ValueError:
        problems.append(f"{name} {values[name][:40]!r} is not an ISO date (YYYY-MM-DD)")
        return None


def _fact(name: str, text: str, problems: list[str]):
    expected = FACTS[name]
    if expected is bool:
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        problems.append(f"{name} {text[:40]!r} is not yes or no")
    elif expected is int:
        if text.isdigit():
            return int(text)
        problems.append(f"{name} {text[:40]!r} is not a whole number")
    elif expected is date:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            problems.append(f"{name} {text[:40]!r} is not an ISO date (YYYY-MM-DD)")
    elif text not in expected:
        problems.append(f"{name} {text[:40]!r} is not one of {', '.join(expected)}")
    else:
        return text
    return None


def _import_row(values: dict[str, str], facts: list[str]) -> tuple[bool, int]:
    """Create or update one child's episode; (True if it is new, the child's id).

    Raises:
        BadRow: naming what is wrong with the row.
    """
    if any("\x00" in value for value in values.values()):
        raise BadRow("the row contains a NUL character")
    problems = [f"{name} is empty" for name in COLUMNS if not values[name]]
    if values["episode"] and values["episode"] not in EPISODE_KINDS:
        problems.append(f"episode {values['episode'][:40]!r} is not one of {', '.join(EPISODE_KINDS)}")
    started_on = _date(values, "started_on", problems)
    first_review_on = _date(values, "first_review_on", problems)
    ended_on = _date(values, "ended_on", problems)
    if started_on and first_review_on and first_review_on < started_on:
        problems.append("first_review_on is before started_on")
    if started_on and ended_on and ended_on < started_on:
        problems.append("ended_on is before started_on")
    details = {}
    for name in facts:
        if values.get(name):
            value = _fact(name, values[name], problems)
            if value is not None:
                details[name] = value
    child = None
    if values["child_ref"]:
        child = db.session.scalar(select(Child).where(Child.reference == values["child_ref"]))
        if child is None:
            problems.append(f"child_ref {values['child_ref'][:64]!r} is not a child in the caseload: import the caseload first")
    if not problems:
        try:
            # The engine's own check of the episode and its facts.
            schedules.engine_episode(ChildEpisode(kind=values["episode"], started_on=started_on,
                                                  first_review_on=first_review_on, details=details))
        except ScheduleInputError as exc:
            problems.append(str(exc))
    if problems:
        raise BadRow("; ".join(problems))

    episode = db.session.scalar(
        select(ChildEpisode).where(ChildEpisode.child_id == child.id, ChildEpisode.kind == values["episode"])
    )
    created = episode is None
    if episode is None:
        episode = ChildEpisode(child=child, kind=values["episode"])
        db.session.add(episode)
    episode.started_on = started_on
    episode.first_review_on = first_review_on
    episode.ended_on = ended_on
    episode.details = details
    db.session.flush()
    return created, child.id
