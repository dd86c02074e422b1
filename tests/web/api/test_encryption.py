"""The whole path with encryption at rest on: an upload is read, its record and images served,
found by the desk search, and neither the store folder nor the database file holds a scan, a
page image, the name or the document number in the clear."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from fastapi.testclient import TestClient

from docproc.casework.auth import create_api_token, create_user
from docproc.config import Settings
from docproc.db.models import Role
from docproc.db.session import migrate, session_scope
from docproc.services import open_services
from docproc.storage import EncryptedStore
from docproc.web.app import create_app
from tests.web.conftest import PASSWORD, upload_sample, wait_until_finished


def test_an_encrypted_deployment_reads_and_serves_scans(tmp_path: Path) -> None:
    key = f"kek-1 {base64.b64encode(os.urandom(32)).decode()}"
    settings = Settings(
        data_dir=tmp_path,
        storage_url=f"file://{tmp_path / 'objects'}",
        encryption_keys=key,  # type: ignore[arg-type]
        workers=1,
    )
    migrate(settings.resolved_database_url())
    services = open_services(settings)
    assert isinstance(services.store, EncryptedStore)
    with session_scope(services.session_factory) as session:
        create_user(session, "desk", PASSWORD, Role.desk, actor="test")
        token = create_api_token(session, "desk", "test", actor="test")
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(settings, services=services, sample_rate=0.0, worker_name="enc")
    with TestClient(app) as client:
        document_id = upload_sample(client, headers, "03_td2_clean.jpg")
        record = wait_until_finished(client, document_id, headers)
        assert record["status"] in {"done", "needs_review"}
        surname = record["fields"]["surname"]
        assert surname
        original = client.get(f"/api/v1/documents/{document_id}/original", headers=headers)
        assert original.content.startswith(b"\xff\xd8\xff")
        page = client.get(f"/api/v1/documents/{document_id}/pages/1.jpg", headers=headers)
        assert page.status_code == 200 and page.content.startswith(b"\xff\xd8\xff")
        number = record["fields"]["document_number"]
        # The desk search still finds them by name word and number over sealed columns.
        for term in (surname.split()[0], number):
            found = client.get("/api/v1/persons", params={"q": term}, headers=headers).json()
            assert [p["surname"] for p in found["persons"]] == [surname], term
    database = b"".join(
        p.read_bytes() for p in (tmp_path / "docproc.db", tmp_path / "docproc.db-wal") if p.exists()
    )
    assert surname.encode() not in database and number.encode() not in database
    assert b"enc:v1:db-values:" in database
    files = [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
    assert len(files) >= 2  # the original and what reading derived from it
    for path in files:
        data = path.read_bytes()
        assert data.startswith(b"DPE1"), path
        assert b"\xff\xd8\xff" not in data[:200] and b"\x89PNG" not in data[:200]
        assert surname.encode() not in data
