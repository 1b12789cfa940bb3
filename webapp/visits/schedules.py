"""Each child's visit due dates: worked out by the schedule engine, stored, and read back.

The engine (`webapp.timeliness.schedule.evaluate_schedule`) is the only thing that computes a
due date. This module feeds it what the database holds (the child's episodes, date of birth
and stored visit records) and keeps its answers in `VisitDue`, one row per episode and
requirement, so that the caseload and the Visits page read dates instead of replaying every
child's visits. The rows are rewritten when a visit is synced and when the caseload or its
episodes are imported; the status depends on the day, so pages work it out when they read
(`status_on`). A row whose answer could change without any of those (`recheck_on`) is worked
out again by the next read that meets it.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any, Iterable, Mapping

from sqlalchemy import Text, cast, delete, insert, select

from webapp import policies as policy_registry
from webapp.extensions import db
from webapp.models import Child, ChildEpisode, Record, VisitCheck, VisitDue
from webapp.manager.service import today_in_london  # noqa: F401 (the one London-day rule, for callers)
from webapp.timeliness import Policy
from webapp.timeliness.calendar import default_calendar
from webapp.timeliness.schedule import (
    FACTS,
    REQUIREMENTS,
    Episode,
    Visit,
    evaluate_schedule,
    status_on,
)
from webapp.words import DUE_STATUS_TAGS, REQUIREMENT_LABELS, due_words, weekday_date

VISIT = "visit"


# -- what the engine is given ------------------------------------------------------------------


def engine_episode(episode: ChildEpisode) -> Episode:
    """The stored episode as the engine's Episode: dates in `details` become dates."""
    details = {
        name: date.fromisoformat(value) if FACTS.get(name) is date else value
        for name, value in (episode.details or {}).items()
        if value is not None
    }
    return Episode(episode.kind, episode.started_on, episode.first_review_on, details)


# The answers of a visit record that its child's schedule counts (the rest is prose).
VISIT_FACTS = ("child_seen", "seen_alone", "bedroom_seen", "announced")


def visit_from_fields(event_at, fields: Mapping[str, Any]) -> Visit:
    """A stored visit record as the engine's Visit. Not answered is None, which never counts."""

    def flag(name: str) -> bool | None:
        value = fields.get(name)
        return value if isinstance(value, bool) else None

    return Visit(
        at=event_at,
        child_seen=fields.get("child_seen") is True,
        seen_alone=flag("seen_alone"),
        bedroom_seen=flag("bedroom_seen"),
        announced=fields.get("announced") != "unannounced",
    )


@dataclass(frozen=True)
class StoredVisit:
    uuid: str
    author_id: int
    visit: Visit


@cache
def _answers_json(dialect_name: str) -> tuple:
    """The answers of VISIT_FACTS, each as the text of its JSON value (None when not there).

    Picked out by the database, as text: `fields[name]` would be JSON decoded for each row, and
    on SQLite turns true into 1.
    """
    if dialect_name == "sqlite":
        return tuple(Record.fields.op("->", return_type=Text)(f'$."{name}"') for name in VISIT_FACTS)
    return tuple(cast(Record.fields.op("->")(name), Text) for name in VISIT_FACTS)


# The JSON texts the schedule's answers almost always are, read without a JSON parser.
_JSON_WORDS = {"true": True, "false": False, "null": None, '"announced"': "announced", '"unannounced"': "unannounced"}


def _json_value(text: str | None) -> Any:
    if text is None:
        return None
    value = _JSON_WORDS.get(text, _JSON_WORDS)
    return json.loads(text) if value is _JSON_WORDS else value


