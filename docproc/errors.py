"""The one error family of docproc.

Every failure a user can meet is a :class:`DocprocError` with a machine-readable ``reason``
(stable, documented in ``docs/errors.md``), a human ``message`` and a ``fix``. The library lets
them propagate; the CLI, the HTTP API and the worker each convert them in exactly one place.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """Process exit codes of the ``docproc`` command."""

    ok = 0
    bad_arguments = 2
    input_file = 3
    missing_dependency = 4
    service_unavailable = 5
    internal = 15


class DocprocError(Exception):
    """Base class: a reason code, a message and what to do about it."""

    reason: ClassVar[str] = "internal_error"
    fix: ClassVar[str] = "This is a bug in docproc; please report it with the input that caused it."
    exit_code: ClassVar[ExitCode] = ExitCode.internal
    http_status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message, "fix": self.fix}


class InputError(DocprocError):
    """Something is wrong with an input file; the file, not the system, is at fault."""

    reason = "bad_input"
    fix = "Check the file; scan or export it again as JPEG, PNG, TIFF, WebP or PDF."
    exit_code = ExitCode.input_file
    http_status = 422


class EmptyFile(InputError):
    reason = "empty_file"
    fix = "The file has no bytes; upload or copy it again."


class UnsupportedFormat(InputError):
    reason = "unsupported_format"
    fix = "Convert the file to JPEG, PNG, TIFF, WebP or PDF."
    http_status = 415


class CorruptImage(InputError):
    reason = "corrupt_image"
    fix = "The file could not be decoded; it may be truncated. Scan or export it again."


class ImageTooLarge(InputError):
    reason = "image_too_large"
    fix = (
        "Scan at 300 dpi or less, or raise DOCPROC_MAX_PIXELS / DOCPROC_MAX_FILE_BYTES "
        "if such files are expected."
    )
    http_status = 413


class TooManyPages(InputError):
    reason = "too_many_pages"
    fix = "Split the file, or raise DOCPROC_MAX_PAGES if such files are expected."
    http_status = 413


class FileNotReadable(InputError):
    reason = "file_not_found"
    fix = "Check the path and that docproc may read it."
    http_status = 404


class MissingDependency(DocprocError):
    reason = "missing_dependency"
    fix = "Run the README's install command (it installs tesseract and its language data)."
    exit_code = ExitCode.missing_dependency


class MissingModel(DocprocError):
    reason = "missing_model"
    fix = (
        "A model docproc ships is missing from the installed package: reinstall docproc "
        "(pip install . or the wheel carry docproc/reading/assets/), or rebuild it with the "
        "recipe in models/ (models/glyphs/train.py, models/ner/project.yml)."
    )
    exit_code = ExitCode.missing_dependency


class EngineTimeout(DocprocError):
    reason = "ocr_timeout"
    fix = "The OCR engine took too long; raise DOCPROC_OCR_TIMEOUT or check the machine's load."
    retryable = True
    http_status = 503


class EngineFailed(DocprocError):
    reason = "ocr_failed"
    fix = "The OCR engine failed; run `docproc doctor` to check the installation."
    retryable = True
    http_status = 503


class FormDefinitionInvalid(DocprocError):
    """A form field definition (shipped, or in ``DOCPROC_FORM_DEFINITIONS_DIR``) is malformed."""

    reason = "form_definition_invalid"
    fix = (
        "Correct or remove the named file in DOCPROC_FORM_DEFINITIONS_DIR (docs/extraction.md "
        "describes the format: fields with a known type and label lists per language); "
        "nothing is read until it loads."
    )
    exit_code = ExitCode.bad_arguments


def as_docproc_error(exc: BaseException) -> DocprocError:
    """Wrap any exception so it can be reported with a reason code (never a traceback)."""
    if isinstance(exc, DocprocError):
        return exc
    return DocprocError(f"{type(exc).__name__}: {exc}")
