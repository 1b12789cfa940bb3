"""Properties of the schedule engine that must hold for every rule in the real policy files."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.timeliness import default_calendar, load_policies
from webapp.timeliness.policy import POLICY_DIR
from webapp.timeliness.schedule import (
    FIRST_REVIEW,
    REQUIREMENTS,
    Episode,
    Phase,
    Schedule,
    Visit,
    evaluate_schedule,
)

from .helpers import LONDON

pytestmark = pytest.mark.filterwarnings("ignore::webapp.timeliness.errors.HorizonWarning")

# Conditions are dropped so that every rule applies to the episode it names.
RULES = [
    replace(rule, conditions={})
    for policy in load_policies(POLICY_DIR).values()
    for rule in policy.schedule.rules
]
CALENDAR = default_calendar()
PHASED = [rule for rule in RULES if len(rule.phases) > 1]

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31))
offsets = st.integers(min_value=-20, max_value=500)
flags = st.one_of(st.none(), st.booleans())


@st.composite
def visits(draw, start: date, qualifying: bool | None = None):
    """A visit near the episode; with `qualifying` True it does everything any rule counts."""
    day = start + timedelta(days=draw(offsets))
    at = datetime.combine(day, time(draw(st.integers(0, 23)), draw(st.integers(0, 59))), LONDON)
    if qualifying:
        return Visit(at=at, child_seen=True, seen_alone=True, bedroom_seen=True, announced=False)
    return Visit(at=at, child_seen=draw(st.booleans()), seen_alone=draw(flags), bedroom_seen=draw(flags),
                 announced=draw(st.booleans()))


@st.composite
def children(draw, rules=RULES):
    rule = draw(st.sampled_from(rules))
    start = draw(days)
    review = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=200)))
    episode = Episode(rule.episode, start, None if review is None else start + timedelta(days=review))
    history = draw(st.lists(visits(start), max_size=8))
    today = start + timedelta(days=draw(offsets))
    return rule, episode, history, today


def evaluate(rule, episode, history, today):
    [result] = evaluate_schedule(Schedule(rules=(rule,)), episode, history, today)
    return result


def later_or_equal(after: date | None, before: date | None) -> bool:
    """None (nothing more due) is later than any date."""
    return after is None or (before is not None and after >= before)


@settings(max_examples=300, deadline=None)
@given(child=children(), data=st.data())
def test_a_qualifying_visit_never_makes_a_due_date_earlier(child, data):
    rule, episode, history, today = child
    extra = data.draw(visits(episode.started_on, qualifying=True))
    before = evaluate(rule, episode, history, today)
    after = evaluate(rule, episode, [*history, extra], today)
    assert later_or_equal(after.due_by, before.due_by)


@settings(max_examples=300, deadline=None)
@given(child=children(), data=st.data())
def test_a_visit_that_does_not_qualify_never_meets_a_requirement(child, data):
    rule, episode, history, today = child
    extra = data.draw(visits(episode.started_on))
    missing = data.draw(st.sampled_from(sorted(rule.counts)))
    if missing == "unannounced":
        extra = replace(extra, announced=True)
    else:
        extra = replace(extra, **{missing: data.draw(st.sampled_from([False, None] if missing != "child_seen" else [False]))})
    before = evaluate(rule, episode, history, today)
    after = evaluate(rule, episode, [*history, extra], today)
    assert (after.due_by, after.last_met_on, after.status) == (before.due_by, before.last_met_on, before.status)


def test_every_requirement_counts_what_its_name_says():
    for rule in RULES:
        assert set(REQUIREMENTS[rule.requirement]) <= rule.counts, rule.id


@settings(max_examples=300, deadline=None)
@given(rule=st.sampled_from(PHASED), start=days, review_after=st.integers(min_value=1, max_value=400),
       boundary=st.integers(min_value=0, max_value=4))
def test_phases_change_on_the_right_day(rule, start, review_after, boundary):
    """A visit the day before a phase ends is spaced by that phase; on the day, by the next."""
    # Without first deadlines the due date is simply the visit plus the interval in force.
    rule = replace(rule, phases=(replace(rule.phases[0], first=()), *rule.phases[1:]))
    index = min(boundary, len(rule.phases) - 2)
    episode = Episode(rule.episode, start, start + timedelta(days=review_after))
    bounds = []
    begins = start
    for phase in rule.phases[:-1]:
        end = episode.first_review_on if phase.until == FIRST_REVIEW else phase.until.after(start, CALENDAR)
        begins = max(end, begins)
        bounds.append(begins)
    changes_on = bounds[index]
    if changes_on - timedelta(days=1) < start or (index and bounds[index - 1] >= changes_on):
        return  # the phase is empty here (a review held on the day the plan started, say)
    here = rule.phases[index]
    # The next phase that has any days: one ending where it begins (the first review after
    # the first year, say) is passed over.
    then = next(rule.phases[j] for j in range(index + 1, len(rule.phases)) if j == len(bounds) or bounds[j] > changes_on)

    def due_after_one_visit(day: date) -> date:
        visit = Visit(at=datetime.combine(day, time(10), LONDON), child_seen=True, seen_alone=True,
                      bedroom_seen=True, announced=False)
        return evaluate(rule, episode, [visit], day).due_by

    day_before = changes_on - timedelta(days=1)
    assert due_after_one_visit(day_before) == _spaced(here, day_before)
    assert due_after_one_visit(changes_on) == _spaced(then, changes_on)


def _spaced(phase: Phase, day: date) -> date:
    return phase.every.after(day, CALENDAR)
