"""The one error family of docproc.

Every failure a user can meet is a :class:`DocprocError` with a machine-readable ``reason``
(stable, documented in ``docs/errors.md``), a human ``message`` and a ``fix``. The library lets
them propagate; the CLI, the HTTP API and the worker each convert them in exactly one place.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """Process exit codes of the ``docproc`` command."""

    ok = 0
    bad_arguments = 2
    input_file = 3
    missing_dependency = 4
    service_unavailable = 5
    files_failed = 6  # ``docproc batch``: the run finished, and some files ended ``failed``
    internal = 15


class FailureClass(StrEnum):
    """Whose fault a failed document is: the file's (``permanent``) or the system's (``transient``).

    A permanent failure stays failed until someone asks for it again (``docproc requeue --id``);
    a transient one is taken back by a rerun of its batch, ``docproc requeue`` and (for the
    system faults in :data:`SYSTEM_REASONS`) the sweeper.
    """

    permanent = "permanent"
    transient = "transient"


class DocprocError(Exception):
    """Base class: a reason code, a message and what to do about it."""

    reason: ClassVar[str] = "internal_error"
    fix: ClassVar[str] = "This is a bug in docproc; please report it with the input that caused it."
    exit_code: ClassVar[ExitCode] = ExitCode.internal
    http_status: ClassVar[int] = 500
    #: Retried in place (with backoff) by the task that met it: the fault may pass in seconds.
    retryable: ClassVar[bool] = False
    #: Whose fault a document that fails with this reason is (docs/errors.md, failure classes).
    failure_class: ClassVar[FailureClass] = FailureClass.transient

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
    failure_class = FailureClass.permanent


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
        "recipe in models/ (models/glyphs/train.py then quantize.py, models/lines/train.py, "
        "models/ppocr/fold.py, models/ner/project.yml)."
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


class TimeLimitReached(DocprocError):
    reason = "time_limit"
    fix = (
        "Reading the document took longer than DOCPROC_TASK_TIME_LIMIT twice; check the "
        "machine's load, raise the limit, or look at the file (a huge or odd scan)."
    )
    retryable = True
    http_status = 503


class MemoryLimitReached(DocprocError):
    reason = "memory_limit"
    fix = (
        "Reading the file needed more memory than DOCPROC_READ_MEMORY_LIMIT; scan it at a lower "
        "resolution, or raise the limit if such files are expected."
    )
    exit_code = ExitCode.input_file
    http_status = 413
    failure_class = FailureClass.permanent


#: Reasons of failed documents that no exception class carries, and their class.
OTHER_FAILURE_REASONS: dict[str, FailureClass] = {
    "worker_lost": FailureClass.transient,  # the process reading it died (killed, hard limit)
    "worker_crashed": FailureClass.transient,  # a pool process of the embedded batch died
    "lease_expired": FailureClass.transient,  # the claim's owner stopped renewing it
    "too_many_attempts": FailureClass.transient,  # before 0005: the real reason was not kept
}

#: Transient reasons about the services (not the reading): they never count an attempt against
#: the document, and the sweeper takes documents failed with them back by itself.
SYSTEM_REASONS = frozenset(
    {
        "storage_error",
        "storage_unavailable",
        "storage_misconfigured",
        "object_not_found",
        "database_error",
        "database_unavailable",
        "database_misconfigured",
        "broker_unavailable",
        "missing_dependency",
        "missing_model",
    }
)


def failure_class(reason: str | None) -> FailureClass:
    """The class of a failed document's reason (unknown reasons count as transient)."""
    if reason is None:
        return FailureClass.transient
    if reason in OTHER_FAILURE_REASONS:
        return OTHER_FAILURE_REASONS[reason]
    for cls in _error_classes(DocprocError):
        if cls.reason == reason:
            return cls.failure_class
    return FailureClass.transient


def _error_classes(cls: type[DocprocError]) -> list[type[DocprocError]]:
    return [cls] + [sub for child in cls.__subclasses__() for sub in _error_classes(child)]


#: How native libraries (OpenCV, ONNX Runtime, Pillow) say an allocation failed.
_ALLOCATION_FAILURES = (
    "insufficient memory",
    "failed to allocate",
    "bad_alloc",
    "out of memory",
    "cannot allocate memory",  # ENOMEM
    "failed to map segment",  # a library loaded for the read, under RLIMIT_AS (dlopen)
)


def _allocation_failed(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _ALLOCATION_FAILURES)


def as_docproc_error(exc: BaseException) -> DocprocError:
    """Wrap any exception so it can be reported with a reason code (never a traceback)."""
    if isinstance(exc, DocprocError):
        return exc
    # Celery's SoftTimeLimitExceeded, raised into the read by the worker when the task's soft
    # limit passes (named, not imported: the reading layer knows nothing of Celery).
    if any(cls.__name__ == "SoftTimeLimitExceeded" for cls in type(exc).__mro__):
        return TimeLimitReached("the task's soft time limit passed while reading")
    if isinstance(exc, MemoryError) or _allocation_failed(exc):
        # decoding or reading hit the process's memory limit (DOCPROC_READ_MEMORY_LIMIT)
        return MemoryLimitReached(f"reading ran out of memory ({type(exc).__name__})")
    return DocprocError(f"{type(exc).__name__}: {exc}")
