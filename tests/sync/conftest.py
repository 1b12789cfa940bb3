"""A small world for sync tests: two teams in two authorities, their people and children."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import Factory
from webapp.extensions import db


@pytest.fixture
def world(app):
    """Norwich (Norfolk) and Nuneaton (Warwickshire), as plain ids and references."""
    with app.app_context():
        make = Factory()
        norwich = make.team("Norwich", "norfolk")
        nuneaton = make.team("Nuneaton", "warwickshire")
        asha = make.user(norwich, email="asha@norfolk.test")
        ben = make.user(norwich, email="ben@norfolk.test")
        grace = make.user(norwich, role="manager", email="grace@norfolk.test")
        maya = make.user(nuneaton, email="maya@warwickshire.test")
        admin = make.user(None, role="admin", email="admin@test.test")
        make.child(norwich, reference="NOR-1", practitioner=asha, statuses=["child_in_need"])
        make.child(norwich, reference="NOR-2", practitioner=asha, statuses=["child_protection"])
        make.child(norwich, reference="NOR-3", practitioner=ben, statuses=["looked_after"])
        make.child(nuneaton, reference="WAR-1", practitioner=maya, statuses=["child_in_need"])
        make.child(nuneaton, reference="WAR-2", practitioner=maya, statuses=["child_protection"])
        ids = SimpleNamespace(
            norwich=norwich.id, nuneaton=nuneaton.id, asha=asha.id, ben=ben.id, grace=grace.id,
            maya=maya.id, admin=admin.id,
        )
        db.session.remove()
    return ids


@pytest.fixture
def asha(world, auth):
    """Asha, a Norwich practitioner, signed in."""
    response = auth.sign_in("asha@norfolk.test")
    assert response.status_code == 302
    return auth
