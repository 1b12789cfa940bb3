"""`flask demo-data`: teams in all five authorities, people to sign in as, children and past records.

The past records go through the same sync service that devices use, each with the server's
clock set to when it "arrived", so their verdicts are real verdicts.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from webapp import policies as policy_registry
from webapp.auth.commands import save_user
from webapp.clock import server_now
from webapp.extensions import db
from webapp.models import Child, Role, Team, User
from webapp.sync.ingest import ingest
from webapp.timeliness import LONDON, iso_utc
from webapp.visits import demo as demo_episodes
from webapp.visits import schedules

DEMO_PASSWORD = "demo-visits-2026"
ADMIN_EMAIL = "admin@demo.example"


@dataclass(frozen=True)
class DemoTeam:
    name: str
    authority: str
    service: str
    prefix: str
    practitioners: tuple[tuple[str, str], ...]  # (email, name)
    manager: tuple[str, str]


TEAMS = (
    DemoTeam("Norwich Children's Team", "norfolk", "children_social_care", "NOR",
             (("asha@norfolk.demo.example", "Asha Patel"), ("ben@norfolk.demo.example", "Ben Clarke")),
             ("grace@norfolk.demo.example", "Grace Obi")),
    DemoTeam("Family Safeguarding Team A", "lcs-model", "children_social_care", "LCS",
             (("chloe@lcs.demo.example", "Chloe Evans"), ("dev@lcs.demo.example", "Dev Sharma")),
             ("hannah@lcs.demo.example", "Hannah Reid")),
    DemoTeam("Halifax Practice Team", "calderdale", "children_social_care", "CAL",
             (("erin@calderdale.demo.example", "Erin Walsh"), ("faisal@calderdale.demo.example", "Faisal Khan")),
             ("ian@calderdale.demo.example", "Ian Murray")),
    DemoTeam("Romford Early Help", "havering", "early_help", "HAV",
             (("jade@havering.demo.example", "Jade Thompson"), ("kofi@havering.demo.example", "Kofi Mensah")),
             ("lena@havering.demo.example", "Lena Novak")),
    DemoTeam("Nuneaton Children and Families", "warwickshire", "children_social_care", "WAR",
             (("maya@warwickshire.demo.example", "Maya Singh"), ("noah@warwickshire.demo.example", "Noah Brown")),
             ("olivia@warwickshire.demo.example", "Olivia Hughes")),
)

FIRST_NAMES = (
    "Amelia", "Aiden", "Bella", "Caleb", "Daisy", "Ethan", "Freya", "George", "Harper", "Isaac",
    "Isla", "Jacob", "Kayla", "Leo", "Lily", "Mason", "Nia", "Oscar", "Poppy", "Reuben",
    "Sofia", "Theo", "Ava", "Zain", "Maryam",
)
SURNAMES = (
    "Adams", "Bailey", "Carter", "Davies", "Edwards", "Fisher", "Green", "Hall", "Iqbal", "Jones",
    "King", "Lewis", "Moore", "Nowak", "Owen", "Price", "Quinn", "Roberts", "Smith", "Turner",
)
STATUS_MIX = (
    ["child_protection"], ["child_in_need"], ["looked_after"], ["child_in_need"], ["care_leaver"],
    ["child_protection", "child_in_need"], ["looked_after"], ["child_in_need"], ["early_help"], ["child_protection"],
)


def demo_sign_ins() -> list[tuple[str, str, str]]:
    """(email, role, team) of every demo account; they all use DEMO_PASSWORD."""
    rows = [(ADMIN_EMAIL, Role.ADMIN.value, "")]
    for team in TEAMS:
        rows += [(email, Role.PRACTITIONER.value, team.name) for email, _ in team.practitioners]
        rows.append((team.manager[0], Role.MANAGER.value, team.name))
    return rows


def load_demo_data(now: datetime, seed: int = 2026) -> int:
    """Create the demo teams, people, children and past records; returns how many records."""
    rng = random.Random(seed)
    policies = policy_registry.every_policy()
    admin, _ = save_user(ADMIN_EMAIL, Role.ADMIN.value, None, "Demo Admin", DEMO_PASSWORD)
    # Every demo account has the same password: hash it once, as scrypt is slow on purpose.
    password_hash = admin.password_hash

    def demo_user(email: str, role: str, team: Team, name: str) -> User:
        user = User(email=email, name=name, role=role, team=team, password_hash=password_hash)
        db.session.add(user)
        return user

    caseloads: list[tuple[User, Child]] = []
    number = 0
    for demo in TEAMS:
        team = Team(name=demo.name, authority=demo.authority, service=demo.service)
        db.session.add(team)
        db.session.flush()
        demo_user(demo.manager[0], Role.MANAGER.value, team, demo.manager[1])
        for email, name in demo.practitioners:
            practitioner = demo_user(email, Role.PRACTITIONER.value, team, name)
            for _ in range(5):
                number += 1
                statuses = ["early_help"] if demo.service == "early_help" else STATUS_MIX[number % len(STATUS_MIX)]
                child = Child(
                    reference=f"{demo.prefix}-{number:04d}",
                    name=f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {SURNAMES[(number * 7) % len(SURNAMES)]}",
                    date_of_birth=date(2010, 1, 1) + timedelta(days=rng.randrange(0, 15 * 365)),
                    team=team,
                    practitioner=practitioner,
                )
                child.statuses = statuses
                db.session.add(child)
                caseloads.append((practitioner, child))
    today = now.astimezone(LONDON).date()
    unseen = demo_episodes.add_episodes([child for _, child in caseloads], policies, today, rng)
    db.session.commit()

    syncs = []
    for practitioner, child in caseloads:
        for _ in range(6):
            syncs.append(_past_sync(rng, now, practitioner, child))
    syncs = [sync for sync in syncs if demo_episodes.keep_record(sync[2]["records"][0], unseen)]
    syncs.append(_clock_changed_sync(now, *caseloads[0]))
    syncs.sort(key=lambda item: item[0])
    for received_at, practitioner, envelope in syncs:
        ingest(practitioner, envelope, received_at, policies=policies, commit=False)
    # Children not visited in the demo's six weeks still have due dates, as of today.
    schedules.refresh([child.id for _, child in caseloads], today, policies)
    db.session.commit()  # one transaction: hundreds of commits would make first start slow
    return len(syncs)


def _past_sync(rng: random.Random, now: datetime, practitioner: User, child: Child):
    """A record written in the last six weeks, and the sync request that brought it in."""
    day = now.astimezone(LONDON).date() - timedelta(days=rng.randrange(3, 43))
    if day.weekday() >= 5 and rng.random() < 0.8:
        day -= timedelta(days=day.weekday() - 4)  # mostly weekdays
    event_at = datetime.combine(day, time(rng.randrange(9, 17), rng.choice((0, 15, 30, 45))), LONDON)
    # Most records are finished within hours; some days later. Most reach the server within
    # minutes of being finished; some wait days for a signal.
    written_after = timedelta(hours=rng.choice((1, 2, 3, 5, 20, 26, 50, 75, 100)))
    synced_after = timedelta(minutes=rng.choice((2, 5, 10, 30, 60 * 20, 60 * 50, 60 * 80)))
    # Everything happened in the past, in order: the visit, then finishing it, then sending it.
    last_moment = now - timedelta(minutes=1)
    completed_at = min(event_at + written_after, last_moment - timedelta(minutes=1))
    received_at = min(completed_at + synced_after, last_moment)
    # The tablet's clock is off by the same amount when it stamps the record and when it
    # sends it, so the server's correction recovers the true finishing time.
    skew = timedelta(minutes=rng.choice((0, 0, 0, 0, 1, -2, 12)))
    is_visit = rng.random() < 0.65
    record_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    fields = _visit_fields(rng, child) if is_visit else _case_note_fields(rng)
    return received_at, practitioner, _envelope(
        practitioner, child, record_id, "visit" if is_visit else "case_note", fields,
        event_at, completed_at - skew, received_at - skew,
    )


# The demo's one record whose cause is unknown, on purpose: the tablet's date was a day behind
# while the visit was written up, and was put right before the record was sent. So the tablet
# stamped it finished the day before the visit, and nobody can tell when it really was.
CLOCK_CHANGED_RECORD_ID = "8a1f4b2e-0c3d-4e5f-9a6b-7c8d9e0f1a2b"


def _clock_changed_sync(now: datetime, practitioner: User, child: Child):
    """A visit written up 2 hours after it took place, sent 10 days later, stamped a day early."""
    day = now.astimezone(LONDON).date() - timedelta(days=14)
    event_at = datetime.combine(day, time(10, 0), LONDON)
    completed_at = event_at + timedelta(hours=2)
    received_at = event_at + timedelta(days=10)
    return received_at, practitioner, _envelope(
        practitioner, child, CLOCK_CHANGED_RECORD_ID, "visit", _visit_fields(random.Random(0), child),
        event_at, completed_at - timedelta(days=1), received_at,
    )


def _envelope(
    practitioner: User, child: Child, record_id: str, record_type: str, fields: dict,
    event_at: datetime, stamped_completed_at: datetime, device_now: datetime,
) -> dict:
    """A sync request carrying one record, with the tablet's own clock readings."""
    return {
        "device_id": f"demo-tablet-{practitioner.id}",
        "device_now": iso_utc(device_now),
        "records": [{
            "id": record_id,
            "child_id": child.reference,
            "record_type": record_type,
            "event_at": iso_utc(event_at),
            "completed_at": iso_utc(stamped_completed_at),
            "child_protection": child.on_child_protection_plan,
            "fields": fields,
        }],
    }


