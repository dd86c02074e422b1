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
    # Busy pixels of a decoded page of more than 250,000 pixels: pixels × bits per pixel once
    # binarised and deflated (scans of documents 0.06-0.4, so a document-like page is held to
    # max_pixels only: 80 M × 0.3). Past it -- and for any page of noise (0.6 bits and more) --
    # the page is refused as ``image_too_large`` right after decoding, before minutes of
    # reading. 0: off.
    max_busy_pixels: int = 24_000_000

    # OCR
    tesseract_cmd: str = "tesseract"
    ocr_timeout: float = 20.0
    ocr_threads: int = 1  # OMP threads per tesseract call
    onnx_threads: int = 2  # threads of the PP-OCR models per process (1 in a process pool)
    # OpenCV's threads per process (0: its default, one a core); 1 costs less CPU on page-sized
    # images for the same wall time (docproc/reading/threads.py)
    cv_threads: int = 1
    ocr_languages: str = "eng+ind"

    # What the pipeline reads of each document: ``full`` (MRZ, visual-zone or form fields,
    # cross-checks, entities) or ``mrz`` (the MRZ only: the fast batch mode).
    extract: Literal["full", "mrz"] = "full"
    # Registration forms: a folder of *.json files adding label variants (any language) or
    # fields to the shipped form field schema (docs/extraction.md); checked at start.
    form_definitions_dir: Path | None = None

    # MRZ reading: CPU seconds (one core) one document's MRZ reading may take; past it the best
    # reading so far goes to review with the reason ``time_budget`` (0: no budget).
    mrz_time_budget: float = 2.0
    # Document warnings (expired, not_yet_valid, minor, mrz_viz_mismatch) that also send a record
    # to review, comma-separated; the others are shown on the record and accepted.
    review_warnings: str = "mrz_viz_mismatch"
    # Seconds a reviewer's claim on a review task holds without activity; past it the task is
    # open again for others (the holder may still decide it until someone else claims it).
    review_claim_timeout: float = 900.0

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

    # Encryption at rest of originals and derived artefacts (docs/security.md): key-encryption
    # keys as 'id base64-32-byte-key' entries, the current one first, from a 0600 file or a value.
    encryption_key_file: Path | None = None
    encryption_keys: SecretStr | None = None

    # Bucket events: ``POST /hooks/s3`` requires ``Authorization: Bearer <token>``. Without a
    # token the hook is off (403 ``webhook_disabled``) unless ``webhook_open`` opens it to anyone
    # who can reach the port (only behind a network boundary that only the store can cross).
    webhook_token: SecretStr | None = None
    webhook_open: bool = False
    webhook_max_bytes: int = 1024 * 1024

    # Request bodies other than uploads (JSON, forms) are refused above this size (uploads:
    # max_file_bytes plus the multipart framing); checked before a byte is read.
    max_body_bytes: int = 1024 * 1024
    # Swagger UI at /api/v1/docs (it loads its assets from a CDN; the OpenAPI JSON is always on).
    api_docs: bool = False

    # The spaCy NER pipeline: a pipeline directory to use instead of the one the package ships.
    ner_model: Path | None = None

    # Case database: postgresql://... or sqlite:///path (default: <data_dir>/docproc.db)
    database_url: str | None = None

    # Queue and workers
    broker_url: str = "redis://127.0.0.1:6379/0"
    queue: str = "docproc"  # the Celery queue workers consume and documents are sent to
    # How ``docproc serve`` reads uploads: ``process`` (reader processes of its own, each under
    # read_memory_limit), ``thread`` (a pool in the web process: only when asked; a bomb grows
    # the web process) or ``celery`` (the workers' queue).
    dispatch: Literal["process", "thread", "celery"] = "process"
    workers: int = 1
    # A claim holds for this long unless its owner renews it (every quarter of it, while
    # reading); a claim whose lease ran out, or whose owner died, is taken back.
    claim_lease: float = 60.0
    # Documents queued and untouched this long are re-dispatched (their message was lost); also
    # the age of a claim without a lease (claimed before migration 0005) that counts as stale.
    claim_stale_after: float = 900.0
    # Documents queued this long whose message a Redis broker no longer holds (lost with a
    # broker restarted empty, or never sent while it was down) are re-dispatched by the next
    # sweep, without waiting for claim_stale_after. Other brokers: claim_stale_after only.
    lost_message_after: float = 30.0
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

    # Retention in days since upload (docs/security.md); unset keeps data until it is erased.
    # ``docproc purge`` and the beat worker apply them; legal holds are never purged.
    retain_originals_days: int | None = None
    retain_derived_days: int | None = None
    retain_records_days: int | None = None
    purge_every: float = 3600.0  # seconds between purges under ``docproc worker --beat``

    # Accounts (docs/security.md): API tokens expire this many days after they are made (0: never);
    # setting a user's password revokes their API tokens too (their sessions always end).
    api_token_days: int = 90
    revoke_tokens_on_password_change: bool = True
    # Roles whose users must log in with a second factor (a TOTP code), comma-separated, e.g.
    # "admin,supervisor"; a user of such a role without one sets it up at their next login.
    # Any user may set one up on /account. Empty: nobody must.
    second_factor_roles: str = ""
    # Bulk reads (a listing asking for more than ``bulk_read_rows`` records, an export) a user
    # may make per hour, over all web processes; each is audited as ``bulk_read`` (0: no limit).
    bulk_reads_per_hour: int = 30
    bulk_read_rows: int = 100
    # New documents a user may upload through the web app per hour, over all web processes
    # (checked before the body is read; 0: no quota). Batch runs are not counted.
    uploads_per_hour: int = 1000

    # People: the name similarity (0..1) from which two persons born the same day are proposed
    # to a reviewer as a possible duplicate (docproc/casework/people.py).
    person_match_threshold: float = 0.9

    # The interface: the time zone pages show times in (an IANA name: Asia/Jakarta is WIB,
    # Asia/Makassar WITA, Asia/Jayapura WIT) and the language for users who chose none and
    # whose browser asks for neither English nor Indonesian ('en' or 'id').
    timezone: str = "Asia/Jakarta"
    default_language: Literal["en", "id"] = "en"

    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{(self.data_dir / 'objects').resolve()}"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'docproc.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
