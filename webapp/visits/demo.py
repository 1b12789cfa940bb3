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

# The episode a demo child's first status suggests, best first: the first one the authority's
# schedules cover is used, so that every demo child has a schedule.
EPISODES_FOR_STATUS = {
    "child_protection": ("child_protection_plan", "child_protection_enquiry", "assessment"),
    "child_in_need": ("child_in_need_plan", "assessment"),
    "looked_after": ("looked_after", "assessment"),
    "care_leaver": ("care_leaver", "assessment"),
    "early_help": ("early_help", "assessment"),
}


def _details(kind: str, started_on: date, rng: random.Random) -> dict:
    if kind == "looked_after":
        return {"placement_type": rng.choice(("foster", "kinship", "residential")),
                "placement_started_on": started_on.isoformat()}
    if kind == "child_in_need_plan":
        return {"cin_level": rng.choice((3, 4))}
    return {}


# Every third demo child has not been seen for this long, so the demo has overdue children.
UNSEEN_DAYS = 30


def add_episodes(children: list[Child], policies: dict[str, Policy], today: date, rng: random.Random) -> set[str]:
    """One current episode for each demo child, of a kind its authority schedules.

    Returns the references of the children who have not been seen lately (see `keep_record`).
    """
    unseen = set()
    for number, child in enumerate(children):
        if number % 3 == 0:
            unseen.add(child.reference)
        policy = policies.get(child.team.authority)
        if policy is None:
            continue
        scheduled = {rule.episode for rule in policy.schedule.rules}
        wanted = EPISODES_FOR_STATUS.get(child.statuses[0] if child.statuses else "", ("assessment",))
        kind = next((each for each in wanted if each in scheduled), None) or next(iter(sorted(scheduled)), None)
        if kind is None:
            continue
        # An assessment is new: its first visit is what is due. Other episodes are older.
        started_on = today - timedelta(days=rng.randrange(1, 9) if kind == "assessment" else rng.randrange(50, 400))
        first_review_on = (
            started_on + timedelta(days=rng.randrange(20, 90))
            if kind in ("child_protection_plan", "looked_after") else None
        )
        db.session.add(ChildEpisode(
            child=child, kind=kind, started_on=started_on, first_review_on=first_review_on,
            details=_details(kind, started_on, rng),
        ))
    return unseen


def keep_record(record: dict, unseen: set[str], today: date) -> bool:
    """Whether a demo record stays: not a recent visit to a child who has not been seen lately."""
    if record["record_type"] != "visit" or record["child_id"] not in unseen:
        return True
    return date.fromisoformat(record["event_at"][:10]) < today - timedelta(days=UNSEEN_DAYS)
