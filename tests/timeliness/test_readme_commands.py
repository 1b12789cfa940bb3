"""Every `policy` command in README.md's "Recording policies" section runs as written."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_policy_commands() -> list[str]:
    """The shell commands of the section's ```sh block, continuation lines joined."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Recording policies", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [command for command in block.replace("\\\n", " ").splitlines() if command.strip()]


COMMANDS = readme_policy_commands()


def test_the_section_shows_every_policy_command():
    shown = {re.search(r"policy (\w+)", command).group(1) for command in COMMANDS}
    assert shown == {"check", "coverage", "explain", "due", "evaluate"}


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs_as_written(command):
    # Run from the checkout, as the README's reader does; the policy commands need no database.
    result = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    if " due " in command or "evaluate" in command:
        answer = json.loads(result.stdout)
        assert "error" not in answer, answer
        assert answer["due_at"].endswith("Z")
        assert ("verdict" in answer) == ("received_at" in command or "--received-at" in command)
