"""Worked examples from the seed text, through each authority's own policy file.

Every expected date was counted by hand from the source line the rule quotes. Bank holidays:
Christmas Day Fri 25 Dec 2026, Boxing Day's substitute Mon 28 Dec 2026, New Year's Day Fri 1 Jan
2027, Good Friday 26 Mar 2027, Easter Monday 29 Mar 2027.
"""

from __future__ import annotations

from datetime import date

import pytest

from webapp.timeliness import load_catalogue, load_policies
from webapp.timeliness.policy import POLICY_DIR, SOURCES_DIR
from webapp.timeliness import Episode, Visit, evaluate_schedule, schedule_coverage

from .helpers import london

CATALOGUE_VISIT_FREQUENCY_RULES = 76


@pytest.fixture(scope="module")
def policies():
    return load_policies(POLICY_DIR)


def d(text: str) -> date:
    return date.fromisoformat(text)


def visit(day: str, hour: int = 11, **qualifiers) -> Visit:
    year, month, dom = map(int, day.split("-"))
    return Visit(at=london(year, month, dom, hour), child_seen=qualifiers.pop("child_seen", True), **qualifiers)


def episode(kind: str, started_on: str, first_review_on: str | None = None, **details) -> Episode:
    details = {name: d(value) if name.endswith("_on") else value for name, value in details.items()}
    return Episode(kind, d(started_on), d(first_review_on) if first_review_on else None, details)


