"""The recording-timeliness engine: plain values in, plain values out, no Flask, no database.

Two questions: was a record on time (`evaluate`), and when must a child next be seen
(`evaluate_schedule`). The arithmetic is specified in timeliness.md; the policy format in
policies/README.md.
"""

from webapp.timeliness.calendar import (
    LONDON,
    PUBLISHED_HORIZON,
    SPAN_END,
    SPAN_START,
    WorkingCalendar,
    default_calendar,
    england_and_wales_holidays,
    parse_instant,
)
from webapp.timeliness.coverage import Catalogue, Coverage, coverage, load_catalogue
from webapp.timeliness.errors import (
    HorizonWarning,
    MissingAnchorError,
    NaiveDatetimeError,
    OutsideCalendarError,
    PolicyError,
    PolicyIssue,
    TimelinessError,
    UnknownAuthority,
    UnknownRecordType,
    UnknownService,
)
from webapp.timeliness.policy import (
    POLICY_DIR,
    SERVICES,
    SOURCES_DIR,
    Policy,
    Rule,
    Source,
    load_policies,
    load_policy,
)
from webapp.timeliness.schedule import (
    EPISODE_KINDS,
    REQUIREMENTS,
    Episode,
    Requirement,
    Schedule,
    ScheduleInputError,
    ScheduleRule,
    Visit,
    evaluate_schedule,
)
from webapp.timeliness.schedule_policy import schedule_coverage
from webapp.timeliness.verdict import (
    RecordFacts,
    Verdict,
    due_by_local_day,
    evaluate,
    implausible_completion,
    iso_utc,
)
from webapp.timeliness.windows import Window

__all__ = [
    "EPISODE_KINDS",
    "LONDON",
    "POLICY_DIR",
    "SERVICES",
    "PUBLISHED_HORIZON",
    "REQUIREMENTS",
    "SOURCES_DIR",
    "SPAN_END",
    "SPAN_START",
    "Catalogue",
    "Coverage",
    "Episode",
    "HorizonWarning",
    "MissingAnchorError",
    "NaiveDatetimeError",
    "OutsideCalendarError",
    "Policy",
    "PolicyError",
    "PolicyIssue",
    "RecordFacts",
    "Requirement",
    "Rule",
    "Schedule",
    "ScheduleInputError",
    "ScheduleRule",
    "Source",
    "TimelinessError",
    "UnknownAuthority",
    "UnknownRecordType",
    "UnknownService",
    "Verdict",
    "Visit",
    "Window",
    "WorkingCalendar",
    "coverage",
    "default_calendar",
    "due_by_local_day",
    "england_and_wales_holidays",
    "evaluate",
    "evaluate_schedule",
    "implausible_completion",
    "iso_utc",
    "load_catalogue",
    "load_policies",
    "load_policy",
    "parse_instant",
    "schedule_coverage",
]
