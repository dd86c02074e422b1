"""The admin pages in a real browser: create a user, disable it (after confirming), and the
disabled user cannot log in; a password reset revokes the user's API tokens; the pages in
Indonesian, with a screenshot for docs/web.md."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.web.pages.conftest import SCREENSHOTS, LiveServer, log_in

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect

NEW_PASSWORD = "tinta-biru 7 gunung"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture
def indonesian_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    yield context.new_page()
    context.close()


def _try_login(page: Page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form[action='/login'] button[type=submit]").click()


def test_an_admin_creates_a_user_disables_it_and_it_cannot_log_in(
    live_server: LiveServer, page: Page, browser: Browser
) -> None:
    url = live_server.url
    log_in(page, url, "admin")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    page.fill("input[name=username]", "nadia")
    page.select_option("select[name=role]", "desk")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=password_again]", NEW_PASSWORD)
    page.get_by_role("button", name="Create user").click()
    page.wait_for_url(f"{url}/admin/users/nadia?done=created")
    expect(page.get_by_role("status")).to_contain_text("User created.")

    # The new user can log in (in another browser).
    other = browser.new_context()
    newcomer = other.new_page()
    _try_login(newcomer, url, "nadia", NEW_PASSWORD)
    newcomer.wait_for_url(f"{url}/desk")
    other.close()

    page.get_by_role("button", name="Disable user").click()
    expect(page.get_by_role("heading", name="Please confirm")).to_be_visible()
    page.get_by_role("button", name="Disable").click()
    page.wait_for_url(f"{url}/admin/users/nadia?done=disabled")
    expect(page.locator("h1")).to_contain_text("Disabled")

    other = browser.new_context()
    refused = other.new_page()
    _try_login(refused, url, "nadia", NEW_PASSWORD)
    expect(refused.get_by_role("alert")).to_contain_text("Wrong user name or password")
    assert refused.url.startswith(f"{url}/login")
    other.close()

    page.goto(f"{url}/admin/users")
    row = page.locator("tr", has_text="nadia")
    expect(row).to_contain_text("Disabled")


def test_a_password_reset_on_the_page_revokes_the_users_tokens(
    live_server: LiveServer, page: Page
) -> None:
    url = live_server.url
    token = live_server.web.auth("supervisor")
    assert httpx.get(f"{url}/api/v1/me", headers=token).status_code == 200
    log_in(page, url, "admin")
    page.goto(f"{url}/admin/users/supervisor")
    expect(page.locator("table.tokens")).to_contain_text("Valid")
    reset = page.locator("form[action$='/password']")
    reset.locator("input[name=password]").fill(NEW_PASSWORD)
    reset.locator("input[name=password_again]").fill(NEW_PASSWORD)
    reset.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("1 API token(s) revoked")
    expect(page.locator("table.tokens")).to_contain_text("Revoked")
    refused = httpx.get(f"{url}/api/v1/me", headers=token)
    assert refused.status_code == 401 and refused.json()["reason"] == "unauthorised"


def test_the_admin_pages_in_indonesian(live_server: LiveServer, indonesian_page: Page) -> None:
    page, url = indonesian_page, live_server.url
    page.goto(f"{url}/login")
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
    log_in(page, url, "admin")
    page.goto(f"{url}/admin/users")
    expect(page.locator("h1")).to_contain_text("Pengguna")
    expect(page.locator("table.users")).to_contain_text("Petugas loket")
    expect(page.get_by_role("button", name="Buat pengguna")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-id.png"), full_page=True)

    missing = page.goto(f"{url}/tidak/ada")
    assert missing is not None and missing.status == 404
    expect(page.get_by_role("heading", name="Halaman tidak ditemukan")).to_be_visible()
    expect(page.get_by_role("link", name="Kembali ke loket")).to_be_visible()


def test_the_language_switches_in_the_header_and_on_the_login_page(
    live_server: LiveServer, indonesian_page: Page
) -> None:
    page, url = indonesian_page, live_server.url
    page.goto(f"{url}/login")
    expect(page.locator("h1")).to_have_text("Masuk")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Log in")  # the visitor's choice beats the browser's
    log_in(page, url, "admin")  # (the supervisor's password was changed above)
    expect(page.get_by_role("link", name="Audit log")).to_be_visible()
    page.select_option("form.lang select", "id")  # the header's menu submits itself (base.js)
    expect(page.get_by_role("link", name="Log audit")).to_be_visible()
    page.goto(f"{url}/audit")
    expect(page.locator("h1")).to_contain_text("Log audit")
    expect(page.locator("table.audit")).to_contain_text("WIB")
    page.select_option("form.lang select", "en")
    expect(page.get_by_role("link", name="Audit log")).to_be_visible()
