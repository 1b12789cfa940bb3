"""A manager's review of a late entry."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models import TimelinessCheck, User, UTCDateTime


class Review(db.Model):
    """A manager has looked at a late entry and noted what they found.

    One per timeliness check: the unique key is also the index the reviewed/unreviewed filter
    probes. Every review is copied to the audit log, which keeps the history.
    """

    __tablename__ = "late_entry_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    timeliness_check_id: Mapped[int] = mapped_column(
        ForeignKey("timeliness_check.id"), unique=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")

    timeliness_check: Mapped[TimelinessCheck] = relationship()
    reviewer: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Review of check {self.timeliness_check_id} by {self.reviewer_id}>"


# Indexes on TimelinessCheck that only the manager pages need; docs/performance.md
# ("Manager pages") says why each exists. Declared here so that the shared model stays the
# sync service's, and attached to its table all the same.
Index(
    # The delay percentiles: within the one delay bucket that holds a wanted rank
    # (tallies.py), a team's rows in delay order, filtered by the period from the index alone.
    "ix_timeliness_team_delay_received",
    TimelinessCheck.team_id,
    TimelinessCheck.delay_seconds,
    TimelinessCheck.received_at,
)
Index(
    # The late list: one team's late entries, newest first, a page at a time.
    "ix_timeliness_team_verdict_received",
    TimelinessCheck.team_id,
    TimelinessCheck.verdict,
    TimelinessCheck.received_at,
)

# The team pages' tallies, kept with every verdict (their tables and the mapper event).
from webapp.manager import tallies  # noqa: E402,F401
