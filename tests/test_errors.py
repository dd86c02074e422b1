"""docproc.errors: every reason code any module can raise is in docs/errors.md with its fix."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import docproc
from docproc.errors import DocprocError
from tests.paths import REPO

ERRORS_DOC = REPO / "docs" / "errors.md"


def _import_every_module() -> None:
    """Error classes are defined across the package: load them all before listing them."""
    for module in pkgutil.walk_packages(docproc.__path__, "docproc."):
        if ".migrations" in module.name or module.name.endswith("__main__"):
            continue
        importlib.import_module(module.name)


def all_error_classes(cls: type[DocprocError] = DocprocError) -> list[type[DocprocError]]:
    return [cls] + [sub for child in cls.__subclasses__() for sub in all_error_classes(child)]


_import_every_module()
ERROR_CLASSES = all_error_classes()


def test_the_catalogue_sees_errors_from_every_layer() -> None:
    modules = {cls.__module__.split(".")[1] for cls in ERROR_CLASSES}
    assert {"errors", "storage", "processing", "casework", "commands", "web"} <= modules, modules


@pytest.mark.parametrize("error", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_reason_code_is_documented_with_its_fix(error: type[DocprocError]) -> None:
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in ERRORS_DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    }
    assert error.reason in rows
    assert f"`{error.__name__}`" in rows[error.reason]
    assert error.fix in rows[error.reason]


def test_every_failure_reason_has_a_class_and_the_doc_lists_the_permanent_ones() -> None:
    from docproc.errors import OTHER_FAILURE_REASONS, SYSTEM_REASONS, FailureClass, failure_class

    text = ERRORS_DOC.read_text(encoding="utf-8")
    section = text.split("## Failure classes", 1)[1].split("\n## ", 1)[0]
    permanent = section.split("**Permanent**:", 1)[1].split("They stay", 1)[0]
    for error in ERROR_CLASSES:
        assert failure_class(error.reason) is error.failure_class, error
        listed = f"`{error.reason}`" in permanent
        assert listed == (error.failure_class is FailureClass.permanent), error.reason
    for reason in [*OTHER_FAILURE_REASONS, *SYSTEM_REASONS]:
        assert f"`{reason}`" in section
        assert failure_class(reason) is FailureClass.transient
