"""The second factor in a real browser: a user sets one up on /account from the page's own key,
then logs in with password and code (a wrong code refused, the step's page unreachable without
the password); an admin removes it; a role that requires one enrols at its next login."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from docproc.casework import totp
from tests.casework.test_second_factor import _wrong
from tests.web.conftest import PASSWORD
from tests.web.pages.axe import assert_accessible
from tests.web.pages.conftest import LiveServer, log_in

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield context.new_page()
    context.close()


def _password(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()


def _key(page: Page) -> str:
    return page.locator("code.secret").inner_text().replace(" ", "")


def test_a_user_sets_up_a_second_factor_and_logs_in_with_it(
    live_server: LiveServer, page: Page, browser: Browser
) -> None:
    url = live_server.url
    log_in(page, url, "reviewer")
    page.goto(f"{url}/account")
    form = page.locator("form[action='/account/second-factor']")
    expect(form.locator(".qr svg")).to_be_visible()
    assert_accessible(page)
    secret = _key(page)
    form.locator("input[name=code]").fill(_wrong(secret))
    form.get_by_role("button", name="Set up the second factor").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong code")
    assert _key(page) == secret  # the same key again: the app already holds it
    form = page.locator("form[action='/account/second-factor']")
    form.locator("input[name=code]").fill(totp.code_at(secret, totp.step_of()))
    form.get_by_role("button", name="Set up the second factor").click()
    page.wait_for_url(f"{url}/account?done=second_factor_on")
    expect(page.get_by_role("status")).to_contain_text("Second factor set up")

    # A new browser: the password alone opens only the code's page.
    other = browser.new_context()
    login = other.new_page()
    _password(login, url, "reviewer")
    login.wait_for_url(re.compile(r"/login/code\?next="))
    expect(login.get_by_role("heading", name="Code from your app")).to_be_visible()
    assert_accessible(login)
    login.goto(f"{url}/desk")
    assert login.url.startswith(f"{url}/login")  # the pending session opens nothing else
    login.goto(f"{url}/login/code")
    login.fill("input[name=code]", _wrong(secret))
    login.get_by_role("button", name="Log in").click()
    expect(login.get_by_role("alert")).to_contain_text("Wrong or used code")
    login.fill("input[name=code]", totp.code_at(secret, totp.step_of() + 1))
    login.get_by_role("button", name="Log in").click()
    login.wait_for_url(f"{url}/desk")
    other.close()

    # The admin removes it (a lost phone), after confirming; the password alone logs in again.
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    log_in(admin, url, "admin")
    admin.goto(f"{url}/admin/users/reviewer")
    expect(admin.locator("form[action$='/second-factor/remove'] .badge")).to_have_text("On")
    admin.get_by_role("button", name="Remove the second factor").click()
    expect(admin.get_by_role("heading", name="Please confirm")).to_be_visible()
    admin.get_by_role("button", name="Remove").click()
    admin.wait_for_url(f"{url}/admin/users/reviewer?done=second_factor_removed")
    expect(admin.locator("form[action$='/second-factor/remove'] .badge")).to_have_text("Off")
    admin_context.close()
    log_in(page, url, "reviewer")


def test_a_role_that_requires_a_second_factor_enrols_at_login(
    live_server: LiveServer, page: Page
) -> None:
    url = live_server.url
    settings = live_server.web.app.state.docproc.settings
    settings.second_factor_roles = "supervisor"
    try:
        _password(page, url, "supervisor")
        page.wait_for_url(re.compile(r"/login/enrol\?next="))
        expect(page.get_by_role("heading", name="Set up a second factor")).to_be_visible()
        expect(page.locator(".qr svg")).to_be_visible()
        secret = _key(page)
        page.fill("input[name=code]", totp.code_at(secret, totp.step_of()))
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{url}/desk")
        page.goto(f"{url}/account")
        expect(page.locator("form[action='/account/second-factor/remove']")).to_contain_text(
            "Your role must keep a second factor."
        )
    finally:
        settings.second_factor_roles = ""
