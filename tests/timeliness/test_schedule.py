"""The schedule engine on hand-built rules: intervals, phases, what counts, status and selection."""

from __future__ import annotations

from datetime import date

import pytest

from webapp.timeliness import Source
from webapp.timeliness.schedule import (
    FIRST_REVIEW,
    Episode,
    Interval,
    Phase,
    Schedule,
    ScheduleInputError,
    ScheduleRule,
    Visit,
    add_months,
    age_on,
    evaluate_schedule,
)

from .helpers import london

SOURCE = (Source("doc.txt", 1, "quote", "t_visits"),)
WD = lambda n, gp=None: Interval("working_days", n, gp)  # noqa: E731
WEEKS = lambda n, gp=None: Interval("weeks", n, gp)  # noqa: E731
MONTHS = lambda n: Interval("months", n)  # noqa: E731
SAME_DAY = Interval("same_day")


def make_rule(*phases: Phase, rule_id="t_rule", episode="child_protection_plan", requirement="visit",
              conditions=None, start="started_on", counts=("child_seen",)) -> ScheduleRule:
    return ScheduleRule(id=rule_id, episode=episode, requirement=requirement, phases=phases, sources=SOURCE,
                        counts=frozenset(counts), conditions=conditions or {}, start=start)


def seen(*day: int, **qualifiers) -> Visit:
    return Visit(at=london(*day, 14), child_seen=qualifiers.pop("child_seen", True), **qualifiers)


def one(rule: ScheduleRule, episode: Episode, visits=(), today=date(2028, 6, 30), **kwargs):
    [requirement] = evaluate_schedule(Schedule(rules=(rule,)), episode, visits, today, **kwargs)
    return requirement


CP = Episode("child_protection_plan", date(2026, 11, 4))


# -- intervals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 10, 31), 4, date(2027, 2, 28)),
        (date(2026, 12, 15), 2, date(2027, 2, 15)),
        (date(2026, 8, 31), 12, date(2027, 8, 31)),
    ],
)
def test_months_keep_the_day_number_or_take_the_months_last_day(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    "interval, day, expected",
    [
        # Christmas 2026: Fri 25 and Mon 28 December (Boxing Day's substitute), then Fri 1 January.
        (WD(10), date(2026, 12, 23), date(2027, 1, 11)),
        (WD(3), date(2026, 12, 23), date(2026, 12, 30)),
        # Easter 2027: Good Friday 26 March and Easter Monday 29 March.
        (WD(2), date(2027, 3, 25), date(2027, 3, 31)),
        (Interval("calendar_days", 7), date(2026, 12, 25), date(2027, 1, 1)),
        (WEEKS(6), date(2027, 2, 15), date(2027, 3, 29)),
        (SAME_DAY, date(2026, 12, 25), date(2026, 12, 25)),
    ],
)
def test_each_interval_kind(interval, day, expected, calendar):
    assert interval.after(day, calendar) == expected


def test_interval_words():
    assert [i.describe() for i in (WD(10), WEEKS(1), MONTHS(3), Interval("calendar_days", 7), SAME_DAY)] == [
        "10 working days", "1 week", "3 months", "7 days", "the same day",
    ]


def test_age_in_whole_years():
    assert age_on(date(2010, 2, 28), date(2027, 2, 27)) == 16
    assert age_on(date(2010, 2, 28), date(2027, 2, 28)) == 17
    assert age_on(date(2012, 2, 29), date(2027, 2, 28)) == 14
    assert age_on(date(2012, 2, 29), date(2027, 3, 1)) == 15
    assert age_on(None, date(2027, 3, 1)) is None


# -- due dates -----------------------------------------------------------------------------


def test_before_any_visit_the_interval_counts_from_the_start():
    result = one(make_rule(Phase(every=WD(10))), CP, today=date(2026, 11, 18))
    assert (result.due_by, result.status, result.last_met_on, result.window) == (
        date(2026, 11, 18), "due_soon", None, "every 10 working days")
    assert one(make_rule(Phase(every=WD(10))), CP, today=date(2026, 11, 19)).status == "overdue"


def test_the_interval_counts_from_the_last_qualifying_visit():
    visits = [seen(2026, 11, 10), seen(2026, 12, 23), seen(2026, 12, 1)]  # any order
    result = one(make_rule(Phase(every=WD(10))), CP, visits, today=date(2026, 12, 30))
    assert (result.due_by, result.last_met_on, result.status) == (date(2027, 1, 11), date(2026, 12, 23), "ok")