# (authority, episode, visits, today, date of birth, requirement, rule id, due_by, status)
EXAMPLES = [
    # -- Norfolk ---------------------------------------------------------------------------
    pytest.param(
        # "Minimum 2 weekly (10 working days)": seen Wed 23 Dec; skip 25, 28 Dec and 1 Jan.
        "norfolk", episode("child_protection_plan", "2026-12-01"), [visit("2026-12-23")], "2026-12-30", None,
        "visit", "norfolk_sched_child_protection", "2027-01-11", "ok", id="norfolk-cp-christmas-ok"),
    pytest.param(
        # 2 weeks (good practice) from 23 Dec is Wed 6 Jan: due soon from then.
        "norfolk", episode("child_protection_plan", "2026-12-01"), [visit("2026-12-23")], "2027-01-06", None,
        "visit", "norfolk_sched_child_protection", "2027-01-11", "due_soon", id="norfolk-cp-two-weeks-due-soon"),
    pytest.param(
        "norfolk", episode("child_protection_plan", "2026-12-01"), [visit("2026-12-23")], "2027-01-12", None,
        "visit", "norfolk_sched_child_protection", "2027-01-11", "overdue", id="norfolk-cp-overdue"),
    pytest.param(
        # A visit where the child was not seen does not reset the clock.
        "norfolk", episode("child_protection_plan", "2026-12-01"),
        [visit("2026-12-23"), visit("2027-01-08", child_seen=False)], "2027-01-12", None,
        "visit", "norfolk_sched_child_protection", "2027-01-11", "overdue", id="norfolk-cp-not-seen"),
    pytest.param(
        # "Minimum 6 weekly (30 working days)": from Mon 1 Mar 2027 past Easter, Wed 14 Apr.
        # Good practice 4 weeks: Mon 29 Mar.
        "norfolk", episode("child_in_need_plan", "2027-01-04"), [visit("2027-03-01")], "2027-03-29", None,
        "visit", "norfolk_sched_child_in_need", "2027-04-14", "due_soon", id="norfolk-cin-easter"),
    pytest.param(
        "norfolk", episode("child_in_need_plan", "2027-01-04"), [visit("2027-03-01")], "2027-03-26", None,
        "visit", "norfolk_sched_child_in_need", "2027-04-14", "ok", id="norfolk-cin-before-good-practice"),
    pytest.param(
        # "On day of placement": placed Fri 18 Dec 2026, not seen that day.
        "norfolk", episode("looked_after", "2026-12-18"), [], "2026-12-19", None,
        "visit", "norfolk_sched_looked_after", "2026-12-18", "overdue", id="norfolk-lac-placement-day"),
    pytest.param(
        # Seen on the day and within one week; then 6 weekly: 7 Dec + 6 weeks = Mon 18 Jan.
        # Best practice in the first year is 4 weeks: Mon 4 Jan, so due soon that day.
        "norfolk", episode("looked_after", "2026-11-30"), [visit("2026-11-30"), visit("2026-12-07")], "2027-01-04", None,
        "visit", "norfolk_sched_looked_after", "2027-01-18", "due_soon", id="norfolk-lac-six-weekly"),
    pytest.param(
        # A new placement (placement_started_on) restarts the placement-day visit.
        "norfolk", episode("looked_after", "2025-06-02", placement_started_on="2026-12-24"),
        [visit("2026-12-10")], "2026-12-24", None,
        "visit", "norfolk_sched_looked_after", "2026-12-24", "due_soon", id="norfolk-lac-new-placement"),
    pytest.param(
        # Matched for permanence in a foster placement: 12 weekly. 4 Jan 2027 + 12 weeks = 29 Mar (Easter Monday).
        "norfolk", episode("looked_after", "2026-12-21", permanence_agreed=True, placement_type="foster"),
        [visit("2026-12-21"), visit("2027-01-04")], "2027-03-01", None,
        "visit", "norfolk_sched_looked_after_permanence", "2027-03-29", "ok", id="norfolk-lac-permanence"),
    pytest.param(
        # Bedroom "no less than 3 monthly": 30 Nov 2026 + 3 months = 28 Feb 2027 (February is shorter).
        "norfolk", episode("looked_after", "2026-11-30"), [visit("2026-11-30", bedroom_seen=True)], "2027-03-01", None,
        "bedroom_seen", "norfolk_sched_looked_after_bedroom", "2027-02-28", "overdue", id="norfolk-bedroom-month-end"),
    pytest.param(
        # Seen alone (aged 4 and above): a visit not alone does not count.
        "norfolk", episode("looked_after", "2026-11-30"),
        [visit("2026-11-30", seen_alone=True), visit("2027-02-15", seen_alone=False)], "2027-02-22", "2016-05-01",
        "seen_alone", "norfolk_sched_looked_after_seen_alone", "2027-02-28", "due_soon", id="norfolk-seen-alone"),
    pytest.param(
        # Unannounced: 31 Jan 2027 + 3 months = 30 Apr 2027.
        "norfolk", episode("looked_after", "2027-01-25"), [visit("2027-01-31", announced=False)], "2027-02-01", None,
        "unannounced_visit", "norfolk_sched_looked_after_unannounced", "2027-04-30", "ok", id="norfolk-unannounced"),
    pytest.param(
        # Care leaver under 21: within 7 days of the move (Wed 23 Dec -> Wed 30 Dec), then within 28 days
        # of it (Wed 20 Jan 2027).
        "norfolk", episode("care_leaver", "2024-06-01", accommodation_changed_on="2026-12-23"),
        [visit("2026-12-29")], "2027-01-14", "2006-06-01",
        "visit", "norfolk_sched_care_leaver_to_21", "2027-01-20", "due_soon", id="norfolk-care-leaver-28-days"),
    pytest.param(
        # ...then at least every 2 months: 15 Jan + 2 months = 15 Mar 2027.
        "norfolk", episode("care_leaver", "2024-06-01", accommodation_changed_on="2026-12-23"),
        [visit("2026-12-29"), visit("2027-01-15")], "2027-01-15", "2006-06-01",
        "visit", "norfolk_sched_care_leaver_to_21", "2027-03-15", "ok", id="norfolk-care-leaver-2-monthly"),
    pytest.param(
        # From the 21st birthday the 21-25 rule applies: 3 monthly, 15 Jan + 3 months = 15 Apr.
        "norfolk", episode("care_leaver", "2024-06-01", accommodation_changed_on="2026-12-23"),
        [visit("2026-12-29"), visit("2027-01-15")], "2027-01-15", "2006-01-15",
        "visit", "norfolk_sched_care_leaver_21_to_25", "2027-04-15", "ok", id="norfolk-care-leaver-21"),
    pytest.param(
        # Adoption: weekly until the first review (Mon 29 Mar 2027). Seen on Good Friday, the day
        # before the review: still weekly, Fri 2 Apr.
        "norfolk", episode("looked_after", "2027-03-01", "2027-03-29", placement_type="adoption"),
        [visit("2027-03-05"), visit("2027-03-12"), visit("2027-03-19"), visit("2027-03-26")], "2027-03-29", None,
        "visit", "norfolk_sched_adoption", "2027-04-02", "due_soon", id="norfolk-adoption-before-review"),
    pytest.param(
        # Seen on the review day: 6 weekly, Mon 10 May 2027.
        "norfolk", episode("looked_after", "2027-03-01", "2027-03-29", placement_type="adoption"),
        [visit("2027-03-05"), visit("2027-03-29")], "2027-03-30", None,
        "visit", "norfolk_sched_adoption", "2027-05-10", "ok", id="norfolk-adoption-after-review"),
    pytest.param(
        # Family Support: first child-seen visit within 10 working days of the contact with CADS
        # (Mon 14 Dec 2026): 15-18, 21-24, 29, 30 -> Wed 30 Dec.
        "norfolk", episode("early_help", "2026-12-14"), [], "2026-12-31", None,
        "visit", "norfolk_sched_early_help", "2026-12-30", "overdue", id="norfolk-family-support"),
    # -- the model framework (LCS) ----------------------------------------------------------
    pytest.param(
        # Section 47: "Within in 1 day": referral Thu 31 Dec 2026, due New Year's Day (calendar days).
        "lcs-model", episode("child_protection_enquiry", "2026-12-31"), [], "2027-01-01", None,
        "visit", "lcs_model_sched_section_47_initial_visit", "2027-01-01", "due_soon", id="lcs-s47-new-year"),
    pytest.param(
        "lcs-model", episode("assessment", "2026-12-21"), [], "2026-12-29", None,
        "visit", "lcs_model_sched_assessment_initial_visit", "2026-12-28", "overdue", id="lcs-cin-7-days"),
    pytest.param(
        # After the conference the visit within 3 days is a one-off: once made, nothing is due.
        "lcs-model", episode("child_protection_plan", "2026-12-29"), [visit("2026-12-31")], "2027-02-01", None,
        "visit", "lcs_model_sched_child_protection_after_conference", None, "ok", id="lcs-after-conference-met"),
    # -- Calderdale ------------------------------------------------------------------------
    pytest.param(
        # timeliness.md: plan Wed 4 Nov 2026, no visit: due Wed 18 Nov 2026.
        "calderdale", episode("child_protection_plan", "2026-11-04"), [], "2026-11-19", None,
        "visit", "calderdale_sched_child_protection", "2026-11-18", "overdue", id="calderdale-cp-first"),
    pytest.param(
        # Before the first review (Mon 14 Dec) 10 working days: from Fri 11 Dec, Tue 29 Dec.
        "calderdale", episode("child_protection_plan", "2026-11-04", "2026-12-14"), [visit("2026-12-11")],
        "2026-12-14", None, "visit", "calderdale_sched_child_protection", "2026-12-29", "ok", id="calderdale-cp-before-review"),
    pytest.param(
        # From the review day 15 working days: from Mon 14 Dec, Thu 7 Jan 2027.
        "calderdale", episode("child_protection_plan", "2026-11-04", "2026-12-14"), [visit("2026-12-14")],
        "2026-12-14", None, "visit", "calderdale_sched_child_protection", "2027-01-07", "ok", id="calderdale-cp-after-review"),
    pytest.param(
        # Placement Thu 24 Dec 2026: within 5 working days is Tue 5 Jan 2027. Seen on the 24th,
        # weekly would be 31 Dec, but seeing a child early never brings the deadline forward.
        "calderdale", episode("looked_after", "2026-12-24"), [visit("2026-12-24")], "2026-12-29", None,
        "visit", "calderdale_sched_looked_after", "2027-01-05", "due_soon", id="calderdale-cla-christmas"),
    pytest.param(
        # Weekly for the first 4 weeks (to Thu 21 Jan): seen Wed 20 Jan, due Wed 27 Jan.
        "calderdale", episode("looked_after", "2026-12-24"), [visit("2026-12-24"), visit("2027-01-05"), visit("2027-01-20")],
        "2027-01-20", None, "visit", "calderdale_sched_looked_after", "2027-01-27", "due_soon", id="calderdale-cla-week-4"),
    pytest.param(
        # Seen on Thu 21 Jan, four weeks in: 6 weekly, Thu 4 Mar.
        "calderdale", episode("looked_after", "2026-12-24"), [visit("2026-12-24"), visit("2027-01-05"), visit("2027-01-21")],
        "2027-01-21", None, "visit", "calderdale_sched_looked_after", "2027-03-04", "ok", id="calderdale-cla-after-4-weeks"),
    pytest.param(
        # Placed for adoption, after the first review: monthly. Sun 31 Jan + 1 month = Sun 28 Feb.
        "calderdale", episode("looked_after", "2027-01-04", "2027-01-25", placement_type="adoption"),
        [visit("2027-01-08"), visit("2027-01-31")], "2027-03-01", None,
        "visit", "calderdale_sched_adoption", "2027-02-28", "overdue", id="calderdale-adoption-month-end"),
    pytest.param(
        # A disabled child at CIN level 3: 12 weekly. Mon 4 Jan + 12 weeks = Mon 29 Mar (Easter
        # Monday; weeks are calendar weeks, so the holiday changes nothing).
        "calderdale", episode("child_in_need_plan", "2026-11-02", cin_level=3, disability=True), [visit("2027-01-04")],
        "2027-03-22", None, "visit", "calderdale_sched_child_in_need_level_3_disability", "2027-03-29", "due_soon",
        id="calderdale-cin-level-3-disability"),
    pytest.param(
        "calderdale", episode("child_in_need_plan", "2026-11-02", cin_level=4), [visit("2027-01-04")],
        "2027-01-05", None, "visit", "calderdale_sched_child_in_need", "2027-02-01", "ok", id="calderdale-cin-level-4"),
    pytest.param(
        # 18 to 21: seen within 4 months (31 Oct + 4 = 28 Feb 2027); contact every 2 months
        # (31 Dec) makes it due soon.
        "calderdale", episode("care_leaver", "2025-01-01"), [visit("2026-10-31")], "2026-12-31", "2007-05-01",
        "visit", "calderdale_sched_care_leaver_18_to_21", "2027-02-28", "due_soon", id="calderdale-care-leaver-18-21"),
    # -- Havering --------------------------------------------------------------------------
    pytest.param(
        # Seen within 3 working days of allocation (Wed 23 Dec): 24, 29, 30 -> Wed 30 Dec.
        "havering", episode("assessment", "2026-12-21", allocated_on="2026-12-23"), [], "2026-12-30", None,
        "visit", "havering_sched_assessment_initial_visit", "2026-12-30", "due_soon", id="havering-assessment-christmas"),
    pytest.param(
        # Safeguarding: within 24 hours of the contact on Christmas Eve, so by Christmas Day.
        "havering", episode("child_protection_enquiry", "2026-12-24"), [visit("2026-12-25", child_seen=False)],
        "2026-12-26", None, "visit", "havering_sched_safeguarding_before_conference", "2026-12-25", "overdue",
        id="havering-safeguarding-christmas"),
    pytest.param(
        # Seen on Christmas Day: then at least 4 weekly until the conference, Fri 22 Jan 2027.
        "havering", episode("child_protection_enquiry", "2026-12-24"), [visit("2026-12-25")],
        "2026-12-26", None, "visit", "havering_sched_safeguarding_before_conference", "2027-01-22", "ok",
        id="havering-safeguarding-4-weekly"),
    pytest.param(
        # Early help: 5 working days (1 week) of allocation on Christmas Eve: Tue 5 Jan 2027;
        # the week ends on Thu 31 Dec, when the visit is due soon.
        "havering", episode("early_help", "2026-12-24"), [], "2026-12-31", None,
        "visit", "havering_sched_early_help_initial_visit", "2027-01-05", "due_soon", id="havering-early-help"),
    pytest.param(
        "havering", episode("early_help", "2026-12-24"), [], "2027-01-06", None,
        "visit", "havering_sched_early_help_initial_visit", "2027-01-05", "overdue", id="havering-early-help-overdue"),
    pytest.param(
        # Private fostering: 6 weekly in the first year (to 31 Mar 2027): seen 30 Mar, 11 May.
        "havering", episode("private_fostering", "2026-03-31"), [visit("2026-04-02"), visit("2027-03-30")],
        "2027-03-30", None, "visit", "havering_sched_private_fostering", "2027-05-11", "ok", id="havering-pf-first-year"),
    pytest.param(
        # Seen on 31 Mar 2027, a year on: 3 monthly, 30 Jun.
        "havering", episode("private_fostering", "2026-03-31"), [visit("2026-04-02"), visit("2027-03-31")],
        "2027-03-31", None, "visit", "havering_sched_private_fostering", "2027-06-30", "ok", id="havering-pf-after-a-year"),
    # -- Warwickshire ----------------------------------------------------------------------
    pytest.param(
        # Concerns identified Fri 18 Dec 2026: seen by Sat 19 Dec, then weekly before the ICPC.
        "warwickshire", episode("child_protection_enquiry", "2026-12-18"), [visit("2026-12-19")], "2026-12-21", None,
        "visit", "warwickshire_sched_child_protection_before_conference", "2026-12-26", "due_soon", id="warwickshire-pre-icpc"),
    pytest.param(
        # After the ICPC (Wed 16 Dec 2026), ten working days: seen that day, due Mon 4 Jan 2027.
        "warwickshire", episode("child_protection_plan", "2026-12-16"), [visit("2026-12-16")], "2026-12-22", None,
        "visit", "warwickshire_sched_child_protection", "2027-01-04", "ok", id="warwickshire-cp-christmas"),
    pytest.param(
        # Child in care placed Wed 24 Mar 2027, seen the same day: again within five working days,
        # skipping Good Friday and Easter Monday: Fri 2 Apr.
        "warwickshire", episode("looked_after", "2027-03-24"), [visit("2027-03-24")], "2027-03-30", None,
        "visit", "warwickshire_sched_children_in_care", "2027-04-02", "due_soon", id="warwickshire-cic-easter"),
    pytest.param(
        # Agreed at an All About Me Review: 12 weekly after the first 12 months (from 5 Jan 2027).
        "warwickshire", episode("looked_after", "2026-01-05", reduced_visiting_agreed=True),
        [visit("2026-01-05"), visit("2026-01-09"), visit("2027-01-05")], "2027-01-05", None,
        "visit", "warwickshire_sched_children_in_care_agreed", "2027-03-30", "ok", id="warwickshire-cic-12-weekly"),
    pytest.param(
        # ...the day before, still six weekly: 4 Jan + 6 weeks = 15 Feb.
        "warwickshire", episode("looked_after", "2026-01-05", reduced_visiting_agreed=True),
        [visit("2026-01-05"), visit("2026-01-09"), visit("2027-01-04")], "2027-01-05", None,
        "visit", "warwickshire_sched_children_in_care_agreed", "2027-02-15", "ok", id="warwickshire-cic-day-before"),
    pytest.param(
        # Placed with parents under a care order: monthly. Sun 31 Jan 2027 + 1 month = Sun 28 Feb.
        "warwickshire", episode("looked_after", "2027-01-25", placed_with_parents=True, legal_status="care_order"),
        [visit("2027-01-31")], "2027-02-22", None,
        "visit", "warwickshire_sched_with_parents_care_order", "2027-02-28", "due_soon", id="warwickshire-pwp-month-end"),
    pytest.param(
        # Another organisation provides the living arrangement: the child must be seen alone, so a
        # visit not alone leaves the five working days from Mon 4 Jan (Mon 11 Jan) unmet.
        "warwickshire", episode("looked_after", "2027-01-04", placement_type="other_organisation"),
        [visit("2027-01-06", seen_alone=False)], "2027-01-12", None,
        "visit", "warwickshire_sched_other_organisation", "2027-01-11", "overdue", id="warwickshire-seen-alone-counts"),
    pytest.param(
        "warwickshire", episode("child_in_need_plan", "2026-12-21", referral_on="2026-12-17"), [], "2026-12-22", None,
        "visit", "warwickshire_sched_child_in_need", "2026-12-22", "due_soon", id="warwickshire-cin-referral"),
]


