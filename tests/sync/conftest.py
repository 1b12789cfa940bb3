"""A small world for sync tests: two teams in two authorities, their people and children."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import AuthActions, make_child, make_team, make_user
from webapp.extensions import db


@pytest.fixture
def world(app):
    """Norwich (Norfolk) and Nuneaton (Warwickshire), as plain ids and references."""
    with app.app_context():
        norwich = make_team("Norwich", "norfolk")
        nuneaton = make_team("Nuneaton", "warwickshire")
        asha = make_user("asha@norfolk.test", norwich)
        ben = make_user("ben@norfolk.test", norwich)
        grace = make_user("grace@norfolk.test", norwich, role="manager")
        maya = make_user("maya@warwickshire.test", nuneaton)
        admin = make_user("admin@test.test", None, role="admin")
        make_child("NOR-1", norwich, asha, ["child_in_need"])
        make_child("NOR-2", norwich, asha, ["child_protection"])
        make_child("NOR-3", norwich, ben, ["looked_after"])
        make_child("WAR-1", nuneaton, maya, ["child_in_need"])
        make_child("WAR-2", nuneaton, maya, ["child_protection"])
        ids = SimpleNamespace(
            norwich=norwich.id, nuneaton=nuneaton.id, asha=asha.id, ben=ben.id, grace=grace.id,
            maya=maya.id, admin=admin.id,
        )
        db.session.remove()
    return ids


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def asha(world, auth):
    """Asha, a Norwich practitioner, signed in."""
    response = auth.sign_in("asha@norfolk.test")
    assert response.status_code == 302
    return auth
