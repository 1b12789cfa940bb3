"""The data model: teams, people, children, records and their timeliness verdicts."""
from __future__ import annotations

import enum
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    TypeDecorator,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.timeliness import due_by_local_day, iso_utc
from webapp.timeliness.windows import names_a_day_window


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        # SQLite has no time zone type; store naive UTC there so comparisons stay textual-safe.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Role(str, enum.Enum):
    PRACTITIONER = "practitioner"
    MANAGER = "manager"
    ADMIN = "admin"


CHILD_STATUSES = {
    "child_protection": "Child protection plan",
    "child_in_need": "Child in need",
    "looked_after": "Looked after",
    "care_leaver": "Care leaver",
    "early_help": "Early help",
}


class Team(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    authority: Mapped[str] = mapped_column(String(40))  # policy id, e.g. "norfolk"
    service: Mapped[str] = mapped_column(String(40), default="children_social_care")

    members: Mapped[list[User]] = relationship(back_populates="team")

    def __repr__(self) -> str:
        return f"<Team {self.name} ({self.authority})>"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default=Role.PRACTITIONER.value)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Sessions carry the generation they began in; moving it on ends them all, wherever the
    # cookie is (webapp/auth/sessions.py).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    team: Mapped[Team | None] = relationship(back_populates="members")

    def set_password(self, password: str) -> None:
        """A new password ends the sessions begun with the old one."""
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def switch_off(self) -> None:
        """The person may no longer sign in, and every session they have ends."""
        self.active = False
        self.end_sessions()

    def end_sessions(self) -> None:
        self.session_generation = (self.session_generation or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER.value, Role.ADMIN.value)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


# What a child's reference may hold: it is part of the child's page address (/children/<ref>),
# so no "/", "?", "#", "%" or spaces, and no "." or ".." that a browser would take as a folder.
CHILD_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
CHILD_REFERENCE_RULE = "letters, digits, '-', '_' and '.', starting with a letter or digit, up to 64 characters"


class Child(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)  # the child's id in the API
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Semicolon-separated keys of CHILD_STATUSES; a child can have several.
    status: Mapped[str] = mapped_column(String(200), default="")

    team: Mapped[Team] = relationship()
    practitioner: Mapped[User | None] = relationship()

    @property
    def statuses(self) -> list[str]:
        return [s for s in self.status.split(";") if s]

    @statuses.setter
    def statuses(self, values: list[str]) -> None:
        self.status = ";".join(dict.fromkeys(values))

    @property
    def on_child_protection_plan(self) -> bool:
        return "child_protection" in self.statuses

    def __repr__(self) -> str:
        return f"<Child {self.reference}>"


