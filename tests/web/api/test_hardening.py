"""The probe's low findings, closed: bounded numbers and searches, every error in the documented
shape, fixes validated, downloads typed from their bytes, HSTS over HTTPS, the docs page off."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from docproc.casework import review
from docproc.casework.auth import Principal
from docproc.db import repo
from docproc.db.models import Document, DocumentStatus, Role
from docproc.db.session import session_scope
from tests.casework.conftest import new_birth_date, new_number, record_read
from tests.web.conftest import SAMPLES, WebApp

HUGE = 2**63


def _shaped(body: object) -> bool:
    return isinstance(body, dict) and set(body) == {"reason", "message", "fix"}


def test_huge_numbers_are_a_422_never_a_500(web: WebApp, client: TestClient) -> None:
    reviewer, supervisor = web.auth("reviewer"), web.auth("supervisor")
    calls = [
        ("GET", f"/api/v1/review/tasks/{HUGE}", reviewer),
        ("POST", f"/api/v1/review/tasks/{HUGE}/claim", reviewer),
        ("GET", f"/api/v1/person-matches/{HUGE}", reviewer),
        ("GET", f"/api/v1/audit/events?offset={HUGE}", supervisor),
        ("GET", f"/api/v1/cases?offset={HUGE * 4}", supervisor),
        ("GET", f"/api/v1/documents/{uuid.uuid4()}/pages/{HUGE}.jpg", supervisor),
    ]
    for method, url, headers in calls:
        response = client.request(method, url, headers=headers)
        assert response.status_code == 422, (url, response.text)
        assert _shaped(response.json()) and response.json()["reason"] == "bad_request"
    # in range but missing: 404 in the same shape
    response = client.get(f"/api/v1/review/tasks/{2**53}", headers=reviewer)
    assert response.status_code == 404 and response.json()["reason"] == "record_not_found"


def test_every_error_has_the_documented_shape(web: WebApp, client: TestClient) -> None:
    desk = web.auth("desk")
    for response, status, reason in (
        (client.get("/api/v1/nothing-here", headers=desk), 404, "route_not_found"),
        (client.delete("/api/v1/me", headers=desk), 405, "method_not_allowed"),
        (client.get("/api/v1/documents/not-a-uuid", headers=desk), 422, "bad_request"),
        (client.post("/api/v1/cases", content=b"{", headers=desk), 422, "bad_request"),
        (client.post("/api/v1/documents", headers=desk, data={"x": "1"}), 422, "missing_file"),
        (client.get("/api/v1/me"), 401, "login_required"),
    ):
        assert response.status_code == status, response.text
        assert _shaped(response.json()) and response.json()["reason"] == reason
    assert "detail" not in client.get("/api/v1/documents/x", headers=desk).text


def test_name_searches_are_bounded(web: WebApp, client: TestClient) -> None:
    long_search = " ".join(["ahmad"] * 1500)
    response = client.get("/api/v1/persons", params={"name": long_search}, headers=web.auth("desk"))
    assert response.status_code == 422 and _shaped(response.json())
    nine = " ".join(f"w{i}" for i in range(9))
    response = client.get("/api/v1/persons", params={"name": nine}, headers=web.auth("desk"))
    assert response.status_code == 422 and response.json()["reason"] == "bad_search"
    page = client.get(
        "/people",
        params={"name": long_search},
        headers={**web.auth("desk"), "Accept": "text/html"},
    )
    assert page.status_code == 422 and "Expression tree" not in page.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("birth_date", "2020-13-45"),
        ("birth_date", "1850-01-01"),
        ("expiry_date", "12/03/2030"),
        ("surname", "X" * 100_001),
        ("surname", "RAHIMI\x00"),
        ("given_names", "ALI\u202eIMIHAR"),
        ("given_names", "ALI 2"),
        ("sex", "Q"),
        ("nationality", "AFGHANISTAN"),
        ("document_number", "P-123 456"),
    ],
)
def test_fixes_are_validated_by_field(
    web: WebApp, client: TestClient, field: str, value: str
) -> None:
    factory = web.services.session_factory
    document_id = record_read(
        factory,
        DocumentStatus.needs_review,
        document_number=new_number(),
        birth_date=new_birth_date(),
    )
    reviewer = Principal(user_id="x", username="reviewer", role=Role.reviewer, via="token")
    with session_scope(factory) as session:
        document = session.get(Document, document_id)
        assert document is not None
        task = review.open_task_for(session, document, 0.0)
        assert task is not None
        task_id = task.id
        review.claim(session, task_id, reviewer)
    response = client.post(
        f"/api/v1/review/tasks/{task_id}/fix",
        json={"fields": {field: value}},
        headers=web.auth("reviewer"),
    )
    assert response.status_code in {413, 422}, response.text
    assert response.json()["reason"] in {"bad_fix", "body_too_large"}
    with session_scope(factory) as session:
        assert repo.latest_extraction(session, document_id).version == 1  # type: ignore[union-attr]
    good = client.post(
        f"/api/v1/review/tasks/{task_id}/fix",
        json={"fields": {"surname": "O'BRIEN-ŞAHİN", "birth_date": "1990-04-13"}},
        headers=web.auth("reviewer"),
    )
    assert good.status_code == 200, good.text


def test_a_download_is_typed_from_its_bytes_not_its_name(web: WebApp, client: TestClient) -> None:
    data = (SAMPLES / "03_td2_clean.jpg").read_bytes()
    uploaded = client.post(
        "/api/v1/documents",
        headers=web.auth("desk"),
        files={"file": ("poly.html", data, "text/html")},
    )
    assert uploaded.status_code == 202, uploaded.text
    original = client.get(
        f"/api/v1/documents/{uploaded.json()['id']}/original", headers=web.auth("desk")
    )
    assert original.status_code == 200
    assert original.headers["content-type"] == "image/jpeg"
    assert original.headers["content-disposition"].startswith("attachment")


def test_hsts_over_https_and_no_swagger_ui_by_default(web: WebApp) -> None:
    with TestClient(web.app, base_url="https://desk.example") as secure:
        response = secure.get("/healthz")
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
        assert secure.get("/api/v1/docs").status_code == 404
        assert secure.get("/api/v1/openapi.json").status_code == 200
    with TestClient(web.app) as plain:
        assert "strict-transport-security" not in plain.get("/healthz").headers
