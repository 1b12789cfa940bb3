"""The same URLs answer htmx with a fragment, and say so in Vary."""


def test_caseload_filter_answers_htmx_with_the_list(client, people, auth):
    auth.sign_in(people.practitioner)
    response = client.get("/?q=amira", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in html and "Amira Khan" in html and "Ben Taylor" not in html
    assert html.lstrip().startswith('<table class="govuk-table app-caseload')


def test_caseload_page_varies_on_htmx_too(client, people, auth):
    auth.sign_in(people.practitioner)
    response = client.get("/?q=amira")
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" in response.get_data(as_text=True)
    assert 'hx-get="/" hx-target="#caseload-list"' in response.get_data(as_text=True)


def test_child_page_refreshes_its_record_list(client, people, auth):
    auth.sign_in(people.practitioner)
    page = client.get("/children/WK-1").get_data(as_text=True)
    assert 'hx-get="/children/WK-1" hx-target="#child-records"' in page
    response = client.get("/children/WK-1", headers={"HX-Request": "true"})
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in response.get_data(as_text=True)
    assert "No records have reached the file yet." in response.get_data(as_text=True)


def test_caseload_search_restored_from_history_is_the_whole_page(client, people, auth):
    """htmx asks for the whole page when its history cache has lost one; it swaps in the body."""
    auth.sign_in(people.practitioner)
    response = client.get(
        "/?q=amira", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" in html and 'hx-get="/" hx-target="#caseload-list"' in html
    assert "Amira Khan" in html and "Ben Taylor" not in html
