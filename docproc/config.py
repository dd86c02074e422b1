"""All configuration, from ``DOCPROC_*`` environment variables, through one settings object."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """docproc settings; each field is read from ``DOCPROC_<FIELD>`` (docs/configuration.md)."""

    model_config = SettingsConfigDict(env_prefix="DOCPROC_", extra="ignore")

    # Intake limits: protect workers from decompression bombs and absurd files.
    max_file_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 80_000_000
    max_pages: int = 20
    pdf_dpi: int = 200

    # OCR
    tesseract_cmd: str = "tesseract"
    ocr_timeout: float = 20.0
    ocr_threads: int = 1  # OMP threads per tesseract call
    onnx_threads: int = 2  # threads of the PP-OCR models per process (1 in a process pool)
    ocr_languages: str = "eng+ind"

    # What the pipeline reads of each document: ``full`` (MRZ, visual-zone or form fields,
    # cross-checks, entities) or ``mrz`` (the MRZ only: the fast batch mode).
    extract: Literal["full", "mrz"] = "full"

    # Embedded defaults: everything under one folder, no services needed.
    data_dir: Path = Path("docproc-data")

    # Object storage: file:///path (default: <data_dir>/objects) or s3://bucket?endpoint=host:port
    storage_url: str | None = None
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_connect_timeout: float = 5.0
    s3_read_timeout: float = 60.0
    s3_retries: int = 2
    presign_expiry: float = 900.0

    # Bucket events: if set, ``POST /hooks/s3`` requires ``Authorization: Bearer <token>``.
    webhook_token: SecretStr | None = None

    # The spaCy NER pipeline: a pipeline directory to use instead of the one the package ships.
    ner_model: Path | None = None

    # Case database: postgresql://... or sqlite:///path (default: <data_dir>/docproc.db)
    database_url: str | None = None

    # Queue and workers
    broker_url: str = "redis://127.0.0.1:6379/0"
    queue: str = "docproc"  # the Celery queue workers consume and documents are sent to
    # How ``docproc serve`` reads uploads: ``thread`` (a pool in the web process) or ``celery``.
    dispatch: Literal["thread", "celery"] = "thread"
    workers: int = 1
    # A claim holds for this long unless its owner renews it (every quarter of it, while
    # reading); a claim whose lease ran out, or whose owner died, is taken back.
    claim_lease: float = 60.0
    # Documents queued and untouched this long are re-dispatched (their message was lost); also
    # the age of a claim without a lease (claimed before migration 0005) that counts as stale.
    claim_stale_after: float = 900.0
    # How often ``docproc worker --beat`` sweeps; and how long a document failed for a system
    # fault (storage, database, broker, install) waits before the sweeper requeues it.
    sweep_interval: float = 30.0
    requeue_after: float = 300.0
    max_attempts: int = 5
    task_time_limit: float = 300.0
    # Address space of each reading process (a Celery pool child, a batch pool process), in MB:
    # a file whose decoding or reading needs more ends ``failed/memory_limit`` instead of taking
    # the worker (or the machine) down. A normal full read peaks near 1.5 GB of address space
    # (about 0.5 GB resident). 0: no limit.
    read_memory_limit: int = 4096

    # People: the name similarity (0..1) from which two persons born the same day are proposed
    # to a reviewer as a possible duplicate (docproc/casework/people.py).
    person_match_threshold: float = 0.9

    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{(self.data_dir / 'objects').resolve()}"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'docproc.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