def _visit_fields(rng: random.Random, child: Child) -> dict:
    visit_type = {
        "child_protection": "statutory_child_protection",
        "looked_after": "looked_after",
        "care_leaver": "care_leaver",
        "early_help": "early_help",
    }.get(child.statuses[0] if child.statuses else "", "child_in_need")
    seen = rng.random() < 0.9
    fields = {
        "visit_type": visit_type,
        "announced": rng.choice(("announced", "unannounced")),
        "child_seen": seen,
        "present": "Parent and child",
        "childs_words": "Said school was going better this week.",
        "observations": "Home warm and tidy. Food in the fridge.",
        "analysis": "No new concerns; the plan is working.",
        "actions": "Next visit in two weeks; speak to the school.",
    }
    if seen:
        fields["seen_alone"] = rng.random() < 0.7
    else:
        fields["child_not_seen_reason"] = "Child was at a friend's house; visit rearranged."
    if "looked_after" in child.statuses:
        fields["bedroom_seen"] = True
    return fields


def _case_note_fields(rng: random.Random) -> dict:
    return {
        "note_type": rng.choice(("phone_call", "email", "professional_contact")),
        "text": "Spoke with the school's designated safeguarding lead about attendance.",
    }


@click.command("demo-data")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing if anyone can sign in already.")
def demo_data_command(if_empty: bool) -> None:
    """Create demo teams, sign-ins, children and a few hundred past records."""
    if db.session.scalar(select(User.id).limit(1)) is not None:
        if if_empty:
            click.echo("Users exist already; no demo data added.")
            return
        if db.session.scalar(select(Team.id).where(Team.name == TEAMS[0].name)) is not None:
            raise click.ClickException("the demo data is loaded already")
    count = load_demo_data(server_now())
    click.echo(f"Demo data: {len(TEAMS)} teams, {len(TEAMS) * 10} children, {count} records.")
    click.echo(f"Sign in as any of these with the password {DEMO_PASSWORD}:")
    for email, role, team in demo_sign_ins():
        click.echo(f"  {email:34} {role:13} {team}")