def test_a_visit_on_the_due_date_at_any_hour_is_in_time():
    late_evening = Visit(at=london(2026, 11, 18, 23, 59), child_seen=True)
    result = one(make_rule(Phase(every=WD(10))), CP, [late_evening], today=date(2026, 11, 19))
    assert result.last_met_on == date(2026, 11, 18)
    assert result.due_by == date(2026, 12, 2)


def test_the_local_date_decides_not_the_utc_date():
    # 00:30 on 18 June in London is 23:30 on 17 June in UTC; the London date counts.
    summer = Episode("child_protection_plan", date(2026, 6, 1))
    visit = Visit(at=london(2026, 6, 18, 0, 30), child_seen=True)
    assert one(make_rule(Phase(every=WEEKS(1))), summer, [visit]).last_met_on == date(2026, 6, 18)


def test_visits_after_today_are_not_known_yet():
    visits = [seen(2026, 11, 10), seen(2026, 11, 20)]
    result = one(make_rule(Phase(every=WD(10))), CP, visits, today=date(2026, 11, 19))
    assert (result.due_by, result.last_met_on) == (date(2026, 11, 24), date(2026, 11, 10))


def test_visits_before_the_start_do_not_count():
    result = one(make_rule(Phase(every=WD(10))), CP, [seen(2026, 11, 3)], today=date(2026, 11, 5))
    assert (result.due_by, result.last_met_on) == (date(2026, 11, 18), None)


@pytest.mark.parametrize(
    "qualifiers, counts",
    [
        ({"child_seen": False}, ("child_seen",)),
        ({"child_seen": False, "seen_alone": True}, ("child_seen", "seen_alone")),
        ({"seen_alone": None}, ("child_seen", "seen_alone")),
        ({"seen_alone": False}, ("child_seen", "seen_alone")),
        ({"bedroom_seen": None}, ("bedroom_seen",)),
        ({"announced": True}, ("child_seen", "unannounced")),
    ],
)
def test_a_visit_that_does_not_do_what_is_counted_never_meets_it(qualifiers, counts):
    rule = make_rule(Phase(every=WEEKS(1)), counts=counts)
    result = one(rule, CP, [seen(2026, 11, 10, **qualifiers)], today=date(2026, 11, 12))
    assert (result.due_by, result.status, result.last_met_on) == (date(2026, 11, 11), "overdue", None)


def test_a_visit_that_does_everything_counted_meets_it():
    rule = make_rule(Phase(every=WEEKS(1)), counts=("child_seen", "unannounced", "seen_alone"))
    visit = seen(2026, 11, 10, announced=False, seen_alone=True)
    assert one(rule, CP, [visit], today=date(2026, 11, 12)).due_by == date(2026, 11, 17)


# -- first deadlines -----------------------------------------------------------------------

LAC = Episode("looked_after", date(2026, 11, 30))
LAC_RULE = make_rule(Phase(first=(SAME_DAY, WEEKS(1)), every=WEEKS(6)), episode="looked_after")


def test_first_deadlines_count_from_the_start_one_visit_each():
    assert one(LAC_RULE, LAC, today=date(2026, 11, 30)).due_by == date(2026, 11, 30)
    first = one(LAC_RULE, LAC, [seen(2026, 11, 30)], today=date(2026, 11, 30))
    assert (first.due_by, first.window) == (date(2026, 12, 7), "within 1 week of the start")
    second = one(LAC_RULE, LAC, [seen(2026, 11, 30), seen(2026, 12, 4)])
    assert (second.due_by, second.window) == (date(2027, 1, 15), "every 6 weeks")


def test_a_placement_day_visit_not_made_is_overdue_the_next_day():
    result = one(LAC_RULE, LAC, today=date(2026, 12, 1))
    assert (result.status, result.window) == ("overdue", "on the day of the start")


def test_a_late_visit_passes_the_deadlines_it_can_no_longer_meet():
    # First seen on day 10: the placement-day and one-week visits are both past, so the next
    # visit is 6 weeks after this one, not "within 1 week of the start" (already gone).
    result = one(LAC_RULE, LAC, [seen(2026, 12, 10)], today=date(2026, 12, 11))
    assert (result.due_by, result.status) == (date(2027, 1, 21), "ok")


def test_seeing_a_child_early_never_brings_the_next_deadline_forward():
    # 5 working days from Thu 24 Dec 2026 is Tue 5 Jan 2027; weekly from a visit that day is
    # Thu 31 Dec. The later date stands.
    rule = make_rule(Phase(first=(WD(5),), every=WEEKS(1)), episode="looked_after")
    christmas_eve = Episode("looked_after", date(2026, 12, 24))
    assert one(rule, christmas_eve).due_by == date(2027, 1, 5)
    assert one(rule, christmas_eve, [seen(2026, 12, 24)]).due_by == date(2027, 1, 5)
    assert one(rule, christmas_eve, [seen(2026, 12, 24), seen(2026, 12, 31)]).due_by == date(2027, 1, 7)


