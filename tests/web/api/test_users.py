"""``docproc user``: add, token, revoke, disable -- through the real command."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from docproc.cli import main
from docproc.config import Settings
from docproc.errors import ExitCode
from docproc.services import open_services
from docproc.web.app import create_app


def test_user_command_adds_users_and_tokens_that_work_until_revoked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCPROC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOCPROC_DATABASE_URL", raising=False)
    monkeypatch.delenv("DOCPROC_STORAGE_URL", raising=False)
    from docproc.config import get_settings

    get_settings.cache_clear()
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["user", "add", "amira", "--role", "supervisor", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    code = main(["user", "add", "amira", "--role", "desk", "--password-stdin"])
    assert code == ExitCode.bad_arguments
    assert "user_exists" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "add", "bob", "--role", "desk", "--password-stdin"]) != 0

    capsys.readouterr()
    assert main(["user", "token", "amira", "--label", "bridge"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("dp_")

    settings = Settings(data_dir=tmp_path)
    app = create_app(settings, services=open_services(settings))
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        me = client.get("/api/v1/me", headers=headers).json()
        assert me == {"username": "amira", "role": "supervisor", "via": "token"}
        assert main(["user", "disable", "amira"]) == 0
        assert client.get("/api/v1/me", headers=headers).status_code == 401
        assert main(["user", "enable", "amira"]) == 0
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        assert main(["user", "revoke", "amira"]) == 0
        assert client.get("/api/v1/me", headers=headers).status_code == 401
        audit = client.get("/api/v1/audit/events", headers=headers)
        assert audit.status_code == 401  # the revoked token reads nothing
    get_settings.cache_clear()
