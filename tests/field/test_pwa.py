"""The installable parts: manifest, /sw.js with its precache list, GOV.UK assets, the CSP hash."""
import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from webapp.field import precache
from webapp.security import CONTENT_SECURITY_POLICY

BUILT = Path(__file__).resolve().parents[2] / "static" / "dist" / "govuk-frontend.min.css"


@pytest.fixture
def built():
    """The built front-end assets: missing, the test fails (it never skips)."""
    if not BUILT.exists():
        pytest.fail("static/dist is missing: run `make install` (it runs `npm run build`)")


needs_build = pytest.mark.usefixtures("built")


def test_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] and manifest["short_name"] == "Visits"
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_the_brand_colour_is_the_style_sheets_everywhere(client):
    """static/css/app.css sets --app-brand; the manifest and the browser's toolbar follow it."""
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()
    brand = re.search(r"--app-brand:\s*(#[0-9a-f]{6});", css)[1]
    assert client.get("/manifest.webmanifest").get_json(force=True)["theme_color"] == brand
    assert f'<meta name="theme-color" content="{brand}">' in client.get("/sign-in").get_data(as_text=True)


@needs_build
def test_manifest_icons_are_real_pngs_of_their_size(client):
    for icon in client.get("/manifest.webmanifest").get_json(force=True)["icons"]:
        body = client.get(icon["src"]).data
        assert body[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(body[16:20], "big")
        assert f"{width}x{width}" == icon["sizes"]


def _worker(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    return response, response.get_data(as_text=True)


def test_service_worker_headers(client):
    response, _ = _worker(client)
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"


@needs_build
def test_service_worker_gets_its_version_and_precache_list(app, client):
    _, source = _worker(client)
    assert "__PRECACHE_MANIFEST__" not in source and "__VERSION__" not in source
    with app.test_request_context():
        version, entries = precache.precache_manifest()
    assert f"'{version}'" in source or f'"{version}"' in source
    urls = {entry["url"] for entry in entries}
    assert {"/visits/new", "/notes/new", "/offline", "/manifest.webmanifest"} <= urls
    assert {
        "/static/dist/govuk-frontend.min.css",
        "/static/dist/govuk-frontend.min.js",
        "/static/dist/htmx.min.js",
        "/static/dist/icons/icon-192.png",
        "/static/css/app.css",
        "/static/js/app.mjs",
    } <= urls
    # Neither GDS Transport nor the crown is used, so they are not precached.
    assert not any(url.startswith("/static/dist/assets/") for url in urls)
    assert all(re.fullmatch(r"[0-9a-f]{16}", entry["revision"]) for entry in entries)
    assert json.dumps(entries[0], indent=1).splitlines()[1] in source


@needs_build
def test_a_changed_file_changes_the_version_and_its_revision(app, tmp_path):
    static = tmp_path / "static"
    for folder in ("css", "js", "dist"):
        (static / folder).mkdir(parents=True)
    css = static / "css" / "app.css"
    css.write_text("body { color: black }")
    app.static_folder = str(static)
    with app.test_request_context():
        version, entries = precache.precache_manifest()
        css.write_text("body { color: red }")
        new_version, new_entries = precache.precache_manifest()
    assert new_version != version
    assert entries[0]["url"] == "/static/css/app.css"
    assert new_entries[0]["revision"] != entries[0]["revision"]


@needs_build
def test_govuk_assets_are_served_where_the_css_asks(client):
    css = client.get("/static/dist/govuk-frontend.min.css").get_data(as_text=True)
    for url in set(re.findall(r"url\((/assets/[^)]+)\)", css)):
        assert client.get(url).status_code == 200, url


def test_the_only_inline_script_is_the_one_the_csp_allows(client):
    html = client.get("/offline").get_data(as_text=True)
    inline = [body for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S) if "src=" not in attrs]
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert ' style="' not in html
