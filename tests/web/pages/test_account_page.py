"""The account page in a real browser: a user changes their own password (the current one
first, a weak one refused), stays logged in while their other sessions end and their API
tokens are revoked; a user revokes one of their own tokens; the page in Indonesian."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from docproc.casework import accounts
from docproc.db.session import session_scope
from tests.web.conftest import PASSWORD
from tests.web.pages.conftest import LiveServer, log_in

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect

NEW_PASSWORD = "layang-layang 9 merah"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield context.new_page()
    context.close()


def _change(page: Page, current: str, new: str, again: str | None = None) -> None:
    form = page.locator("form[action='/account/password']")
    form.locator("input[name=current_password]").fill(current)
    form.locator("input[name=password]").fill(new)
    form.locator("input[name=password_again]").fill(new if again is None else again)
    form.get_by_role("button", name="Change password").click()


def test_a_user_changes_their_own_password(
    live_server: LiveServer, page: Page, browser: Browser
) -> None:
    url = live_server.url
    token = live_server.web.auth("reviewer")
    assert httpx.get(f"{url}/api/v1/me", headers=token).status_code == 200

    # A second browser logged in as the same user: its session ends with the change.
    other_context = browser.new_context()
    other = other_context.new_page()
    log_in(other, url, "reviewer")

    log_in(page, url, "reviewer")
    page.get_by_role("link", name="reviewer").click()
    page.wait_for_url(f"{url}/account")
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    expect(page.locator("table.tokens")).to_contain_text("Valid")

    _change(page, "not the password", NEW_PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("The current password is wrong.")
    _change(page, PASSWORD, "password1234")
    expect(page.get_by_role("alert")).to_contain_text("common password")
    _change(page, PASSWORD, NEW_PASSWORD, "something else entirely")
    expect(page.get_by_role("alert")).to_contain_text("the two passwords differ")
    # Nothing changed so far: the old password still logs in over the API's token.
    assert httpx.get(f"{url}/api/v1/me", headers=token).status_code == 200

    _change(page, PASSWORD, NEW_PASSWORD)
    page.wait_for_url(f"{url}/account?done=password*")
    expect(page.get_by_role("status")).to_contain_text("Password changed.")
    expect(page.get_by_role("status")).to_contain_text("1 API token(s) revoked")
    expect(page.locator("table.tokens")).to_contain_text("Revoked")
    refused = httpx.get(f"{url}/api/v1/me", headers=token)
    assert refused.status_code == 401

    # This browser stays logged in; the other one is sent to the login page.
    page.goto(f"{url}/desk")
    assert page.url == f"{url}/desk"
    other.goto(f"{url}/desk")
    assert other.url.startswith(f"{url}/login")
    other.fill("input[name=username]", "reviewer")
    other.fill("input[name=password]", NEW_PASSWORD)
    other.locator("form[action='/login'] button[type=submit]").click()
    other.wait_for_url(f"{url}/desk")
    other_context.close()

    # The change is audited as the user's own.
    admin = live_server.web.auth("admin")
    events = httpx.get(
        f"{url}/api/v1/audit/events", params={"kind": "password_changed"}, headers=admin
    )
    assert events.status_code == 200
    assert any(e["actor"] == "reviewer" for e in events.json()["events"])


def test_a_user_revokes_one_of_their_own_tokens(live_server: LiveServer, page: Page) -> None:
    url = live_server.url
    token = live_server.web.auth("desk")
    assert httpx.get(f"{url}/api/v1/me", headers=token).status_code == 200
    log_in(page, url, "desk")
    page.goto(f"{url}/account")
    expect(page.locator("table.tokens")).to_contain_text("Valid")
    page.locator("table.tokens").get_by_role("button", name="Revoke").click()
    page.wait_for_url(f"{url}/account?done=revoked")
    expect(page.get_by_role("status")).to_contain_text("API token revoked.")
    expect(page.locator("table.tokens")).to_contain_text("Revoked")
    assert httpx.get(f"{url}/api/v1/me", headers=token).status_code == 401


def test_another_users_token_cannot_be_revoked_from_the_account_page(
    live_server: LiveServer,
) -> None:
    url = live_server.url
    supervisor = live_server.web.auth("supervisor")
    listed = httpx.get(f"{url}/api/v1/me", headers=supervisor)
    assert listed.status_code == 200
    with httpx.Client(base_url=url) as client:
        login = client.get("/login")
        assert login.status_code == 200
        # Log in as the admin with a browser session, then post the supervisor's token id.
        prelogin = client.cookies.get("docproc_prelogin")
        done = client.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": prelogin},
        )
        assert done.status_code == 303
        with session_scope(live_server.web.services.session_factory) as session:
            token_id = str(accounts.tokens_of(session, "supervisor")[0].id)
        page = client.get("/account")
        csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        answer = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
        assert answer.status_code == 303
    assert httpx.get(f"{url}/api/v1/me", headers=supervisor).status_code == 200