class Record(db.Model):
    """One version of a record written on a device. Versions of a record share its uuid."""

    __table_args__ = (
        # Stores each version exactly once, even when two requests carrying it race.
        UniqueConstraint("uuid", "version", name="uq_record_uuid_version"),
        Index("ix_record_author_received", "author_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))  # generated on the device
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes: Mapped[int | None] = mapped_column(Integer)  # the version this one replaced
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    record_type: Mapped[str] = mapped_column(String(60))
    child_protection: Mapped[bool] = mapped_column(Boolean, default=False)
    event_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # device clock, as sent
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    device_id: Mapped[str] = mapped_column(String(100))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # SHA-256 of the submitted content, to tell a resend (same) from a conflict (different).
    content_hash: Mapped[str] = mapped_column(String(64))
    # completed_at cannot be right: see webapp.timeliness.verdict.implausible_completion.
    implausible: Mapped[bool] = mapped_column(Boolean, default=False)
    sync_request_id: Mapped[int | None] = mapped_column(ForeignKey("sync_request.id"))

    child: Mapped[Child] = relationship()
    author: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Record {self.uuid} v{self.version}>"


class TimelinessCheck(db.Model):
    """The verdict on a record, computed once on receipt and kept for every later version.

    The columns the manager views filter on are copied from the record and its child, so
    that team pages read this one table.
    """

    __table_args__ = (Index("ix_timeliness_team_received", "team_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id"))  # the first version
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    record_type: Mapped[str] = mapped_column(String(60))
    event_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    policy_id: Mapped[str] = mapped_column(String(40))
    policy_version: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(120))
    window: Mapped[str] = mapped_column(String(120))  # in words, e.g. "2 working days"
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verdict: Mapped[str] = mapped_column(String(10))  # "on_time" or "late"
    late_by_seconds: Mapped[int] = mapped_column(Integer, default=0)
    late_by_working_days: Mapped[int | None] = mapped_column(Integer)
    cause: Mapped[str | None] = mapped_column(String(20))  # synced_late, recorded_late, unknown
    completed_at_corrected: Mapped[datetime | None] = mapped_column(UTCDateTime())
    skew_seconds: Mapped[float] = mapped_column(default=0.0)  # server_now - device_now
    # received_at - event_at in whole seconds (models.delay_seconds), stored so that the team
    # pages' delay percentiles never parse timestamps; set on insert when not given.
    delay_seconds: Mapped[int | None] = mapped_column(Integer, default=lambda ctx: _default_delay_seconds(ctx))

    record: Mapped[Record] = relationship()
    child: Mapped[Child] = relationship()
    author: Mapped[User] = relationship()

    def as_timeliness(self) -> dict[str, Any]:
        """The `timeliness` object of a sync answer."""
        return timeliness_answer({name: getattr(self, name) for name in TIMELINESS_ANSWER_COLUMNS})


def delay_seconds(event_at: datetime, received_at: datetime) -> int:
    """The recording delay: whole seconds from the event to the record reaching the file, rounded down."""
    return (received_at - event_at) // timedelta(seconds=1)


def _default_delay_seconds(context) -> int | None:
    values = context.get_current_parameters()
    if values.get("event_at") is None or values.get("received_at") is None:
        return None
    return delay_seconds(values["event_at"], values["received_at"])


TIMELINESS_ANSWER_COLUMNS = (
    "policy_id", "policy_version", "rule_id", "window", "due_at", "received_at", "verdict",
    "late_by_seconds", "late_by_working_days", "cause",
)


def timeliness_answer(check: Mapping[str, Any]) -> dict[str, Any]:
    """The `timeliness` object of a sync answer, from a timeliness_check row's values."""
    exclusive = names_a_day_window(check["window"])
    due_by = due_by_local_day(check["due_at"], exclusive)
    return {
        "authority": check["policy_id"],
        "policy_version": check["policy_version"],
        "rule_id": check["rule_id"],
        "window": check["window"],
        "due_at": iso_utc(check["due_at"]),
        "due_exclusive": exclusive,
        "due_by_local_day": None if due_by is None else due_by.isoformat(),
        "received_at": iso_utc(check["received_at"]),
        "verdict": check["verdict"],
        "late_by_seconds": check["late_by_seconds"],
        "late_by_working_days": check["late_by_working_days"],
        "cause": check["cause"],
    }


class SyncRequest(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    device_id: Mapped[str] = mapped_column(String(100))
    device_now: Mapped[datetime | None] = mapped_column(UTCDateTime())
    server_now: Mapped[datetime] = mapped_column(UTCDateTime())
    skew_seconds: Mapped[float] = mapped_column(default=0.0)
    skew_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    received_count: Mapped[int] = mapped_column(Integer, default=0)
    accepted_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    conflict_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(db.Model):
    """Who did what, when. Never holds the contents of a record."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(40))  # e.g. record.accepted, record.rejected
    record_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    sync_request_id: Mapped[int | None] = mapped_column(ForeignKey("sync_request.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class ChildEpisode(db.Model):
    """What a child's visit schedule hangs on: an episode (kind, dates) and the facts rules use.

    The vocabulary is the engine's (`webapp.timeliness.schedule.EPISODE_KINDS` and `FACTS`,
    documented in policies/README.md); `details` holds the facts, dates as YYYY-MM-DD. A child
    has at most one episode of each kind; an ended episode is kept but no longer scheduled.
    """

    __table_args__ = (
        # One episode of a kind per child; also the index that finds a child's episodes.
        UniqueConstraint("child_id", "kind", name="uq_child_episode_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    kind: Mapped[str] = mapped_column(String(40))
    started_on: Mapped[date] = mapped_column(Date)
    first_review_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    child: Mapped[Child] = relationship()


class VisitDue(db.Model):
    """A child's current due date for one requirement, as the schedule engine last worked it out.

    Rewritten whenever what it depends on changes: a visit synced, an episode or the child
    imported. The status depends on the day it is read, so it is not stored: `status_on(due_by,
    soon_from, today)` gives it. `recheck_on` is the first day the answer could change without
    any of those (a birthday crossing an age condition, a visit dated after the day it was
    worked out, an episode's end); reads work such children out again first.
    """

    __table_args__ = (
        # The Visits page: a team's rows overdue or due soon on a day (soon_from <= today).
        Index("ix_visit_due_team_soon", "team_id", "soon_from"),
        # The caseload and the child's page: one child's rows; rewriting a child's rows.
        Index("ix_visit_due_child", "child_id"),
        # Reads first find the few rows whose answer may have changed since: a range on this.
        Index("ix_visit_due_recheck", "recheck_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))  # the child's, copied
    episode_kind: Mapped[str] = mapped_column(String(40))
    requirement: Mapped[str] = mapped_column(String(40))
    rule_id: Mapped[str] = mapped_column(String(120))
    catalogue_id: Mapped[str] = mapped_column(String(120))
    window: Mapped[str] = mapped_column(String(120))  # in words, e.g. "every 10 working days"
    due_by: Mapped[date | None] = mapped_column(Date)
    soon_from: Mapped[date | None] = mapped_column(Date)
    last_met_on: Mapped[date | None] = mapped_column(Date)
    policy_version: Mapped[str] = mapped_column(String(64))
    recheck_on: Mapped[date | None] = mapped_column(Date)


class VisitCheck(db.Model):
    """Whether a visit that saw the child was made within the schedule's timescale.

    `due_by` is the child's visit due date on the day before the visit (from the visits made
    before it); the visit is within timescale when it fell on or before that date. Kept per
    visit record, so that the Visits page counts a period's visits from this one table.
    """

    __table_args__ = (
        # The Visits page's share within timescale: a team's visits in a period.
        Index("ix_visit_check_team_visited", "team_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    due_by: Mapped[date | None] = mapped_column(Date)
    within: Mapped[bool] = mapped_column(Boolean)
