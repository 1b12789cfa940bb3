"""The test OpenID provider (tests/auth/oidc_provider.mjs) in a child process, and a clock for it.

The provider is the real `oidc-provider` package: it signs ID tokens with its own key, by the
real time. So the app under test reads a `MovableClock`, the real time plus an offset a test
may move forward (to make a token out of date) without waiting.
"""
from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Iterator, NamedTuple
from urllib.parse import urljoin

import requests

from webapp.clock import SystemClock

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT_ROOT / "tests" / "auth" / "oidc_provider.mjs"
CLIENT_ID = "visit-recorder"
CLIENT_SECRET = "visit-recorder-test-secret"
PROVIDER_PASSWORD = "council-sso-test"

# Who the provider knows, and the groups its ID tokens put them in.
ACCOUNTS = [
    {"email": "grace@norfolk.test", "name": "Grace Manager", "groups": ["vr-managers", "all-staff"]},
    {"email": "asha@norfolk.test", "name": "Asha Patel", "groups": ["vr-practitioners"]},
    {"email": "finance@norfolk.test", "name": "Fin Ance", "groups": ["all-staff"]},
    {"email": "left@norfolk.test", "name": "Left Already", "groups": ["vr-practitioners"]},
    {"email": "stranger@elsewhere.test", "name": "Stran Ger", "groups": ["vr-practitioners"]},
]
ROLE_GROUPS = {
    "OIDC_ADMIN_GROUPS": ["vr-admins"],
    "OIDC_MANAGER_GROUPS": ["vr-managers"],
    "OIDC_PRACTITIONER_GROUPS": ["vr-practitioners"],
}


class MovableClock(SystemClock):
    """The real time, moved on by `offset`."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self):
        return super().now() + self.offset


class Provider(NamedTuple):
    issuer: str

    def app_settings(self) -> dict:
        """The app's configuration for signing in with this provider, groups included."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            **ROLE_GROUPS,
        }

    def spoil_next_id_token(self, change: str, email: str = "grace@norfolk.test") -> None:
        """Have the next ID token changed on its way to the app ("tamper" or "other-key")."""
        request = urllib.request.Request(
            f"{self.issuer}/test-controls/next-id-token",
            data=json.dumps({"change": change, "email": email}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204


@contextmanager
def running_provider(app_url: str, accounts_file: Path) -> Iterator[Provider]:
    """Start the provider on a free port for the app at `app_url`; stop it afterwards."""
    accounts_file.write_text(
        json.dumps([{**account, "password": PROVIDER_PASSWORD} for account in ACCOUNTS])
    )
    process = subprocess.Popen(
        ["node", str(SCRIPT), "--port", "0", "--app", app_url, "--accounts", str(accounts_file),
         "--test-controls"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        issuer = None
        for line in process.stdout:  # the warning about the in-memory store goes to stderr
            if line.startswith("listening on "):
                issuer = line.removeprefix("listening on ").strip()
                break
        if issuer is None:
            raise RuntimeError(f"the test provider stopped with status {process.wait()}")
        yield Provider(issuer)
    finally:
        process.terminate()
        process.wait(timeout=10)


def answer_at_provider(
    authorize_url: str, email: str, app_url: str, browser: requests.Session | None = None
) -> str:
    """Sign in on the provider's own page, as a browser would; the app address it sends back to.

    `browser` keeps the provider's cookies, for a later sign-out there.
    """
    browser = browser or requests.Session()
    page = browser.get(authorize_url, timeout=10)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    answer = browser.post(
        urljoin(page.url, action), data={"email": email, "password": PROVIDER_PASSWORD},
        allow_redirects=False, timeout=10,
    )
    while answer.is_redirect:
        location = urljoin(answer.url, answer.headers["Location"])
        if location.startswith(app_url):
            return location
        answer = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError(f"the provider did not send the browser back: {answer.status_code}")