def stored_visits(child_ids: Iterable[int]) -> dict[int, list[StoredVisit]]:
    """Each child's visit records, each at its current version, oldest first.

    Only the answers the schedule counts are read, picked out of each record by the database:
    a child's history is hundreds of records, mostly prose.
    """
    ids = list(child_ids)
    if not ids:
        return {}
    facts = _answers_json(db.session.get_bind().dialect.name)
    latest: dict[str, tuple] = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            select(Record.uuid, Record.version, Record.child_id, Record.author_id, Record.event_at, *facts)
            .where(Record.child_id.in_(ids[start:start + 500]), Record.record_type == VISIT)
        )
        for row in rows:
            held = latest.get(row[0])
            if held is None or held[1] < row[1]:
                latest[row[0]] = row
    found: dict[int, list[StoredVisit]] = defaultdict(list)
    for uuid, _, child_id, author_id, event_at, *answers in latest.values():
        found[child_id].append(StoredVisit(uuid, author_id, visit_from_fields(event_at, {name: _json_value(text) for name, text in zip(VISIT_FACTS, answers)})))
    for visits in found.values():
        visits.sort(key=lambda each: each.visit.at)
    return dict(found)


def _episodes(child_ids: list[int]) -> dict[int, list[ChildEpisode]]:
    found: dict[int, list[ChildEpisode]] = defaultdict(list)
    for start in range(0, len(child_ids), 500):
        for episode in db.session.scalars(
            select(ChildEpisode).where(ChildEpisode.child_id.in_(child_ids[start:start + 500]))
        ):
            found[episode.child_id].append(episode)
    return found


def _next_birthday(date_of_birth: date, today: date) -> date:
    for year in (today.year, today.year + 1):
        try:
            birthday = date_of_birth.replace(year=year)
        except ValueError:  # 29 February: the engine counts the birthday on 28 February
            birthday = date(year, 2, 28)
        if birthday > today:
            return birthday
    return date(today.year + 1, 12, 31)  # not reached


def _recheck_on(policy: Policy, episode: ChildEpisode, child: Child, visits: list[StoredVisit], today: date) -> date | None:
    """The first day after `today` on which the engine's answer could differ with nothing new stored."""
    days = [visit.visit.local_date() for visit in visits if visit.visit.local_date() > today]
    if episode.ended_on is not None and episode.ended_on > today:
        days.append(episode.ended_on)
    if child.date_of_birth is not None and any(
        rule.episode == episode.kind and ({"age_from", "age_below"} & set(rule.conditions))
        for rule in policy.schedule.rules
    ):
        days.append(_next_birthday(child.date_of_birth, today))
    return min(days) if days else None


# -- keeping the stored due dates ---------------------------------------------------------------


@dataclass
class Histories:
    """What the schedules of some children are worked out from, read in one query per table."""

    children: dict[int, Child]
    episodes: dict[int, list[ChildEpisode]]
    visits: dict[int, list[StoredVisit]]

    @classmethod
    def read(cls, child_ids: list[int]) -> Histories:
        children = {child.id: child for child in db.session.scalars(select(Child).where(Child.id.in_(child_ids)))}
        episodes = _episodes(child_ids)
        # A child with no episode has no schedule: its visits are not needed.
        return cls(children, episodes, stored_visits(sorted(episodes)))


