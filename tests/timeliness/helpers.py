"""Small builders shared by the timeliness tests."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from webapp.timeliness import Policy, Rule, Window

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc


def london(*args: int) -> datetime:
    """An aware London wall-clock time, e.g. london(2026, 12, 18, 16)."""
    return datetime(*args, tzinfo=LONDON)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def one_rule_policy(window: Window, rule_id: str = "only_rule", authority: str = "example") -> Policy:
    """A policy whose default applies to every record: enough to exercise evaluate()."""
    return Policy(
        authority=authority,
        name="Example",
        version="0123456789ab",
        catalogue_authority=authority,
        timezone="Europe/London",
        record_types={"visit": "Visit"},
        default=Rule(id=rule_id, window=window, sources=()),
        service_defaults={},
        rules=(),
        not_encodable=(),
        ambiguities={},
    )