@pytest.mark.parametrize(
    "authority, child_episode, visits, today, born, requirement, rule_id, due_by, status", EXAMPLES
)
def test_worked_example(policies, authority, child_episode, visits, today, born, requirement, rule_id, due_by, status):
    results = evaluate_schedule(
        policies[authority].schedule, child_episode, visits, d(today), date_of_birth=d(born) if born else None
    )
    by_requirement = {result.requirement: result for result in results}
    result = by_requirement[requirement]
    assert (result.rule.id, result.due_by, result.status) == (rule_id, d(due_by) if due_by else None, status)


def test_every_catalogued_visit_frequency_rule_is_accounted_for(policies):
    catalogue = load_catalogue(SOURCES_DIR)
    reports = [schedule_coverage(policy, catalogue) for policy in policies.values()]
    assert sum(report.total for report in reports) == CATALOGUE_VISIT_FREQUENCY_RULES
    for report in reports:
        assert report.missing == [], f"{report.authority}: visit-frequency rules not accounted for"
        accounted = len(report.encoded) + len(report.superseded) + len(report.not_encodable)
        assert accounted == report.total, report.authority


def test_every_reason_and_rule_cites_the_catalogue(policies):
    for policy in policies.values():
        schedule = policy.schedule
        assert schedule.rules, policy.authority
        for why in [item.why for item in schedule.superseded] + [item.reason for item in schedule.not_encodable]:
            assert len(why) > 30, why
        for rule in schedule.rules:
            assert rule.sources and all(source.quote for source in rule.sources)