def refresh(child_ids: Iterable[int], today: date, policies: Mapping[str, Policy] | None = None,
            visit_checks: bool = False, histories: Histories | None = None) -> None:
    """Work out again, and store, the due dates of these children as of `today` (London).

    With `visit_checks`, also whether each of their visits was made within timescale (after
    an import, when the episode a visit is judged against may have changed). `histories` is
    what has been read of these children already.
    """
    ids = sorted(set(child_ids))
    if not ids:
        return
    if policies is None:
        policies = policy_registry.every_policy()
    calendar = default_calendar()
    histories = histories or Histories.read(ids)
    children, episodes, visits = histories.children, histories.episodes, histories.visits
    rows: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    for child_id in ids:
        child = children.get(child_id)
        policy = policies.get(child.team.authority) if child is not None else None
        if policy is None:
            continue
        current = [each for each in episodes.get(child_id, []) if each.ended_on is None or each.ended_on > today]
        child_visits = visits.get(child_id, [])
        for episode in current:
            requirements = evaluate_schedule(
                policy.schedule, engine_episode(episode), [each.visit for each in child_visits], today,
                date_of_birth=child.date_of_birth, calendar=calendar,
            )
            recheck = _recheck_on(policy, episode, child, child_visits, today)
            rows += [
                {
                    "child_id": child_id,
                    "team_id": child.team_id,
                    "episode_kind": episode.kind,
                    "requirement": requirement.requirement,
                    "rule_id": requirement.rule.id,
                    "catalogue_id": requirement.rule.catalogue_id,
                    "window": requirement.window,
                    "due_by": requirement.due_by,
                    "soon_from": requirement.soon_from,
                    "last_met_on": requirement.last_met_on,
                    "policy_version": policy.version,
                    "recheck_on": recheck,
                }
                for requirement in requirements
            ]
        if visit_checks:
            checks += _visit_checks(policy, child, episodes.get(child_id, []), child_visits, calendar)
    for start in range(0, len(ids), 500):
        db.session.execute(delete(VisitDue).where(VisitDue.child_id.in_(ids[start:start + 500])))
        if visit_checks:
            db.session.execute(delete(VisitCheck).where(VisitCheck.child_id.in_(ids[start:start + 500])))
    if rows:
        db.session.execute(insert(VisitDue), rows)
    if checks:
        db.session.execute(insert(VisitCheck), checks)


def _visit_due_before(policy: Policy, child: Child, episodes: list[ChildEpisode], visits: list[Visit],
                      day: date, calendar) -> date | None:
    """The child's visit due date on the day before `day`: the date a visit on `day` had to meet."""
    dues = []
    for episode in episodes:
        if episode.started_on >= day or (episode.ended_on is not None and episode.ended_on < day):
            continue
        for requirement in evaluate_schedule(
            policy.schedule, engine_episode(episode), visits, day - timedelta(days=1),
            date_of_birth=child.date_of_birth, calendar=calendar,
        ):
            if requirement.requirement == VISIT and requirement.due_by is not None:
                dues.append(requirement.due_by)
    return min(dues) if dues else None


def _visit_checks(policy: Policy, child: Child, episodes: list[ChildEpisode], visits: list[StoredVisit],
                  calendar, only: set[str] | None = None) -> list[dict[str, Any]]:
    """Whether each visit that saw the child (or each of `only`) met the due date it had to meet."""
    checks = []
    engine_visits = [each.visit for each in visits]
    due_before: dict[date, date | None] = {}  # the visits of one day all had the same date to meet
    for each in visits:
        if not each.visit.child_seen or (only is not None and each.uuid not in only):
            continue
        visited_on = each.visit.local_date()
        if visited_on not in due_before:
            due_before[visited_on] = _visit_due_before(policy, child, episodes, engine_visits, visited_on, calendar)
        due_by = due_before[visited_on]
        if due_by is None:
            continue
        checks.append({
            "record_uuid": each.uuid, "child_id": child.id, "team_id": child.team_id,
            "author_id": each.author_id, "visited_on": visited_on, "due_by": due_by,
            "within": visited_on <= due_by,
        })
    return checks


@dataclass(frozen=True)
class SyncedVisit:
    """A visit record a sync has just stored: its id, its child (as read for the sync) and version."""

    uuid: str
    child: Child
    version: int


def after_sync(visits: list[SyncedVisit], today: date, policies: Mapping[str, Policy] | None = None) -> None:
    """New visit records were stored: judge each against the schedule, and move their children's due dates.

    Only children with an episode have a schedule (and stored due dates) to move.
    """
    if not visits:
        return
    # A new version of a visit is judged again: it may now say the child was not seen.
    again = sorted(visit.uuid for visit in visits if visit.version > 1)
    if again:
        db.session.execute(delete(VisitCheck).where(VisitCheck.record_uuid.in_(again)))
    children = {visit.child.id: visit.child for visit in visits}
    episodes = _episodes(sorted(children))
    scheduled = sorted(episodes)
    if not scheduled:
        return
    if policies is None:
        policies = policy_registry.every_policy()
    calendar = default_calendar()
    new = {visit.uuid for visit in visits}
    histories = Histories({child_id: children[child_id] for child_id in scheduled}, episodes, stored_visits(scheduled))
    checks = []
    for child_id in scheduled:
        child = histories.children[child_id]
        policy = policies.get(child.team.authority)
        if policy is None:
            continue
        checks += _visit_checks(policy, child, episodes[child_id], histories.visits.get(child_id, []), calendar, new)
    if checks:
        db.session.execute(insert(VisitCheck), checks)
    refresh(scheduled, today, policies, histories=histories)


