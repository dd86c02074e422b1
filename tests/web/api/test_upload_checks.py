"""A file cut short is refused at upload, before anything is stored or queued."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from docproc.db.models import Document
from tests.web.conftest import SAMPLES, WebApp


def _pdf() -> bytes:
    buffer = io.BytesIO()
    Image.open(SAMPLES / "01_td3_clean_idn.jpg").save(buffer, "PDF", resolution=200.0)
    return buffer.getvalue()


def test_truncated_scans_are_refused_before_they_are_stored(
    web: WebApp, client: TestClient
) -> None:
    jpeg = (SAMPLES / "01_td3_clean_idn.jpg").read_bytes()
    png = io.BytesIO()
    Image.open(SAMPLES / "02_td1_clean_idn.jpg").save(png, "PNG")
    pdf = _pdf()
    cases = [
        ("passport.jpg", jpeg[: int(len(jpeg) * 0.9)], "image/jpeg"),  # the probe's case
        ("passport.jpg", jpeg[:-2], "image/jpeg"),  # only the end marker gone
        ("card.png", png.getvalue()[: len(png.getvalue()) // 2], "image/png"),
        ("scan.pdf", pdf[: pdf.rindex(b"%%EOF")], "application/pdf"),
    ]
    for name, data, media in cases:
        response = client.post(
            "/api/v1/documents", headers=web.auth("desk"), files={"file": (name, data, media)}
        )
        assert response.status_code == 422, (name, response.text)
        body = response.json()
        assert body["reason"] == "corrupt_image"
        assert "truncated" in body["message"]
        assert body["fix"]
    with web.services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0
    objects = web.services.store_url.removeprefix("file://")
    stored = [p for p in Path(objects).rglob("*") if p.is_file()]
    assert stored == []  # nothing stored, nothing queued
    # the whole file is taken
    whole = client.post(
        "/api/v1/documents",
        headers=web.auth("desk"),
        files={"file": ("passport.jpg", jpeg, "image/jpeg")},
    )
    assert whole.status_code == 202, whole.text


def test_a_users_uploads_per_hour_are_capped_before_the_body_is_read(
    backend_web: WebApp,
) -> None:
    backend_web.app.state.docproc.settings.uploads_per_hour = 2
    names = ["01_td3_clean_idn.jpg", "02_td1_clean_idn.jpg", "03_td2_clean.jpg"]
    with TestClient(backend_web.app) as client:

        def upload(role: str, name: str) -> httpx.Response:
            response: httpx.Response = client.post(
                "/api/v1/documents",
                headers=backend_web.auth(role),
                files={"file": (name, (SAMPLES / name).read_bytes(), "image/jpeg")},
            )
            return response

        assert [upload("desk", name).status_code for name in names[:2]] == [202, 202]
        refused = upload("desk", names[2])
        assert refused.status_code == 429
        assert refused.json()["reason"] == "too_many_uploads" and refused.json()["fix"]
        # another user's quota is their own
        assert upload("reviewer", names[2]).status_code == 202
    with backend_web.services.session_factory() as session:
        uploaders = session.scalars(select(Document.uploaded_by)).all()
    assert sorted(u or "" for u in uploaders) == ["desk", "desk", "reviewer"]
