"""Accounts through the app: admin pages (admins only, CSRF, audited), tokens that expire or are
revoked by a password reset, the login throttle shared by two app instances on one database,
error pages for browsers in their language (JSON for the API), the login page's language."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from docproc.casework.auth import create_api_token
from docproc.db.models import ApiToken, Event
from docproc.db.session import session_scope
from docproc.web.app import create_app
from tests.web.conftest import PASSWORD, WebApp, build_app, login

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
INDONESIAN = {**BROWSER, "accept-language": "id-ID,id;q=0.9,en;q=0.5"}
NEW_PASSWORD = "tinta-biru 7 gunung"


def _events(web: WebApp, kind: str) -> list[Event]:
    with session_scope(web.services.session_factory) as session:
        return list(session.scalars(select(Event).where(Event.kind == kind)))


def _form_login(client: TestClient, username: str, password: str) -> int:
    client.get("/login")
    token = client.cookies.get("docproc_prelogin")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/desk"},
        follow_redirects=False,
    )
    status: int = response.status_code
    return status


def test_admin_pages_are_for_admins_only(web: WebApp, client: TestClient) -> None:
    assert client.get("/admin/users", headers=web.auth("supervisor")).status_code == 403
    assert client.get("/admin/users", headers=web.auth("admin")).status_code == 200
    login(client, "supervisor")
    page = client.get("/admin/users", headers=INDONESIAN)
    assert page.status_code == 403
    assert "text/html" in page.headers["content-type"] and "Tidak diizinkan" in page.text


def test_admin_forms_need_the_sessions_csrf_token(web: WebApp, client: TestClient) -> None:
    login(client, "admin")
    response = client.post(
        "/admin/users",
        data={
            "username": "sari",
            "role": "desk",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 403
    assert _events(web, "created") and not any(
        e.new == "desk" and e.actor == "admin" for e in _events(web, "created")
    )


def test_an_admin_creates_and_disables_a_user_who_then_cannot_log_in(
    web: WebApp, client: TestClient
) -> None:
    csrf = login(client, "admin")
    created = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "sari",
            "role": "reviewer",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
        follow_redirects=False,
    )
    assert created.status_code == 303 and created.headers["location"].startswith(
        "/admin/users/sari"
    )
    asked = client.post("/admin/users/sari/active", data={"csrf_token": csrf, "active": "false"})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    with TestClient(web.app) as other:
        assert _form_login(other, "sari", NEW_PASSWORD) == 303  # not disabled before confirming
    done = client.post(
        "/admin/users/sari/active",
        data={"csrf_token": csrf, "active": "false", "confirm": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with TestClient(web.app) as other:
        assert _form_login(other, "sari", NEW_PASSWORD) == 401
    assert [e.actor for e in _events(web, "disabled")] == ["admin"]
    assert any(e.actor == "admin" and e.new == "reviewer" for e in _events(web, "created"))


def test_an_admin_cannot_lock_themselves_out(web: WebApp, client: TestClient) -> None:
    csrf = login(client, "admin")
    for url, data in (
        ("/admin/users/admin/active", {"active": "false", "confirm": "yes"}),
        ("/admin/users/admin/role", {"role": "desk"}),
    ):
        assert client.post(url, data={"csrf_token": csrf, **data}).status_code == 403
    assert client.get("/admin/users", headers=BROWSER).status_code == 200


def test_a_weak_password_is_refused_on_the_form_with_the_reason(client: TestClient) -> None:
    csrf = login(client, "admin")
    response = client.post(
        "/admin/users/desk/password",
        data={"csrf_token": csrf, "password": "password12", "password_again": "password12"},
        headers=INDONESIAN,
    )
    assert response.status_code == 422
    assert "Nama pengguna atau kata sandi tidak diterima" in response.text


def test_a_password_reset_revokes_the_users_tokens_and_sessions(
    web: WebApp, client: TestClient
) -> None:
    assert client.get("/api/v1/me", headers=web.auth("desk")).status_code == 200
    with TestClient(web.app) as desk_browser:
        login(desk_browser, "desk")
        assert desk_browser.get("/desk").status_code == 200
        csrf = login(client, "admin")
        reset = client.post(
            "/admin/users/desk/password",
            data={"csrf_token": csrf, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
            headers=INDONESIAN,
        )
        assert reset.status_code == 200 and "1 token API dicabut" in reset.text
        assert desk_browser.get("/desk", follow_redirects=False).status_code == 401
    refused = client.get("/api/v1/me", headers=web.auth("desk"))
    assert refused.status_code == 401 and refused.json()["reason"] == "unauthorised"
    assert [e.actor for e in _events(web, "password_changed")] == ["admin"]
    assert [e.actor for e in _events(web, "token_revoked")] == ["admin"]


def test_tokens_are_listed_and_revoked_one_by_one_on_the_admin_page(
    web: WebApp, client: TestClient
) -> None:
    with session_scope(web.services.session_factory) as session:
        second = create_api_token(session, "desk", "bridge", actor="test")
    with session_scope(web.services.session_factory) as session:
        bridge = session.scalars(select(ApiToken).where(ApiToken.name == "bridge")).one()
    csrf = login(client, "admin")
    page = client.get("/admin/users/desk", headers=BROWSER)
    assert str(bridge.id)[:8] in page.text and second not in page.text
    url = f"/admin/users/desk/tokens/{bridge.id}/revoke"
    asked = client.post(url, data={"csrf_token": csrf})
    assert asked.status_code == 200 and 'value="yes"' in asked.text
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    )
    client.post(url, data={"csrf_token": csrf, "confirm": "yes"})
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    )
    assert client.get("/api/v1/me", headers=web.auth("desk")).status_code == 200


def test_a_token_past_its_expiry_is_refused(web: WebApp, client: TestClient) -> None:
    assert client.get("/api/v1/me", headers=web.auth("reviewer")).status_code == 200
    with session_scope(web.services.session_factory) as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.name == "test", ApiToken.user.has(username="reviewer"))
            .values(expires_at=ApiToken.created_at)
        )
    refused = client.get("/api/v1/me", headers=web.auth("reviewer"))
    assert refused.status_code == 401
    assert "expired" in refused.json()["message"]


def test_the_login_throttle_holds_across_two_app_instances(backend_web: WebApp) -> None:
    """Two web processes on one database: failures at either count for both."""
    state = backend_web.app.state.docproc
    second: FastAPI = create_app(state.settings, services=backend_web.services, worker_name="b")
    with TestClient(backend_web.app) as first_client, TestClient(second) as second_client:
        for i in range(5):
            assert _form_login((first_client, second_client)[i % 2], "desk", "wrong!") == 401
        assert _form_login(first_client, "desk", PASSWORD) == 429
        assert _form_login(second_client, "desk", PASSWORD) == 429
    third = create_app(state.settings, services=backend_web.services, worker_name="restarted")
    with TestClient(third) as restarted:  # a restarted process still refuses
        assert _form_login(restarted, "desk", PASSWORD) == 429


def test_unknown_urls_are_a_page_for_browsers_and_json_for_the_api(client: TestClient) -> None:
    page = client.get("/no/such/page", headers=INDONESIAN)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert '<html lang="id">' in page.text and "Halaman tidak ditemukan" in page.text
    english = client.get("/no/such/page", headers=BROWSER)
    assert "Page not found" in english.text
    api = client.get("/api/v1/no/such/route", headers=INDONESIAN)
    assert api.status_code == 404
    assert api.json()["reason"] == "route_not_found" and set(api.json()) == {
        "reason",
        "message",
        "fix",
    }
    assert client.get("/no/such/page").json()["reason"] == "route_not_found"  # not a browser


def test_a_logged_in_users_error_page_keeps_their_header(client: TestClient) -> None:
    login(client, "reviewer")
    page = client.get("/no/such/page", headers=INDONESIAN)
    assert page.status_code == 404 and "Keluar" in page.text and "/review" in page.text


def test_an_unexpected_error_is_a_500_page_without_internals(web: WebApp) -> None:
    def boom() -> None:
        raise RuntimeError("secret value AHMADI 1990-04-12")

    web.app.add_api_route("/boom", boom)
    web.app.add_api_route("/api/v1/boom", boom)
    with TestClient(web.app, raise_server_exceptions=False) as client:
        page = client.get("/boom", headers=INDONESIAN)
        assert page.status_code == 500 and "Terjadi kesalahan" in page.text
        api = client.get("/api/v1/boom", headers=INDONESIAN)
    assert api.status_code == 500 and api.json()["reason"] == "internal_error"
    for text in (page.text, api.text):
        assert "AHMADI" not in text and "Traceback" not in text
    for answer in (page, api):  # the error answers carry the security headers too
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"


def test_the_login_page_follows_the_browser_and_offers_the_switch(web: WebApp) -> None:
    with TestClient(web.app) as visitor:
        page = visitor.get("/login", headers=INDONESIAN)
        assert '<html lang="id">' in page.text and "Nama pengguna" in page.text
        assert 'action="/login/language"' in page.text
        token = visitor.cookies.get("docproc_prelogin")
        chosen = visitor.post(
            "/login/language",
            data={"language": "en", "csrf_token": token, "next": "/audit"},
            follow_redirects=False,
        )
        assert chosen.status_code == 303 and chosen.headers["location"] == "/login?next=/audit"
        again = visitor.get("/login", headers=INDONESIAN)
        assert '<html lang="en">' in again.text and "User name" in again.text
        stale = visitor.post("/login/language", data={"language": "id", "csrf_token": "x"})
        assert stale.status_code == 403


def test_the_audit_page_shows_words_and_short_ids(web: WebApp, client: TestClient) -> None:
    csrf = login(client, "admin")
    client.post("/admin/users/desk/tokens/revoke", data={"csrf_token": csrf, "confirm": "yes"})
    page = client.get("/audit", headers=INDONESIAN)
    assert page.status_code == 200
    cells = re.findall(r"<td>([^<]*)</td>", page.text)
    assert "Token API dicabut" in cells and "Petugas loket" in cells
    assert "token_revoked" not in cells
    shown = re.sub(r'(title|href|datetime)="[^"]*"', "", page.text)
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", shown)
    assert "WIB" in page.text


def test_bulk_reads_are_rate_limited_per_user_and_audited(tmp_path: Path) -> None:
    web = build_app(f"sqlite:///{tmp_path / 'docproc.db'}", tmp_path)
    settings = web.app.state.docproc.settings.model_copy(update={"bulk_reads_per_hour": 3})
    app = create_app(settings, services=web.services, worker_name="bulk")
    supervisor, admin = web.auth("supervisor"), web.auth("admin")
    with TestClient(app) as client:
        for _ in range(5):  # pages of the usual size are not bulk reads
            assert client.get("/api/v1/persons?limit=50", headers=supervisor).status_code == 200
        for url in ("/api/v1/persons?limit=1000", "/api/v1/cases?limit=500"):
            assert client.get(url, headers=supervisor).status_code == 200
        csv = client.get("/api/v1/audit/events?format=csv", headers=supervisor)
        assert csv.status_code == 200
        refused = client.get("/api/v1/persons?limit=1000", headers=supervisor)
        assert refused.status_code == 429 and refused.json()["reason"] == "too_many_bulk_reads"
        # another user has their own budget; a second app instance counts the same rows
        again = create_app(settings, services=web.services, worker_name="bulk-2")
        with TestClient(again) as other:
            assert other.get("/api/v1/persons?limit=1000", headers=admin).status_code == 200
            assert other.get("/api/v1/persons?limit=1000", headers=supervisor).status_code == 429
    bulk = _events(web, "bulk_read")
    assert [e.actor for e in bulk].count("supervisor") == 3
    assert {e.detail["path"] for e in bulk if e.detail} == {
        "/api/v1/persons",
        "/api/v1/cases",
        "/api/v1/audit/events",
    }