def test_a_one_off_visit_once_made_leaves_nothing_due():
    rule = make_rule(Phase(first=(WD(5),)), episode="assessment")
    episode = Episode("assessment", date(2026, 12, 23))
    assert one(rule, episode, today=date(2026, 12, 30)).due_by == date(2027, 1, 4)
    met = one(rule, episode, [seen(2026, 12, 29)], today=date(2027, 2, 1))
    assert (met.due_by, met.status, met.last_met_on, met.window) == (None, "ok", date(2026, 12, 29), "met")
    assert met.to_dict()["due_by"] is None


def test_the_rule_may_count_from_another_date_which_falls_back_to_the_start():
    rule = make_rule(Phase(first=(WD(5),)), episode="assessment", start="allocated_on")
    allocated = Episode("assessment", date(2026, 12, 1), details={"allocated_on": date(2026, 12, 23)})
    assert one(rule, allocated).due_by == date(2027, 1, 4)
    assert one(rule, Episode("assessment", date(2026, 12, 1))).due_by == date(2026, 12, 8)


# -- phases --------------------------------------------------------------------------------

UNTIL_REVIEW = make_rule(Phase(every=WD(10), until=FIRST_REVIEW), Phase(every=WD(15)))


def test_the_phase_containing_the_last_visit_sets_the_interval():
    reviewed = Episode("child_protection_plan", date(2026, 11, 4), first_review_on=date(2026, 12, 14))
    assert one(UNTIL_REVIEW, reviewed, [seen(2026, 12, 11)]).due_by == date(2026, 12, 29)
    assert one(UNTIL_REVIEW, reviewed, [seen(2026, 12, 14)]).due_by == date(2027, 1, 7)


def test_without_a_review_the_first_phase_runs_on():
    assert one(UNTIL_REVIEW, CP, [seen(2027, 3, 1)]).due_by == date(2027, 3, 15)


def test_a_phase_measured_from_the_start():
    rule = make_rule(Phase(every=WEEKS(6), until=MONTHS(12)), Phase(every=WEEKS(12)), episode="looked_after")
    episode = Episode("looked_after", date(2026, 1, 31))
    assert one(rule, episode, [seen(2027, 1, 30)]).due_by == date(2027, 3, 13)
    assert one(rule, episode, [seen(2027, 1, 31)]).due_by == date(2027, 4, 25)


# -- status --------------------------------------------------------------------------------


def test_due_soon_within_five_working_days():
    rule = make_rule(Phase(every=WD(10)))
    # Due Mon 11 Jan 2027. Five working days after Wed 30 Dec are 31 Dec, 4, 5, 6, 7 Jan.
    visits = [seen(2026, 12, 23)]
    assert one(rule, CP, visits, today=date(2026, 12, 30)).status == "ok"
    assert one(rule, CP, visits, today=date(2026, 12, 31)).status == "ok"
    assert one(rule, CP, visits, today=date(2027, 1, 4)).status == "due_soon"
    assert one(rule, CP, visits, today=date(2027, 1, 11)).status == "due_soon"
    assert one(rule, CP, visits, today=date(2027, 1, 12)).status == "overdue"


def test_good_practice_makes_it_due_soon_earlier_but_never_overdue():
    rule = make_rule(Phase(every=WD(30, gp=WEEKS(4))), episode="child_in_need_plan")
    episode = Episode("child_in_need_plan", date(2027, 1, 4))
    visits = [seen(2027, 3, 1)]
    result = one(rule, episode, visits, today=date(2027, 3, 28))
    # 30 working days from Mon 1 Mar 2027, skipping Good Friday and Easter Monday: Wed 14 Apr.
    assert (result.due_by, result.good_practice_by, result.status) == (date(2027, 4, 14), date(2027, 3, 29), "ok")
    assert one(rule, episode, visits, today=date(2027, 3, 29)).status == "due_soon"
    assert one(rule, episode, visits, today=date(2027, 4, 14)).status == "due_soon"
    assert one(rule, episode, visits, today=date(2027, 4, 15)).status == "overdue"


# -- which rule applies --------------------------------------------------------------------


