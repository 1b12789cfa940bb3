"""The demo children's episodes, so that the demo caseloads and Visits pages show due, due-soon
and overdue children. Called by `flask demo-data` before the demo's visits are synced, so the
visits are judged and the due dates stored by the same path a device's sync takes.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from webapp.extensions import db
from webapp.models import Child, ChildEpisode
from webapp.timeliness import Policy
from webapp.timeliness.schedule import DUE_SOON, OVERDUE, evaluate_schedule
from webapp.visits.schedules import engine_episode

# The episode a demo child's first status suggests, best first: the first one the authority's
# schedules cover is used, so that every demo child has a schedule.
EPISODES_FOR_STATUS = {
    "child_protection": ("child_protection_plan", "child_protection_enquiry", "assessment"),
    "child_in_need": ("child_in_need_plan", "assessment"),
    "looked_after": ("looked_after", "assessment"),
    "care_leaver": ("care_leaver", "assessment"),
    "early_help": ("early_help", "assessment"),
}
# Every third child is made overdue, and every third due soon; the rest keep what their visits give.
TARGETS = (OVERDUE, DUE_SOON, None)


def _details(kind: str, started_on: date, rng: random.Random) -> dict:
    if kind == "looked_after":
        return {"placement_type": rng.choice(("foster", "kinship", "residential")),
                "placement_started_on": started_on.isoformat()}
    if kind == "child_in_need_plan":
        return {"cin_level": rng.choice((3, 4))}
    return {}


def _episode(child: Child, kind: str, started_on: date, rng: random.Random) -> ChildEpisode:
    first_review_on = (
        started_on + timedelta(days=rng.randrange(20, 90)) if kind in ("child_protection_plan", "looked_after") else None
    )
    return ChildEpisode(child=child, kind=kind, started_on=started_on, first_review_on=first_review_on,
                        details=_details(kind, started_on, rng))


def _targeted(child: Child, kind: str, policy: Policy, today: date, target: str, rng: random.Random) -> ChildEpisode | None:
    """An episode begun so that, with no visit since, the engine finds the child `target` today."""
    for days in range(1, 200):
        episode = _episode(child, kind, today - timedelta(days=days), random.Random(days))
        statuses = {
            each.requirement: each.status
            for each in evaluate_schedule(policy.schedule, engine_episode(episode), [], today, child.date_of_birth)
        }
        if statuses.get("visit") == target:
            if target == OVERDUE:  # a few days past the first overdue day, not just one
                episode = _episode(child, kind, today - timedelta(days=days + rng.randrange(0, 8)), random.Random(days))
            return episode
    return None


def add_episodes(children: list[Child], policies: dict[str, Policy], today: date, rng: random.Random) -> dict[str, date]:
    """One current episode for each demo child, of a kind its authority schedules.

    Returns, for each child made overdue or due soon, the day its episode began: the demo's
    visits to them from that day are left out (see `keep_record`).
    """
    unseen_since = {}
    for number, child in enumerate(children):
        policy = policies.get(child.team.authority)
        if policy is None:
            continue
        scheduled = {rule.episode for rule in policy.schedule.rules}
        wanted = EPISODES_FOR_STATUS.get(child.statuses[0] if child.statuses else "", ("assessment",))
        kind = next((each for each in wanted if each in scheduled), None) or next(iter(sorted(scheduled)), None)
        if kind is None:
            continue
        target = TARGETS[number % len(TARGETS)]
        episode = _targeted(child, kind, policy, today, target, rng) if target else None
        if episode is not None:
            unseen_since[child.reference] = episode.started_on
        else:
            episode = _episode(child, kind, today - timedelta(days=rng.randrange(50, 400)), rng)
        db.session.add(episode)
    return unseen_since


def keep_record(record: dict, unseen_since: dict[str, date]) -> bool:
    """Whether a demo record stays: not a visit made after the episode of a child made overdue or due soon began."""
    since = unseen_since.get(record["child_id"])
    if record["record_type"] != "visit" or since is None:
        return True
    return date.fromisoformat(record["event_at"][:10]) < since
