"""README "Signing in with your council's accounts": its commands, run as written, sign a manager in.

Two things change, so that the test never collides with someone's own `make run`: the ports
(free ones instead of 9000 and 5000; `make run` reads `PORT`, the provider gets `--app` to
match) and the database (`DATABASE_URL`, a file of the test's own instead of instance/).
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECTION = "### Try it with the test provider"


def readme_steps() -> tuple[list[str], str]:
    """The section's shell commands, and the paragraph that says what to do in the browser."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme[readme.index(SECTION):]
    section = section[: section.index("\n### ", len(SECTION))]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()], section


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"`make run` stopped with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.25)
    raise AssertionError(f"nothing answered at {url} within {seconds} s")


@pytest.fixture
def readme_site(tmp_path):
    commands, section = readme_steps()
    install, provider_line, run_line = commands
    assert install == "make install"
    subprocess.run(shlex.split(install), cwd=PROJECT_ROOT, check=True)

    provider_port, app_port = free_port(), free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    provider_args = shlex.split(provider_line.removesuffix("&").replace("9000", str(provider_port)))
    provider = subprocess.Popen(
        [*provider_args, "--app", app_url], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    app = None
    try:
        assert provider.stdout.readline().startswith("listening on ")
        *settings, make, target = shlex.split(run_line.replace("9000", str(provider_port)))
        assert (make, target) == ("make", "run")
        env = {
            **os.environ,
            **dict(setting.split("=", 1) for setting in settings),
            "PORT": str(app_port),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'readme.sqlite'}",
        }
        app = subprocess.Popen(
            [make, target], cwd=PROJECT_ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_serving(f"{app_url}/sign-in", app)
        yield app_url, section
    finally:
        if app is not None:
            os.killpg(app.pid, signal.SIGTERM)  # make and the flask server it started
            app.wait(timeout=30)
        provider.terminate()
        provider.wait(timeout=10)


def test_the_readme_signs_a_manager_in_with_the_test_provider(page: Page, readme_site):
    app_url, section = readme_site
    email = re.search(r"sign in as `([^`]+)` with the password", section).group(1)
    password = re.search(r"the password\s+\*\*`([^`]+)`\*\*", section).group(1)

    page.goto(f"{app_url}/sign-in")
    page.get_by_role("button", name="Sign in with your council account").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    heading = page.get_by_role("heading", name="Team timeliness")
    expect(heading).to_be_visible()
    expect(heading).to_contain_text("Norwich Children's Team")
