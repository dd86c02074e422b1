"""The deployment files: no Docker engine here, so parse and check them."""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped]

from tests.paths import REPO

DOCKER = REPO / "docker"


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_has_every_service_wired_to_the_same_backends() -> None:
    services = _compose()["services"]
    assert {"minio", "minio-init", "postgres", "redis", "migrate", "api", "worker"} <= set(services)
    for name in ("api", "worker", "sweeper", "migrate"):
        env = services[name]["environment"]
        assert env["DOCPROC_STORAGE_URL"].startswith("s3://docproc?endpoint=minio:9000")
        assert env["DOCPROC_DATABASE_URL"].startswith("postgresql://")
        assert env["DOCPROC_BROKER_URL"].startswith("redis://redis:6379")
    assert services["api"]["command"][0] == "serve"
    assert services["worker"]["command"][0] == "worker"
    assert "--beat" in services["sweeper"]["command"]
    assert "replicas" in services["worker"].get("deploy", {})  # scalable: --scale worker=N


def test_minio_sends_bucket_events_to_the_api() -> None:
    services = _compose()["services"]
    env = services["minio"]["environment"]
    assert env["MINIO_NOTIFY_WEBHOOK_ENABLE_DOCPROC"] == "on"
    assert env["MINIO_NOTIFY_WEBHOOK_ENDPOINT_DOCPROC"] == "http://api:8000/hooks/s3"
    assert "MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_DOCPROC" in env
    script = "\n".join(services["minio-init"]["command"])
    assert "mc event add" in script and "arn:minio:sqs::DOCPROC:webhook" in script


def test_no_secret_is_written_into_the_compose_file() -> None:
    text = (DOCKER / "compose.yaml").read_text()
    for variable in ("MINIO_ROOT_PASSWORD", "POSTGRES_PASSWORD", "DOCPROC_WEBHOOK_TOKEN"):
        assert f"${{{variable}" in text


def test_dockerfile_installs_tesseract_languages_fonts_and_the_project() -> None:
    text = (DOCKER / "Dockerfile").read_text()
    base = next(line for line in text.splitlines() if line.startswith("FROM"))
    assert "slim" in base
    for package in (
        "tesseract-ocr",
        "tesseract-ocr-eng",
        "tesseract-ocr-ind",
        "tesseract-ocr-ara",
        "tesseract-ocr-ben",
        "tesseract-ocr-chi-sim",
        "fonts-noto-core",
    ):
        assert package in text, package
    assert "pip install ." in text
