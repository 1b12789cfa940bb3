"""Worked examples from the councils' own words, one table per authority.

Each row quotes the line a rule encodes, gives an event (and, for windows counted back from a
meeting, the meeting), and the due instant worked out by hand with a line of reasoning. Times
are London wall-clock times; `due_at` is UTC. For day windows `due_at` is exclusive (the local
midnight that ends the due date), so `why` names the due date itself.

Most rows share one event, Friday 18 December 2026 15:00 GMT, so that every window crosses a
weekend and, from its 4th working day, Christmas Day (Fri 25), the Boxing Day holiday (Mon 28)
and New Year's Day (Fri 1 Jan 2027). Windows counted back start from a meeting on Tuesday
5 January 2027 10:00. Further rows cross the clock changes, Easter, and start on a weekend.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Example:
    rule: str  # the rule the record must select
    quote: str  # the words of the rule's source line
    record_type: str
    event_at: str
    due_at: str
    why: str
    facts: dict = field(default_factory=dict)  # child_protection, service, section_47, immediate
    anchor_at: str | None = None

    def __str__(self) -> str:  # the test id
        return f"{self.rule}@{self.event_at}"
