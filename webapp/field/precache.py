"""What the service worker precaches, with revisions, and the worker's source with them filled in.

service-worker/sw.js is served at /sw.js with two placeholders replaced:
- `__VERSION__`: a hash of every file the pages are built from, so each deploy gets new cache
  names and the old caches can be deleted on activation;
- `__PRECACHE_MANIFEST__`: a JSON list of {"url", "revision"}.
A change to any precached file changes the worker's bytes, which is what makes the browser
install the new worker.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import current_app

# Pages the worker precaches. The two forms are generic shells: no child, no user (see
# field.views._is_shell_request); their child list is filled in from the cached caseload.
# The sign-in-needed and signed-out pages stand in for personal pages once the session on the
# device has ended.
PRECACHED_PAGES = (
    "/visits/new", "/notes/new", "/offline", "/sign-in-needed", "/signed-out", "/manifest.webmanifest"
)
# Under static/: our CSS and browser modules, and the packages built into dist/. GOV.UK's fonts
# and crest under dist/assets/ are left out: we use neither GDS Transport nor the crown.
STATIC_FOLDERS = ("css", "js", "dist")
SKIPPED_DIST_FOLDERS = ("assets",)
PLACEHOLDER_MANIFEST = "__PRECACHE_MANIFEST__"
PLACEHOLDER_VERSION = "__VERSION__"


def _static_root() -> Path:
    return Path(current_app.static_folder)


def _template_root() -> Path:
    return Path(current_app.root_path, current_app.template_folder)


def assets_dir() -> Path:
    return _static_root() / "dist" / "assets"


def worker_path() -> Path:
    return Path(current_app.root_path).parent / "service-worker" / "sw.js"


def _static_files() -> list[Path]:
    root = _static_root()
    found = []
    for folder in STATIC_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or path.name.startswith(".") or path.suffix == ".map":
                continue
            if relative.parts[0] == "dist" and relative.parts[1] in SKIPPED_DIST_FOLDERS:
                continue
            found.append(path)
    return found


def _stamp(paths: list[Path]) -> tuple:
    """What the cached hashes depend on: each file's name, size and modification time."""
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths)


@lru_cache(maxsize=8)
def _hashes(stamp: tuple) -> tuple[tuple[str, str], ...]:
    return tuple(
        (path, hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]) for path, _, _ in stamp
    )


def precache_manifest() -> tuple[str, list[dict[str, str]]]:
    """The deploy's version and the list of {url, revision} the worker precaches."""
    static_root = _static_root()
    static_files = _static_files()
    templates = sorted(p for p in _template_root().rglob("*.html") if p.is_file())
    static_hashes = _hashes(_stamp(static_files))
    template_hashes = _hashes(_stamp(templates))
    # Pages change when a template or a static file changes: one version for them all.
    version = hashlib.sha256(
        "\n".join(f"{Path(p).name}:{h}" for p, h in static_hashes + template_hashes).encode()
    ).hexdigest()[:16]
    entries = [
        {"url": "/static/" + Path(path).relative_to(static_root).as_posix(), "revision": revision}
        for path, revision in static_hashes
    ]
    entries += [{"url": url, "revision": version} for url in PRECACHED_PAGES]
    return version, entries


def service_worker_source() -> str:
    """The worker's text with the version and precache list filled in."""
    version, entries = precache_manifest()
    source = worker_path().read_text()
    return source.replace(PLACEHOLDER_MANIFEST, json.dumps(entries, indent=1)).replace(
        PLACEHOLDER_VERSION, version
    )
