from __future__ import annotations

import pytest

from tests.factories import AuthActions


@pytest.fixture
def auth(client):
    return AuthActions(client)
