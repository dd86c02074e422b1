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


def test_user_tokens_lists_them_and_revoke_takes_one_by_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCPROC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DOCPROC_API_TOKEN_DAYS", "30")
    monkeypatch.delenv("DOCPROC_DATABASE_URL", raising=False)
    monkeypatch.delenv("DOCPROC_STORAGE_URL", raising=False)
    from docproc.config import get_settings

    get_settings.cache_clear()
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["user", "add", "bima", "--role", "desk", "--password-stdin"]) == 0
    assert main(["user", "token", "bima", "--label", "scanner"]) == 0
    assert main(["user", "token", "bima", "--label", "forever", "--days", "0"]) == 0
    scanner, forever = capsys.readouterr().out.split()
    assert main(["user", "tokens", "bima"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()[1:]]
    by_label = {row[1]: row for row in rows}
    assert set(by_label) == {"scanner", "forever"}
    assert by_label["forever"][3] == "never" and by_label["scanner"][3] != "never"
    assert all(row[4] == "live" for row in rows)
    assert scanner not in str(rows) and forever not in str(rows)  # ids, never the tokens

    assert main(["user", "revoke", "bima", "--token", by_label["scanner"][0]]) == 0
    assert main(["user", "revoke", "bima", "--token", by_label["scanner"][0]]) != 0  # gone
    capsys.readouterr()
    assert main(["user", "tokens", "bima"]) == 0
    states = {
        row.split("\t")[1]: row.split("\t")[4] for row in capsys.readouterr().out.splitlines()[1:]
    }
    assert states == {"scanner": "revoked", "forever": "live"}

    settings = Settings(data_dir=tmp_path)
    with TestClient(create_app(settings, services=open_services(settings))) as client:
        assert (
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {scanner}"}).status_code
            == 401
        )
        assert (
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {forever}"}).status_code
            == 200
        )
    get_settings.cache_clear()
