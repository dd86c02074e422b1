"""All configuration, from ``DOCPROC_*`` environment variables, through one settings object."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """docproc's settings. Every field is read from ``DOCPROC_<FIELD>`` (see docs/configuration.md)."""

    model_config = SettingsConfigDict(env_prefix="DOCPROC_", extra="ignore")

    # Intake limits: protect workers from decompression bombs and absurd files.
    max_file_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 80_000_000
    max_pages: int = 20
    pdf_dpi: int = 200

    # OCR
    tesseract_cmd: str = "tesseract"
    ocr_timeout: float = 20.0
    ocr_threads: int = 1
    ocr_languages: str = "eng+ind"

    # Embedded defaults
    data_dir: Path = Path("docproc-data")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
