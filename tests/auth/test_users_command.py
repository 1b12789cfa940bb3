"""`flask users create`: create or update a person who can sign in."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import Factory
from webapp.extensions import db
from webapp.models import User


def user(app, email):
    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == email))
        return None if found is None else (found.role, found.team.name if found.team else None, found.name, found.password_hash)


def test_creates_a_user_with_a_password_from_stdin(app, runner):
    with app.app_context():
        make = Factory()
        make.team("Norwich", "norfolk")
    result = runner.invoke(
        args=["users", "create", "--email", "Asha@Norfolk.test", "--role", "practitioner", "--team", "Norwich",
              "--name", "Asha Patel", "--password-stdin"],
        input="a long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created asha@norfolk.test: practitioner in Norwich" in result.output
    role, team, name, password_hash = user(app, "asha@norfolk.test")
    assert (role, team, name) == ("practitioner", "Norwich", "Asha Patel")
    assert "a long password" not in password_hash


def test_updates_the_role_team_and_password_of_an_existing_user(app, runner, auth):
    with app.app_context():
        make = Factory()
        make.team("Norwich", "norfolk")
        make.team("Nuneaton", "warwickshire")
    base = ["users", "create", "--email", "asha@norfolk.test"]
    runner.invoke(args=base + ["--role", "practitioner", "--team", "Norwich", "--password-stdin"], input="first password\n")
    result = runner.invoke(args=base + ["--role", "manager", "--team", "Nuneaton"], input="second password\nsecond password\n")

    assert result.exit_code == 0, result.output
    assert "Updated asha@norfolk.test: manager in Nuneaton" in result.output
    assert user(app, "asha@norfolk.test")[:2] == ("manager", "Nuneaton")
    assert auth.sign_in("asha@norfolk.test", "first password").status_code == 200
    assert auth.sign_in("asha@norfolk.test", "second password").status_code == 302


def test_refuses_an_unknown_team_a_short_password_and_a_missing_team(app, runner):
    with app.app_context():
        make = Factory()
        make.team("Norwich", "norfolk")
    unknown = runner.invoke(args=["users", "create", "--email", "a@b.test", "--role", "practitioner",
                                  "--team", "Nowhere", "--password-stdin"], input="a long password\n")
    assert unknown.exit_code != 0 and "no team named 'Nowhere'" in unknown.output
    short = runner.invoke(args=["users", "create", "--email", "a@b.test", "--role", "practitioner",
                                "--team", "Norwich", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    missing = runner.invoke(args=["users", "create", "--email", "a@b.test", "--role", "manager", "--password-stdin"],
                            input="a long password\n")
    assert missing.exit_code != 0 and "--team is required" in missing.output
    assert user(app, "a@b.test") is None


def test_an_admin_needs_no_team(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "root@council.test", "--role", "admin",
                                 "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0, result.output
    assert user(app, "root@council.test")[:2] == ("admin", None)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("nine char", "at least 10 characters"),
        ("password123", "one of the most common passwords"),
        ("Qwertyuiop", "one of the most common passwords"),  # the deny-list ignores case
        ("1q2w3e4r5t", "one of the most common passwords"),
    ],
)
def test_refuses_short_and_common_passwords(app, runner, password, problem):
    result = runner.invoke(args=["users", "create", "--email", "root@council.test", "--role", "admin",
                                 "--password-stdin"], input=password + "\n")
    assert result.exit_code != 0 and problem in result.output
    assert user(app, "root@council.test") is None


@pytest.mark.parametrize("password", ["ten chars!", "alllowercaseletters", "kettle orchard lantern"])
def test_no_composition_rules_only_length_and_the_deny_list(app, runner, password):
    result = runner.invoke(args=["users", "create", "--email", "root@council.test", "--role", "admin",
                                 "--password-stdin"], input=password + "\n")
    assert result.exit_code == 0, result.output


def test_a_new_password_starts_the_sign_in_count_again(app, runner, auth):
    create = ["users", "create", "--email", "root@council.test", "--role", "admin", "--password-stdin"]
    runner.invoke(args=create, input="first passphrase\n")
    for _ in range(app.config["SIGN_IN_FREE_ATTEMPTS"]):
        auth.sign_in("root@council.test", "wrong")
    assert auth.sign_in("root@council.test", "first passphrase").status_code == 429
    runner.invoke(args=create, input="second passphrase\n")
    assert auth.sign_in("root@council.test", "second passphrase").status_code == 302


def test_no_password_leaves_only_the_councils_account(app, runner):
    with app.app_context():
        make = Factory()
        make.team("Norwich", "norfolk")
    args = ["users", "create", "--email", "grace@norfolk.test", "--role", "manager", "--team", "Norwich"]
    assert runner.invoke(args=[*args, "--password-stdin"], input="a long password\n").exit_code == 0
    result = runner.invoke(args=[*args, "--no-password"])
    assert result.exit_code == 0, result.output
    assert user(app, "grace@norfolk.test") == ("manager", "Norwich", "grace", None)
    both = runner.invoke(args=[*args, "--no-password", "--password-stdin"], input="a long password\n")
    assert both.exit_code != 0 and "cannot go together" in both.output
