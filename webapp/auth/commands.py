"""`flask users create`: add a person who can sign in, or change an existing one."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.auth.passwords import password_problem
from webapp.auth.service import find_user, forget_attempts, normalise_email
from webapp.extensions import db
from webapp.models import Role, Team, User

users_cli = AppGroup("users", help="Manage the people who can sign in.")

ROLES = [role.value for role in Role]


def save_user(email: str, role: str, team: Team | None, name: str | None, password: str | None) -> tuple[User, bool]:
    """Create the user, or update the role, team, name and password of an existing one.

    A password of None leaves the person to sign in with the council's account only.
    """
    problem = password_problem(password) if password is not None else None
    if problem:
        raise ValueError(problem)
    user = find_user(email)
    created = user is None
    if user is None:
        user = User(email=normalise_email(email), name=name or email.split("@")[0])
        db.session.add(user)
    elif name:
        user.name = name
    user.role = role
    user.team = team
    user.active = True
    if password is None:
        if user.password_hash:
            user.end_sessions()  # sessions begun with the password end with it
        user.password_hash = None
    else:
        user.set_password(password)
    db.session.commit()
    forget_attempts(email)
    return user, created


@users_cli.command("create")
@click.option("--email", required=True, help="The address the person signs in with.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--team", "team_name", default=None, help="The team's name (not needed for an admin).")
@click.option("--name", default=None, help="The person's full name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option(
    "--no-password", is_flag=True,
    help="Sign in with the council's account only (single sign-on); removes any password.",
)
def create_command(
    email: str, role: str, team_name: str | None, name: str | None, password_stdin: bool, no_password: bool
) -> None:
    """Create a user, or update the role, team and password of an existing one."""
    if "@" not in email:
        raise click.BadParameter("not an email address", param_hint="--email")
    team = None
    if team_name:
        team = db.session.scalar(select(Team).where(Team.name == team_name))
        if team is None:
            raise click.ClickException(
                f"no team named {team_name!r}; teams come from `flask caseload import`"
            )
    elif role != Role.ADMIN.value:
        raise click.UsageError("--team is required for practitioners and managers")
    if no_password and password_stdin:
        raise click.UsageError("--no-password and --password-stdin cannot go together")
    if no_password:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, created = save_user(email, role, team, name, password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    team_words = f" in {team.name}" if team else ""
    click.echo(f"{'Created' if created else 'Updated'} {user.email}: {user.role}{team_words}")


@users_cli.command("switch-off")
@click.option("--email", required=True, help="The address the person signs in with.")
def switch_off_command(email: str) -> None:
    """Stop a person signing in, and end every session they have, on every device."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no user with the email address {email!r}")
    user.switch_off()
    db.session.commit()
    click.echo(f"Switched off {user.email}: their sessions have ended, and they cannot sign in")
