"""Where a 500-record sync spends its time: pyinstrument around one request, in-process.

py-spy needs ptrace rights that containers often lack, so the profile is taken inside the
process, on the same database the HTTP benchmark used. Run alone:
    .venv/bin/python bench/profile_sync.py DATABASE_URL EMAIL PASSWORD CHILD_REF...
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CSRF_INPUT, CSRF_META, Practitioner, iso_now, visit_records  # noqa: E402


def _token(html: str) -> str:
    match = CSRF_META.search(html) or CSRF_INPUT.search(html)
    return next(g for g in match.groups() if g)


def _leaves(frame):
    if not frame.children:
        yield frame
    for child in frame.children:
        yield from _leaves(child)


def _innermost_project(frame, root: str) -> str | None:
    while frame is not None:
        path = frame.file_path or ""
        if path.startswith(root) and "/.venv/" not in path:
            return f"{frame.function} ({_short(path)}:{frame.line_no})"
        frame = frame.parent
    return None


def _by_leaf(root_frame) -> Counter:
    """Time by the function that was on top of the stack (library code included)."""
    out: Counter = Counter()
    for leaf in _leaves(root_frame):
        target = leaf.parent if leaf.function == "[self]" and leaf.parent else leaf
        out[f"{target.function} ({_short(target.file_path)}:{target.line_no})"] += leaf.time
    return out


def _by_project_function(root_frame, root: str) -> Counter:
    """Time by the innermost function of our own code on each stack."""
    out: Counter = Counter()
    for leaf in _leaves(root_frame):
        out[_innermost_project(leaf, root) or "(outside webapp/)"] += leaf.time
    return out


def _short(path: str | None) -> str:
    if not path:
        return "?"
    path = re.sub(r".*/site-packages/", "", path)
    return re.sub(r".*/work/[^/]+/", "", path)


def profile_batch(database_url: str, practitioner: Practitioner, out_path: Path,
                  seed: int = 4242, size: int = 500) -> dict:
    from pyinstrument import Profiler

    from webapp import create_app

    app = create_app(SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="bench-profile")
    client = app.test_client()
    token = _token(client.get("/sign-in").get_data(as_text=True))
    answer = client.post(
        "/sign-in",
        data={"email": practitioner.email, "password": practitioner.password,
              "csrf_token": token},
    )
    if answer.status_code != 302:
        raise RuntimeError(f"profile sign-in failed with {answer.status_code}")
    # Signing in gives the session a new CSRF secret: read the token from the next page.
    token = _token(client.get(answer.headers["Location"]).get_data(as_text=True))
    warm = visit_records(10, practitioner.child_refs, seed=seed + 1)
    client.post("/api/v1/sync", json={"device_id": "profile", "device_now": iso_now(),
                                       "records": warm}, headers={"X-CSRFToken": token})
    records = visit_records(size, practitioner.child_refs, seed=seed)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    reply = client.post("/api/v1/sync", json={"device_id": "profile", "device_now": iso_now(),
                                               "records": records},
                        headers={"X-CSRFToken": token})
    profiler.stop()
    if reply.status_code != 200:
        raise RuntimeError(f"profiled sync answered {reply.status_code}")
    session = profiler.last_session
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    root_frame = session.root_frame()
    leaves = _by_leaf(root_frame)
    project = _by_project_function(root_frame, str(Path(__file__).resolve().parent.parent / "webapp"))
    total = session.duration
    return {
        "seconds": round(total, 3),
        "cpu_seconds": round(session.cpu_time, 3),
        "records_per_second": round(size / total, 1),
        "profile_file": str(out_path.name),
        "top_self_time": [
            {"function": name, "share": round(t / total, 3)} for name, t in leaves.most_common(8)
        ],
        "top_project_functions": [
            {"function": name, "share": round(t / total, 3)} for name, t in project.most_common(8)
        ],
    }


if __name__ == "__main__":
    url, email, password, *refs = sys.argv[1:]
    import json

    print(json.dumps(profile_batch(url, Practitioner(email, password, "", refs),
                                   Path("bench/results/profile-sync.txt")), indent=2))