def refresh_rechecks(today: date, team_ids: Iterable[int] | None = None, child_ids: Iterable[int] | None = None) -> None:
    """Work out again the children whose stored answer may have changed by `today`."""
    query = select(VisitDue.child_id).where(VisitDue.recheck_on <= today).distinct()
    if team_ids is not None:
        query = query.where(VisitDue.team_id.in_(list(team_ids)))
    if child_ids is not None:
        query = query.where(VisitDue.child_id.in_(list(child_ids)))
    stale = list(db.session.scalars(query))
    if stale:
        refresh(stale, today)
        db.session.commit()


# -- reading them back ----------------------------------------------------------------------


@dataclass(frozen=True)
class DueLine:
    """One requirement for one child, as a page shows it on a given day."""

    child_id: int
    episode_kind: str
    requirement: str
    rule_id: str
    catalogue_id: str
    window: str
    due_by: date | None
    last_met_on: date | None
    status: str
    words: str

    @property
    def label(self) -> str:
        return REQUIREMENT_LABELS.get(self.requirement, self.requirement)

    @property
    def tag(self) -> tuple[str, str]:
        return DUE_STATUS_TAGS[self.status]

    @property
    def last_met_words(self) -> str:
        return weekday_date(self.last_met_on) if self.last_met_on else "Not yet"

    def as_json(self) -> dict[str, Any]:
        return {
            "episode": self.episode_kind,
            "requirement": self.requirement,
            "rule_id": self.rule_id,
            "catalogue_id": self.catalogue_id,
            "window": self.window,
            "due_by": self.due_by.isoformat() if self.due_by else None,
            "last_met_on": self.last_met_on.isoformat() if self.last_met_on else None,
            "status": self.status,
            "status_words": self.tag[0],
            "status_tag": self.tag[1],
            "words": self.words,
        }


def line(row: VisitDue, today: date, calendar=None) -> DueLine:
    calendar = calendar or default_calendar()
    return DueLine(
        child_id=row.child_id,
        episode_kind=row.episode_kind,
        requirement=row.requirement,
        rule_id=row.rule_id,
        catalogue_id=row.catalogue_id,
        window=row.window,
        due_by=row.due_by,
        last_met_on=row.last_met_on,
        status=status_on(row.due_by, row.soon_from, today),
        words=due_words(row.requirement, row.due_by, today, calendar.working_days_between),
    )


def _order(due: DueLine) -> tuple:
    return (due.due_by is None, due.due_by or date.max, list(REQUIREMENTS).index(due.requirement)
            if due.requirement in REQUIREMENTS else 99)


def due_lines(child_ids: Iterable[int], today: date) -> dict[int, list[DueLine]]:
    """Each child's requirements as of `today`, most urgent first."""
    ids = list(child_ids)
    if not ids:
        return {}
    refresh_rechecks(today, child_ids=ids)
    calendar = default_calendar()
    found: dict[int, list[DueLine]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for row in db.session.scalars(select(VisitDue).where(VisitDue.child_id.in_(ids[start:start + 500]))):
            found[row.child_id].append(line(row, today, calendar))
    return {child_id: sorted(lines, key=_order) for child_id, lines in found.items()}


def next_due(lines: list[DueLine]) -> DueLine | None:
    """The most urgent requirement that still has a date."""
    return next((each for each in lines if each.due_by is not None), None)


def attention_clause(today: date):
    """A SQL condition on VisitDue: overdue or due soon on `today` (a due row's `soon_from` is
    never after its `due_by`, so one comparison finds both)."""
    return VisitDue.soon_from <= today
