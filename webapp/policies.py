"""The recording policies in POLICY_DIR: one cache, loaded again whenever a file there changes.

Sync, the field and manager pages, the caseload import, the demo data and `flask policy` all
read policies through here. Each file is loaded on its own, so one invalid file is reported by
name and the others still load.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

from webapp.timeliness import Policy, PolicyError, PolicyIssue, UnknownAuthority, load_policy
from webapp.timeliness.policy import policy_files


@dataclass(frozen=True)
class PolicySet:
    """What POLICY_DIR held when it was last read: the valid policies and each invalid file's problems."""

    directory: Path
    files: tuple[Path, ...]
    policies: dict[str, Policy]  # by authority id, which is the file's stem
    problems: dict[Path, PolicyError]

    @property
    def issues(self) -> list[PolicyIssue]:
        return [issue for error in self.problems.values() for issue in error.errors]


def policy_dir() -> Path:
    return Path(current_app.config["POLICY_DIR"])


def current() -> PolicySet:
    """POLICY_DIR as it is now, read again only when a file in it (or in sources/) has changed."""
    directory = policy_dir()
    return _read(str(directory), _stamp(directory))


def _stamp(directory: Path) -> tuple:
    """Each file's name, size and change times: any edit, addition or removal changes it."""
    if not directory.is_dir():
        return ()
    paths = [*directory.iterdir(), *((directory / "sources").iterdir() if (directory / "sources").is_dir() else ())]
    stamp = []
    for path in sorted(paths):
        if path.is_file():
            stat = path.stat()
            stamp.append((str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
    return tuple(stamp)


@lru_cache(maxsize=4)
def _read(directory: str, stamp: tuple) -> PolicySet:
    root = Path(directory)
    files = tuple(policy_files(root)) if root.is_dir() else ()
    policies: dict[str, Policy] = {}
    problems: dict[Path, PolicyError] = {}
    for path in files:
        try:
            policy = load_policy(path, root / "sources")
        except PolicyError as exc:
            problems[path] = exc
        else:
            policies[policy.authority] = policy
    return PolicySet(root, files, policies, problems)


def every_policy() -> dict[str, Policy]:
    """Every authority's policy, for judging records.

    Raises:
        PolicyError: some file is invalid. Judging against the rest would reject records that a
            fixed file would accept, so a device keeps them and tries again later instead.
    """
    found = current()
    if found.problems:
        raise PolicyError(errors=found.issues)
    return found.policies


def find(authority: str) -> Policy:
    """One authority's policy.

    Raises:
        UnknownAuthority: there is no <authority>.yaml in POLICY_DIR.
        PolicyError: the file is invalid.
    """
    found = current()
    for path, problem in found.problems.items():
        if path.stem == authority:
            raise problem
    if authority not in found.policies:
        known = ", ".join(path.stem for path in found.files) or "none"
        raise UnknownAuthority(f"no policy for authority {authority!r} (known: {known})")
    return found.policies[authority]


def policy(authority: str | None) -> Policy | None:
    """The authority's current policy, or None when it is missing or invalid (pages then show ids)."""
    return current().policies.get(authority) if authority else None


def record_type_labels(authority: str | None) -> dict[str, str]:
    """The authority's record types and their names, in the policy's order; {} if unknown."""
    found = policy(authority)
    return dict(found.record_types) if found else {}


def authority_name(authority: str | None) -> str | None:
    found = policy(authority)
    return found.name if found else None