def test_the_rule_with_most_conditions_that_hold_wins():
    general = make_rule(Phase(every=WEEKS(6)), rule_id="general", episode="looked_after")
    relaxed = make_rule(Phase(every=WEEKS(12)), rule_id="relaxed", episode="looked_after",
                        conditions={"permanence_agreed": True, "placement_type": ["foster", "kinship"]})
    schedule = Schedule(rules=(relaxed, general))
    matched = Episode("looked_after", date(2026, 1, 5), details={"permanence_agreed": True, "placement_type": "kinship"})
    [result] = evaluate_schedule(schedule, matched, [], date(2026, 2, 1))
    assert result.rule.id == "relaxed"
    residential = Episode("looked_after", date(2026, 1, 5), details={"permanence_agreed": True, "placement_type": "residential"})
    assert evaluate_schedule(schedule, residential, [], date(2026, 2, 1))[0].rule.id == "general"
    unknown = Episode("looked_after", date(2026, 1, 5))
    assert evaluate_schedule(schedule, unknown, [], date(2026, 2, 1))[0].rule.id == "general"


def test_equally_specific_rules_the_stricter_applies():
    with_parents = make_rule(Phase(every=WEEKS(4)), rule_id="with_parents", episode="looked_after",
                             conditions={"placed_with_parents": True})
    on_plan = make_rule(Phase(every=WD(20)), rule_id="on_plan", episode="looked_after",
                        conditions={"child_protection_plan": True})
    both = Episode("looked_after", date(2027, 1, 4), details={"placed_with_parents": True, "child_protection_plan": True})
    schedule = Schedule(rules=(with_parents, on_plan))
    # 4 weeks: Mon 1 Feb. 20 working days: Mon 1 Feb too, so file order keeps the first.
    assert evaluate_schedule(schedule, both, [], date(2027, 1, 5))[0].rule.id == "with_parents"
    # Over Easter 2027 the 20 working days run two days longer than 4 weeks.
    easter = Episode("looked_after", date(2027, 3, 15), details=both.details)
    assert evaluate_schedule(schedule, easter, [], date(2027, 3, 16))[0].rule.id == "with_parents"
    assert evaluate_schedule(Schedule(rules=(on_plan, with_parents)), easter, [], date(2027, 3, 16))[0].rule.id == "with_parents"


def test_age_conditions_use_the_age_today():
    young = make_rule(Phase(every=MONTHS(2)), rule_id="under_21", episode="care_leaver", conditions={"age_below": 21})
    older = make_rule(Phase(every=MONTHS(3)), rule_id="from_21", episode="care_leaver", conditions={"age_from": 21})
    schedule = Schedule(rules=(young, older))
    leaver = Episode("care_leaver", date(2024, 1, 10))
    born = date(2006, 1, 10)
    assert evaluate_schedule(schedule, leaver, [], date(2027, 1, 9), date_of_birth=born)[0].rule.id == "under_21"
    assert evaluate_schedule(schedule, leaver, [], date(2027, 1, 10), date_of_birth=born)[0].rule.id == "from_21"
    assert evaluate_schedule(schedule, leaver, [], date(2027, 1, 10)) == []


def test_requirements_come_in_a_fixed_order_and_other_episodes_are_ignored():
    rules = (
        make_rule(Phase(every=MONTHS(3)), rule_id="bedroom", episode="looked_after", requirement="bedroom_seen",
                  counts=("bedroom_seen",)),
        make_rule(Phase(every=WEEKS(6)), rule_id="visit", episode="looked_after"),
        make_rule(Phase(every=WD(10)), rule_id="cp", episode="child_protection_plan"),
    )
    results = evaluate_schedule(Schedule(rules=rules), LAC, [], date(2026, 12, 1))
    assert [(r.rule.id, r.requirement) for r in results] == [("visit", "visit"), ("bedroom", "bedroom_seen")]


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, details, words",
    [
        ("holiday", {}, "episode.kind 'holiday' is not one of"),
        ("looked_after", {"colour": "red"}, "episode.details.colour is not a fact"),
        ("looked_after", {"placement_type": "castle"}, "episode.details.placement_type 'castle' is not one of"),
        ("looked_after", {"permanence_agreed": "yes"}, "episode.details.permanence_agreed must be a bool"),
        ("child_in_need_plan", {"cin_level": True}, "episode.details.cin_level must be a whole number"),
        ("looked_after", {"placement_started_on": "2026-01-01"}, "episode.details.placement_started_on must be a date"),
    ],
)
def test_an_episode_the_engine_does_not_understand_is_refused(kind, details, words):
    with pytest.raises(ScheduleInputError, match=words):
        Episode(kind, date(2026, 1, 1), details=details)
