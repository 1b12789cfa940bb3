"""Who may read, record for and review which children and records: the one place that decides.

Children's records are special-category data, so each role reaches as little as its work needs
(RULES below; the same table is in docs/architecture.md). A practitioner reads and records for
the children allocated to them; a manager for their team's children, and sees and reviews their
team's records; an admin sees and reviews every team's but records for nobody, since a record
belongs to someone accountable for the child and an admin has no caseload. Anyone may read back
the records they wrote themselves, even after the child moves to another practitioner, and only a
record's author may change it.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import Select, false, literal, select, true

from webapp.models import Child, Record, Role, TimelinessCheck, User


class Reach(enum.Enum):
    NONE = "none"
    ALLOCATED = "allocated"  # children whose practitioner is the user
    TEAM = "team"  # children and records of the user's own team
    EVERY = "every"  # every team


class Action(enum.Enum):
    READ = "read"
    RECORD = "record"
    TEAM_PAGES = "team pages"
    REVIEW = "review"


ROLES = (Role.PRACTITIONER.value, Role.MANAGER.value, Role.ADMIN.value)
RULES: dict[Action, tuple[Reach, Reach, Reach]] = {
    #                    practitioner     manager     admin
    Action.READ:        (Reach.ALLOCATED, Reach.TEAM, Reach.EVERY),
    Action.RECORD:      (Reach.ALLOCATED, Reach.TEAM, Reach.NONE),
    Action.TEAM_PAGES:  (Reach.NONE,      Reach.TEAM, Reach.EVERY),
    Action.REVIEW:      (Reach.NONE,      Reach.TEAM, Reach.EVERY),
}


class Refused(Exception):
    """The user may not do this; the views answer 403."""


def reach(user: User, action: Action) -> Reach:
    """How far the user's role reaches for this action; a team reach without a team is none."""
    found = RULES[action][ROLES.index(user.role)] if user.role in ROLES else Reach.NONE
    if found is Reach.TEAM and user.team_id is None:
        return Reach.NONE
    return found


# -- children -------------------------------------------------------------------------------


def children_clause(user: User, action: Action):
    """A SQL condition on Child: the children this user may read or record for."""
    found = reach(user, action)
    if found is Reach.EVERY:
        return true()
    if found is Reach.TEAM:
        return Child.team_id == user.team_id
    if found is Reach.ALLOCATED:
        return Child.practitioner_id == user.id
    return false()


def children(user: User, action: Action) -> Select:
    """A query of the children this user may read (Action.READ) or record for (Action.RECORD)."""
    return select(Child).where(children_clause(user, action))


def allows(user: User, action: Action, child: Child) -> bool:
    """Whether the user may read or record for this child; the same rule as `children_clause`."""
    found = reach(user, action)
    if found is Reach.EVERY:
        return True
    if found is Reach.TEAM:
        return child.team_id == user.team_id
    if found is Reach.ALLOCATED:
        return child.practitioner_id == user.id
    return False


def may_read_child(user: User, child: Child) -> bool:
    return allows(user, Action.READ, child)


def may_record_for(user: User, child: Child) -> bool:
    return allows(user, Action.RECORD, child)


def written_by(user: User):
    """A SQL condition on Record: the records the user wrote, which they may always read back."""
    return Record.author_id == user.id


def may_change_record(user: User, record: Record) -> bool:
    """Only a record's author writes its new versions, or learns its version from a clashing id."""
    return record.author_id == user.id


# -- teams ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which teams' records a request may read: one team, or every team (team_id None)."""

    team_id: int | None

    def clause(self, team_column=TimelinessCheck.team_id):
        return literal(True) if self.team_id is None else team_column == self.team_id


def may_see_team_pages(user: User) -> bool:
    return reach(user, Action.TEAM_PAGES) is not Reach.NONE


def may_choose_team(user: User) -> bool:
    """Whether the team pages offer every team to choose from (?team=)."""
    return reach(user, Action.TEAM_PAGES) is Reach.EVERY


def team_scope(user: User, action: Action, requested_team_id: int | None = None) -> Scope:
    """The teams the user's team pages or reviews cover: their own team, or one or every team (admins).

    Raises:
        Refused: the user's role reaches no team, or they asked for a team that is not theirs.
    """
    found = reach(user, action)
    if found is Reach.EVERY:
        return Scope(requested_team_id)
    if found is Reach.TEAM and requested_team_id in (None, user.team_id):
        return Scope(user.team_id)
    raise Refused(action.value)
