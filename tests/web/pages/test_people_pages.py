"""The people, duplicates and case pages render and their forms work (CSRF included)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.casework.conftest import new_birth_date, record_read
from tests.web.conftest import WebApp, login

HTML = {"Accept": "text/html"}


def test_people_pages_and_a_merge_through_the_forms(web: WebApp, client: TestClient) -> None:
    born = new_birth_date()
    factory = web.services.session_factory
    record_read(factory, birth_date=born, given_names="MOHAMMAD ALI")
    record_read(factory, birth_date=born, given_names="MUHAMMAD ALI", surname="RAHIMY")
    csrf = login(client, "reviewer")

    people = client.get("/people", headers=HTML)
    assert people.status_code == 200
    assert "RAHIMY" in people.text and "RAHIMI" in people.text
    assert "RAHIMY" not in client.get("/people?name=rahimi", headers=HTML).text

    queue = client.get("/people/matches", headers=HTML)
    assert queue.status_code == 200
    match_id = re.search(r'href="/people/matches/(\d+)"', queue.text)
    assert match_id is not None
    page = client.get(f"/people/matches/{match_id[1]}", headers=HTML)
    assert page.status_code == 200
    assert "MOHAMMAD ALI" in page.text and "MUHAMMAD ALI" in page.text
    keep_a = re.search(r'name="keep" value="([0-9a-f-]+)" checked', page.text)
    assert keep_a is not None

    stale = client.post(
        f"/people/matches/{match_id[1]}/merge", data={"keep": keep_a[1]}, headers=HTML
    )
    assert stale.status_code == 403  # no CSRF token
    # the first post only asks: nothing is merged until the confirmation is posted
    asked = client.post(
        f"/people/matches/{match_id[1]}/merge",
        data={"keep": keep_a[1], "note": "same person", "csrf_token": csrf},
        headers=HTML,
        follow_redirects=False,
    )
    assert asked.status_code == 200
    assert 'id="confirm-merge"' in asked.text and 'name="confirmed" value="yes"' in asked.text
    assert "pending" in client.get(f"/people/matches/{match_id[1]}", headers=HTML).text
    merged = client.post(
        f"/people/matches/{match_id[1]}/merge",
        data={"keep": keep_a[1], "note": "same person", "csrf_token": csrf, "confirmed": "yes"},
        headers=HTML,
        follow_redirects=False,
    )
    assert merged.status_code == 303
    assert merged.headers["location"] == f"/people/{keep_a[1]}?merged={match_id[1]}"
    person = client.get(merged.headers["location"], headers=HTML)
    assert person.text.count('class="card doc"') == 2
    assert f'action="/people/matches/{match_id[1]}/unmerge"' in person.text
    decided = client.get(f"/people/matches/{match_id[1]}", headers=HTML)
    assert "Decided: merged by reviewer" in decided.text and 'id="merge"' not in decided.text

    # the undo: both persons again, each with their own document
    undone = client.post(
        f"/people/matches/{match_id[1]}/unmerge",
        data={"csrf_token": csrf},
        headers=HTML,
        follow_redirects=False,
    )
    assert undone.status_code == 303
    again = client.get(undone.headers["location"], headers=HTML)
    assert "The merge was undone" in again.text and 'id="merge"' in again.text
    assert client.get(merged.headers["location"], headers=HTML).text.count('class="card doc"') == 1


def test_case_pages_create_find_add_and_remove(web: WebApp, client: TestClient) -> None:
    record_read(web.services.session_factory, surname="KARIMI", given_names="LEILA")
    csrf = login(client, "desk")
    created = client.post(
        "/cases",
        data={"reference": "HH-7", "csrf_token": csrf},
        headers=HTML,
        follow_redirects=False,
    )
    assert created.status_code == 303
    case_url = created.headers["location"]
    assert "HH-7" in client.get("/cases", headers=HTML).text

    found = client.get(f"{case_url}?name=leila", headers=HTML)
    person_id = re.search(r'name="person_id" value="([0-9a-f-]+)"', found.text)
    assert person_id is not None
    added = client.post(
        f"{case_url}/persons",
        data={"person_id": person_id[1], "role": "head", "csrf_token": csrf},
        headers=HTML,
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = client.get(case_url, headers=HTML)
    assert "KARIMI LEILA" in page.text and ">head<" in page.text
    assert 'class="card doc"' in page.text and "done" in page.text
    assert "/export?format=csv" not in page.text  # exports are for supervisors

    asked = client.post(
        f"{case_url}/persons/{person_id[1]}/remove", data={"csrf_token": csrf}, headers=HTML
    )
    assert asked.status_code == 200 and 'id="confirm-remove"' in asked.text
    assert "KARIMI LEILA" in client.get(case_url, headers=HTML).text  # still in the case
    removed = client.post(
        f"{case_url}/persons/{person_id[1]}/remove",
        data={"csrf_token": csrf, "confirmed": "yes"},
        headers=HTML,
        follow_redirects=False,
    )
    assert removed.status_code == 303
    after = client.get(removed.headers["location"], headers=HTML)
    assert "No one in this case yet." in after.text and 'id="undo-remove"' in after.text
    # the undo puts them back with the role they had
    role = re.search(r'name="role" value="(\w+)"', after.text)
    assert role is not None and role[1] == "head"
    back = client.post(
        f"{case_url}/persons",
        data={"person_id": person_id[1], "role": role[1], "csrf_token": csrf},
        headers=HTML,
        follow_redirects=False,
    )
    assert back.status_code == 303
    assert "KARIMI LEILA" in client.get(case_url, headers=HTML).text
    assert client.get("/people/matches", headers=HTML).status_code == 403


def test_supervisors_see_the_export_links(web: WebApp, client: TestClient) -> None:
    csrf = login(client, "supervisor")
    created = client.post("/cases", data={"csrf_token": csrf}, headers=HTML, follow_redirects=False)
    page = client.get(created.headers["location"], headers=HTML)
    case_id = created.headers["location"].rsplit("/", 1)[1]
    assert f"/api/v1/cases/{case_id}/export?format=csv" in page.text
    assert f"/api/v1/cases/{case_id}/export?format=json" in page.text
    export = client.get(f"/api/v1/cases/{case_id}/export?format=csv")
    assert export.status_code == 200
    assert export.text.startswith("document_id,person_id,case_role")
