"""A file cut short is refused at upload, before anything is stored or queued."""

from __future__ import annotations

import io
from pathlib import Path

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
