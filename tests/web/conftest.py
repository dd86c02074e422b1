"""Fixtures for the web app: a migrated database, a local store, users of every role."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from docproc.casework.auth import create_api_token, create_user
from docproc.config import Settings
from docproc.db.models import Role
from docproc.db.session import migrate, session_scope
from docproc.services import Services, open_services
from docproc.web.app import create_app
from tests.paths import REPO

PASSWORD = "correct horse battery"
ROLES = ("desk", "reviewer", "supervisor", "admin")
SAMPLES = REPO / "samples" / "images"


@dataclass
class WebApp:
    app: FastAPI
    services: Services
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def build_app(database_url: str, root: Path, *, sample_rate: float = 1.0) -> WebApp:
    """A migrated app with one user and one API token per role (user name = role)."""
    settings = Settings(
        data_dir=root,
        database_url=database_url,
        storage_url=f"file://{root / 'objects'}",
        workers=2,
        # Read in this process (asked for): an app per test would start reader processes that
        # load the models again; the reader processes are tested in tests/web/api/test_readers.
        dispatch="thread",
    )
    migrate(database_url)
    services = open_services(settings)
    tokens = {}
    with session_scope(services.session_factory) as session:
        for role in ROLES:
            create_user(session, role, PASSWORD, Role(role), actor="test")
            tokens[role] = create_api_token(session, role, "test", actor="test")
    app = create_app(settings, services=services, sample_rate=sample_rate, worker_name="test-web")
    return WebApp(app, services, tokens)


@pytest.fixture
def web(tmp_path: Path) -> WebApp:
    return build_app(f"sqlite:///{tmp_path / 'docproc.db'}", tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_web(request: pytest.FixtureRequest, tmp_path: Path) -> WebApp:
    """The app on SQLite, then on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return build_app(f"sqlite:///{tmp_path / 'docproc.db'}", tmp_path)
    make_pg_database: Callable[[], str] = request.getfixturevalue("make_pg_database")
    return build_app(make_pg_database(), tmp_path)


@pytest.fixture
def backend_client(backend_web: WebApp) -> Iterator[TestClient]:
    with TestClient(backend_web.app) as test_client:
        yield test_client


@pytest.fixture
def client(web: WebApp) -> Iterator[TestClient]:
    with TestClient(web.app) as test_client:
        yield test_client


def login(client: TestClient, username: str) -> str:
    """Log in through the form; return the session's CSRF token."""
    page = client.get("/login")
    token = client.cookies.get("docproc_prelogin")
    assert page.status_code == 200 and token
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/desk"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    desk = client.get("/desk")
    marker = 'name="csrf-token" content="'
    start = desk.text.index(marker) + len(marker)
    csrf: str = desk.text[start : desk.text.index('"', start)]
    return csrf


def wait_until_finished(
    client: TestClient, document_id: str, headers: dict[str, str], timeout: float = 120.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(
            f"/api/v1/documents/{document_id}", headers=headers
        ).json()
        if body.get("finished"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"document {document_id} not finished within {timeout} s")


def upload_sample(client: TestClient, headers: dict[str, str], name: str) -> str:
    data = (SAMPLES / name).read_bytes()
    response = client.post(
        "/api/v1/documents", headers=headers, files={"file": (name, data, "image/jpeg")}
    )
    assert response.status_code == 202, response.text
    document_id: str = response.json()["id"]
    return document_id


BuildApp = Callable[[str, Path], WebApp]
