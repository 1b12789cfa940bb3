"""Who sees which page, and what each page shows."""
import pytest

from webapp.extensions import db
from webapp.models import Record
from tests.field.helpers import store_visit


@pytest.mark.parametrize("url", ["/", "/children/WK-1", "/records"])
def test_pages_need_a_sign_in(client, people, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/sign-in?next=")


@pytest.mark.parametrize("url", ["/visits/new", "/notes/new"])
def test_posting_a_form_needs_a_sign_in(client, people, auth, url):
    response = client.post(url, data={"csrf_token": auth.token})
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    with client.application.app_context():
        assert db.session.query(Record).count() == 0


def test_caseload_lists_only_the_practitioners_children(client, people, auth):
    auth.sign_in(people.practitioner)
    html = client.get("/").get_data(as_text=True)
    assert "Amira Khan" in html and "Ben Taylor" in html
    assert "Dylan Price" not in html and "Erin Shaw" not in html
    assert "Child protection plan" in html and "Looked after" in html
    assert html.count("Not visited yet") == 2


def test_caseload_shows_the_date_last_visited(app, client, people, auth):
    store_visit(app, people.practitioner, "WK-1", "2026-11-20T09:30:00Z")
    store_visit(app, people.practitioner, "WK-1", "2026-11-18T09:30:00Z")
    auth.sign_in(people.practitioner)
    html = client.get("/").get_data(as_text=True)
    assert "Fri 20 Nov 2026" in html
    assert "18 Nov 2026" not in html


def test_caseload_search_is_in_the_query_string(client, people, auth):
    auth.sign_in(people.practitioner)
    html = client.get("/?q=ben").get_data(as_text=True)
    assert "Ben Taylor" in html and "Amira Khan" not in html
    assert 'value="ben"' in html


@pytest.mark.parametrize("reference", ["WK-3", "RS-1", "NO-SUCH"])
def test_other_childrens_pages_are_not_found(client, people, auth, reference):
    auth.sign_in(people.practitioner)
    assert client.get(f"/children/{reference}").status_code == 404


def test_child_page_shows_records_with_verdicts_in_words(app, client, people, auth, clock):
    # 10:00 on 23 November 2026; a child protection visit 5 hours earlier is on time (24 hours).
    store_visit(app, people.practitioner, "WK-1", "2026-11-23T05:00:00Z")
    auth.sign_in(people.practitioner)
    html = client.get("/children/WK-1").get_data(as_text=True)
    assert "Amira Khan" in html
    assert "On time" in html
    assert "Reached the file 19 hours before the deadline. Deadline (24 hours): by 05:00 on Tuesday 24 November." in html
    assert 'href="/visits/new?child=WK-1"' in html


def test_my_records_lists_the_users_synced_records_and_the_local_list(app, client, people, auth):
    store_visit(app, people.practitioner, "WK-2", "2026-11-23T05:00:00Z")
    store_visit(app, people.colleague, "WK-3", "2026-11-23T05:00:00Z")
    auth.sign_in(people.practitioner)
    html = client.get("/records").get_data(as_text=True)
    assert "Ben Taylor" in html and "Dylan Price" not in html
    assert '<div data-module="local-records">' in html


def test_pages_carry_the_layout_contract(client, people, auth):
    auth.sign_in(people.practitioner)
    html = client.get("/").get_data(as_text=True)
    assert '<meta name="csrf-token" content="' in html
    assert f'<meta name="user-id" content="{people.practitioner.id}">' in html
    assert '<div class="app-status-banner" data-module="status-banner" role="status" aria-live="polite"></div>' in html
    assert '<script type="module" src="/static/js/app.mjs"></script>' in html
    assert 'data-module="sign-out"' in html and 'action="/sign-out"' in html
    # The council's brand: its name in the header, no crown, no GOV.UK logo.
    assert "Warwickshire County Council" in html
    assert "govuk-logo" not in html and "govuk-crest" not in html
    assert "crown" not in html.lower() and "Open Government Licence" not in html


def test_the_header_names_the_service_when_nobody_is_signed_in(client):
    html = client.get("/sign-in").get_data(as_text=True)
    header = html.split('<header class="govuk-template__header">', 1)[1].split("</header>", 1)[0]
    assert "Visit recorder" in header.split('class="govuk-generic-header__logo"', 1)[1].split("</div>", 1)[0]
    assert "Your council" not in html and "is run by" not in html


def test_offline_page_is_public_and_personal_data_free(client, people, auth):
    auth.sign_in(people.practitioner)
    response = client.get("/offline")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You are offline" in html
    assert "user-id" not in html and "Sam Field" not in html


def test_form_shells_hold_no_personal_data(client, people, auth):
    """The worker precaches the forms with a fetch (not a navigation): the generic shell."""
    auth.sign_in(people.practitioner)
    navigated = client.get("/visits/new", headers={"Sec-Fetch-Mode": "navigate"}).get_data(as_text=True)
    assert "Amira Khan (WK-1)" in navigated
    for url in ("/visits/new", "/notes/new"):
        shell = client.get(url, headers={"Sec-Fetch-Mode": "same-origin"}).get_data(as_text=True)
        assert "Amira Khan" not in shell and "user-id" not in shell
        assert 'data-module="record-form"' in shell


def test_form_shells_render_for_the_worker_before_anyone_signs_in(client, people):
    response = client.get("/visits/new")
    assert response.status_code == 200
    assert 'name="child_id"' in response.get_data(as_text=True)
