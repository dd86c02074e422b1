"""Who may call what: every API route refuses strangers, roles are enforced, CSRF is checked."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import BaseRoute

from docproc.db.models import ApiToken, User
from docproc.db.session import session_scope
from tests.web.conftest import WebApp, login

_DUMMY = {
    "document_id": str(uuid.uuid4()),
    "task_id": "1",
    "page": "1",
    "person_id": str(uuid.uuid4()),
    "match_id": "1",
    "case_id": str(uuid.uuid4()),
    "batch_id": str(uuid.uuid4()),
    "username": "desk",
    "token_id": str(uuid.uuid4()),
}


def _walk(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path, also inside included routers (FastAPI >= 0.16x keeps
    them as one ``_IncludedRouter`` entry of ``app.routes`` each)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from _walk(included.routes, prefix + getattr(context, "prefix", ""))


def _calls(web: WebApp, prefix: str) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []
    for path, route in _walk(web.app.routes):
        if path.startswith(prefix):
            calls.extend((method, path.format(**_DUMMY)) for method in sorted(route.methods or ()))
    return calls


def _api_calls(web: WebApp, prefix: str = "/api/v1") -> list[tuple[str, str]]:
    """Every (method, concrete path) of the API, straight from ``app.routes``."""
    return _calls(web, prefix)


def test_the_api_has_routes_to_check(web: WebApp) -> None:
    paths = {path for _, path in _api_calls(web)}
    assert len(paths) >= 10
    assert "/api/v1/documents" in paths


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer dp_wrong"}, {"Authorization": "Basic Zm9vOmJhcg=="}],
    ids=["missing", "wrong", "not-bearer"],
)
def test_every_api_endpoint_refuses_a_missing_or_wrong_token(
    web: WebApp, client: TestClient, headers: dict[str, str]
) -> None:
    for method, path in _api_calls(web):
        response = client.request(method, path, headers=headers)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["reason"] in {"unauthorised", "login_required"}


def test_a_desk_token_cannot_reach_review_or_audit(web: WebApp, client: TestClient) -> None:
    calls = _api_calls(web, "/api/v1/review") + _api_calls(web, "/api/v1/audit")
    assert calls
    for method, path in calls:
        response = client.request(method, path, headers=web.auth("desk"), json={})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["reason"] == "forbidden"


def test_a_desk_token_cannot_decide_duplicates_or_export(web: WebApp, client: TestClient) -> None:
    calls = [
        (method, path)
        for method, path in _api_calls(web)
        if path.startswith("/api/v1/person-matches") or path.endswith("/export")
    ]
    assert len(calls) >= 6
    for role in ("desk", "reviewer"):
        for method, path in calls:
            if role == "reviewer" and not path.endswith("/export"):
                continue
            response = client.request(method, path, headers=web.auth(role), json={})
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.json()["reason"] == "forbidden"


def test_review_and_audit_are_open_to_the_roles_above(web: WebApp, client: TestClient) -> None:
    assert client.get("/api/v1/review/tasks", headers=web.auth("reviewer")).status_code == 200
    assert client.get("/api/v1/audit/events", headers=web.auth("reviewer")).status_code == 403
    assert client.get("/api/v1/audit/events", headers=web.auth("supervisor")).status_code == 200
    assert client.get("/api/v1/audit/events", headers=web.auth("admin")).status_code == 200


def test_a_desk_user_gets_403_pages_for_review_and_audit(client: TestClient) -> None:
    login(client, "desk")
    for path in ("/review", "/audit", "/people/matches", "/people/matches/1", "/admin/users"):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 403
        assert "forbidden" in response.text


PUBLIC = {"/", "/login", "/login/language", "/healthz", "/readyz", "/metrics", "/hooks/s3"}
#: The login's second step: reached with the pending session the password opened, else it sends
#: the visitor back to the login page (tests/web/pages/test_second_factor_pages.py).
PUBLIC |= {"/login/code", "/login/enrol"}


def test_every_page_refuses_strangers(web: WebApp, client: TestClient) -> None:
    pages = [(m, p) for m, p in _calls(web, "/") if not p.startswith("/api/") and p not in PUBLIC]
    assert len(pages) >= 8
    for method, path in pages:
        response = client.request(
            method, path, headers={"Accept": "text/html"}, follow_redirects=False
        )
        if method == "GET":
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 401, (method, path)


def test_the_second_factor_steps_send_strangers_to_the_login(client: TestClient) -> None:
    for path in ("/login/code", "/login/enrol"):
        page = client.get(path, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
        form = {"code": "123456", "csrf_token": "x", "next": "/desk", "secret": "A" * 32}
        posted = client.post(path, data=form, follow_redirects=False)
        assert posted.status_code == 303 and posted.headers["location"].startswith("/login?")


def test_the_session_cookie_is_httponly_and_samesite_strict(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "desk",
            "password": "correct horse battery",
            "csrf_token": page.cookies.get("docproc_prelogin") or "",
        },
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "docproc_session" in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie


def test_a_wrong_password_is_refused(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "desk",
            "password": "not the password",
            "csrf_token": page.cookies.get("docproc_prelogin") or "",
        },
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "docproc_session" not in response.cookies


def test_a_post_with_the_session_cookie_needs_the_csrf_token(client: TestClient) -> None:
    csrf = login(client, "reviewer")
    without = client.post("/api/v1/review/tasks/1/claim")
    assert without.status_code == 403
    assert without.json()["reason"] == "csrf_failed"
    wrong = client.post("/api/v1/review/tasks/1/claim", headers={"X-CSRF-Token": "x" * 64})
    assert wrong.json()["reason"] == "csrf_failed"
    right = client.post("/api/v1/review/tasks/1/claim", headers={"X-CSRF-Token": csrf})
    assert right.status_code == 404  # past the checks: there is no task 1
    form = client.post("/review/1/claim", data={}, headers={"Accept": "text/html"})
    assert form.status_code == 403


def test_secrets_are_stored_only_as_hashes(web: WebApp) -> None:
    with session_scope(web.services.session_factory) as session:
        users = list(session.scalars(select(User)))
        hashes = list(session.scalars(select(ApiToken.token_hash)))
    assert all(u.password_hash.startswith("$argon2id$") for u in users)
    assert not set(web.tokens.values()) & set(hashes)


def test_health_readiness_and_metrics(web: WebApp, client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    client.get("/api/v1/me", headers=web.auth("desk"))
    metrics = client.get("/metrics").text
    assert 'docproc_documents{status="queued"}' in metrics
    assert "docproc_review_queue_depth" in metrics
    assert 'docproc_http_request_duration_seconds_count{method="GET",route="/api/v1/me"' in metrics


def test_the_openapi_document_lists_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/documents" in spec["paths"]
    assert "/api/v1/review/tasks/{task_id}/fix" in spec["paths"]


def test_logins_are_throttled_after_five_failures(client: TestClient) -> None:
    token = client.get("/login").cookies.get("docproc_prelogin") or ""

    def attempt(password: str) -> int:
        form = {"username": "reviewer", "password": password, "csrf_token": token}
        status: int = client.post("/login", data=form, follow_redirects=False).status_code
        return status

    assert [attempt("guess") for _ in range(5)] == [401] * 5
    assert attempt("correct horse battery") == 429
