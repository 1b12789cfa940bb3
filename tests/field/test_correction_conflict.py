"""A correction of a version that is no longer the newest: the error summary's link leads to a
paragraph on the page that says which version is the newest, and links to it."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from tests.field.test_forms import VISIT
from webapp.extensions import db
from webapp.models import Record


def test_the_supersedes_error_links_to_the_newest_version(app, client, people, auth):
    auth.sign_in(people.practitioner)
    client.post("/visits/new", data={**VISIT, "csrf_token": auth.token})
    with app.app_context():
        uuid = db.session.scalar(select(Record.uuid))
    corrected = {**VISIT, "observations": "Settled, chatty, and proud of his room.", "supersedes": "1"}
    assert client.post(f"/records/{uuid}/correct", data={**corrected, "csrf_token": auth.token}).status_code == 303

    stale = client.post(f"/records/{uuid}/correct", data={**corrected, "csrf_token": auth.token})
    assert stale.status_code == 400
    page = html.unescape(stale.get_data(as_text=True))
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)[0]
    (href,) = re.findall(r'<a href="(#[^"]+)">[^<]*version 2 is now the newest', summary)
    target = re.search(rf'<(\w+)[^>]*\bid="{href[1:]}"[^>]*>(.*?)</\1>', page, re.S)
    assert target, f"nothing on the page has the id {href}"
    assert target[1] == "p" and 'type="hidden"' not in target[0]
    words = " ".join(re.sub(r"<[^>]+>", " ", target[2]).split())
    assert "You are correcting version 2" in words
    assert re.search(rf'<a class="govuk-link" href="/records/{uuid}">Read version 2, the newest</a>', target[2])
