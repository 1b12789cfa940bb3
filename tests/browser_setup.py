"""Make sure a Chromium exists for the browser tests, before pytest starts.

Order: the CHROMIUM environment variable, then Debian's /usr/bin/chromium (what CI installs),
then Playwright's own download, which works on a developer's machine with internet access.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def main() -> int:
    if find_chromium():
        return 0
    print("No system Chromium found; asking Playwright to download one.", file=sys.stderr)
    return subprocess.call([sys.executable, "-m", "playwright", "install", "chromium"])


if __name__ == "__main__":
    raise SystemExit(main())
