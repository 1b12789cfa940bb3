"""Field page fixtures: a Warwickshire team with two practitioners, and another team's."""
from __future__ import annotations

from datetime import date

import pytest

from tests.factories import Factory

BORN = date(2015, 1, 2)


class People:
    """The rows the field tests use, by role."""

    def __init__(self, make: Factory):
        self.team = team = make.team("Warwick North")
        self.other_team = other_team = make.team("Rugby South")
        self.practitioner = make.user(team, name="Sam Field", email="sam@example.org")
        self.colleague = make.user(team, name="Alex Other", email="alex@example.org")
        self.stranger = make.user(other_team, name="Kim Far", email="kim@example.org")
        self.amira = make.child(team, "Amira Khan", "WK-1", practitioner=self.practitioner,
                                statuses=["child_protection"], date_of_birth=BORN)
        self.ben = make.child(team, "Ben Taylor", "WK-2", practitioner=self.practitioner,
                              statuses=["looked_after"], date_of_birth=BORN)
        self.dylan = make.child(team, "Dylan Price", "WK-3", practitioner=self.colleague,
                                statuses=["child_in_need"], date_of_birth=BORN)
        self.erin = make.child(other_team, "Erin Shaw", "RS-1", practitioner=self.stranger,
                               statuses=[], date_of_birth=BORN)


@pytest.fixture
def people(make):
    return People(make)
