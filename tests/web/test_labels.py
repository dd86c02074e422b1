"""Words, not codes: every code the interface can show has a label, in English and Indonesian.

The codes are listed from where they are made, not copied: review reasons and warnings from the
readers' source (every ``reasons.append(...)`` / ``warnings.append(...)`` and the f-strings
added to them), failure reasons from the error classes across the package, statuses and roles
from their enums, audit event kinds and record types from every ``record_event(...)`` call,
field names from the MRZ, the visual zone and the shipped form schema, entity labels from the
NER pipeline's label list.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import docproc
from docproc.casework.decisions import REJECT_REASONS
from docproc.db.models import (
    MRZ_FIELDS,
    CaseRole,
    CaseStatus,
    DocumentStatus,
    MatchStatus,
    ReviewState,
    Role,
)
from docproc.errors import OTHER_FAILURE_REASONS, DocprocError
from docproc.reading.extract.crosscheck import DOCUMENT_WARNINGS
from docproc.reading.extract.schema import shipped_schema
from docproc.reading.extract.viz import VIZ_FIELDS
from docproc.reading.nlp import LABELS as ENTITY_LABELS
from docproc.web import labels
from docproc.web.i18n import localizer
from docproc.web.messages import translated

PACKAGE = Path(docproc.__file__).parent
_COLLECTORS = ("reasons", "warnings")


def _sources(*folders: str) -> Iterator[tuple[Path, ast.Module]]:
    for folder in folders:
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _head(node: ast.expr, names: dict[str, set[str]]) -> set[str]:
    """The code(s) a string or f-string starts with (``check_blind`` of ``f"check_blind:{x}"``);
    an f-string starting with a variable takes the strings that variable is assigned."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value.split(":")[0].split("@")[0]}
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return {first.value.split(":")[0]}
        if isinstance(first, ast.FormattedValue) and isinstance(first.value, ast.Name):
            return names.get(first.value.id, set())
    return set()


def _assigned_strings(tree: ast.AST) -> dict[str, set[str]]:
    """Name -> the string constants assigned to it (``kind = "a" if x else "b"``)."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                strings = {
                    n.value
                    for n in ast.walk(node.value)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                }
                found.setdefault(target.id, set()).update(strings)
    return found


def reading_codes() -> set[str]:
    """Review reasons and warnings the readers produce, from their source."""
    codes: set[str] = set()
    for _path, tree in _sources("reading"):
        names = _assigned_strings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "append"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in _COLLECTORS
                and node.args
            ):
                codes |= _head(node.args[0], names)
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.AugAssign):
                targets, value = [node.target], node.value
            elif isinstance(node, ast.Assign):
                targets, value = list(node.targets), node.value
            if value is not None and any(
                isinstance(t, ast.Name) and t.id in _COLLECTORS for t in targets
            ):
                for inner in ast.walk(value):
                    if isinstance(inner, ast.JoinedStr):
                        codes |= _head(inner, names)
            # ``return f"ambiguous_correction:{name}"``: a parser's warning handed to a collector
            if isinstance(node, ast.Return) and node.value is not None:
                for inner in ast.walk(node.value):
                    if isinstance(inner, ast.JoinedStr) and isinstance(
                        inner.values[0], ast.Constant
                    ):
                        text = str(inner.values[0].value)
                        if text.endswith(":") and text[:-1].replace("_", "").isalpha():
                            codes.add(text[:-1])
    return codes


def _error_classes(cls: type[DocprocError] = DocprocError) -> list[type[DocprocError]]:
    return [cls] + [sub for child in cls.__subclasses__() for sub in _error_classes(child)]


def failure_codes() -> set[str]:
    for module in pkgutil.walk_packages(docproc.__path__, "docproc."):
        if ".migrations" in module.name or module.name.endswith("__main__"):
            continue
        importlib.import_module(module.name)
    return {cls.reason for cls in _error_classes()} | set(OTHER_FAILURE_REASONS)


def _keyword_strings(keyword: str) -> set[str]:
    """The strings passed as ``keyword=`` to ``record_event`` anywhere in docproc: constants,
    and the strings a variable passed there is assigned in its function
    (``kind = "label_mapped" if new else "label_remapped"``)."""
    found: set[str] = set()
    for _path, tree in _sources("."):
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            names = _assigned_strings(func)
            for node in ast.walk(func):
                if not isinstance(node, ast.Call):
                    continue
                if getattr(node.func, "attr", getattr(node.func, "id", "")) != "record_event":
                    continue
                for kw in node.keywords:
                    if kw.arg != keyword:
                        continue
                    if isinstance(kw.value, ast.Name):
                        found |= names.get(kw.value.id, set())
                    found |= {
                        n.value
                        for n in ast.walk(kw.value)
                        if isinstance(n, ast.Constant) and isinstance(n.value, str)
                    }
    return found


def _forwarded_kinds() -> set[str]:
    """Kinds handed through parameters to ``record_event(kind=<parameter>)``: ``_original(...,
    "original_downloaded")`` passes its ``kind`` to ``record_access``, which passes it on. Finds
    the functions that forward a parameter there (following chains of them), then the defaults of
    those parameters and every string passed for them anywhere in docproc."""
    functions = [
        node
        for _path, tree in _sources(".")
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    ]

    def arguments(call: ast.Call, index: int, name: str) -> list[ast.expr]:
        values = [kw.value for kw in call.keywords if kw.arg == name]
        return values + ([call.args[index]] if 0 <= index < len(call.args) else [])

    # function -> (index of the parameter among the positional ones, or -1; its name)
    forwarders: dict[str, tuple[int, str]] = {"record_event": (-1, "kind")}
    changed = True
    while changed:
        changed = False
        for func in functions:
            params = [a.arg for a in func.args.args]
            keywords = {a.arg for a in func.args.kwonlyargs}
            for call in (n for n in ast.walk(func) if isinstance(n, ast.Call)):
                target = forwarders.get(getattr(call.func, "attr", getattr(call.func, "id", "")))
                if target is None or func.name in forwarders:
                    continue
                for value in arguments(call, *target):
                    if isinstance(value, ast.Name) and value.id in {*params, *keywords}:
                        index = params.index(value.id) if value.id in params else -1
                        forwarders[func.name] = (index, value.id)
                        changed = True
    found: set[str] = set()
    for func in functions:
        if func.name in forwarders and func.name != "record_event":
            _index, name = forwarders[func.name]
            defaults = dict(zip(func.args.kwonlyargs, func.args.kw_defaults, strict=True))
            defaults |= dict(
                zip(
                    func.args.args[-len(func.args.defaults) or len(func.args.args) :],
                    func.args.defaults,
                    strict=True,
                )
            )
            for arg, default in defaults.items():
                if arg.arg == name and isinstance(default, ast.Constant):
                    found.add(str(default.value))
        for call in (n for n in ast.walk(func) if isinstance(n, ast.Call)):
            called = getattr(call.func, "attr", getattr(call.func, "id", ""))
            if called in forwarders and called != "record_event":
                found |= {
                    v.value
                    for v in arguments(call, *forwarders[called])
                    if isinstance(v, ast.Constant) and isinstance(v.value, str)
                }
    return found - {""}


def event_kinds() -> set[str]:
    # Closing a review task and deciding a duplicate write their new state as the kind.
    closing = {s.value for s in ReviewState} - {"open"} | {s.value for s in MatchStatus}
    direct = _keyword_strings("kind") | _forwarded_kinds()
    return direct | (closing - {"pending", "obsolete"})


def field_names() -> set[str]:
    return set(MRZ_FIELDS) | set(VIZ_FIELDS) | set(shipped_schema().fields)


def test_the_sources_are_really_read() -> None:
    """The scans find what is known to be there (so an empty scan cannot pass the others)."""
    assert {"check_blind", "no_mrz", "unreadable_value", "ambiguous_correction"} <= reading_codes()
    assert {"expired", "minor", "unknown_labels", "time_budget"} <= reading_codes()
    assert {"corrupt_image", "route_not_found", "worker_lost"} <= failure_codes()
    assert {"logged_in", "field_corrected", "token_revoked", "erased"} <= event_kinds()
    assert {"label_mapped", "label_remapped"} <= event_kinds()  # through a variable
    assert {"original_downloaded", "page_image_viewed", "viewed"} <= _forwarded_kinds()
    assert {"document", "person", "user"} <= _keyword_strings("entity_type")
    assert {"phone", "case_number", "issue_date", "optional_data_2"} <= field_names()


STATUS_ENUMS = (DocumentStatus, ReviewState, CaseStatus, MatchStatus)
CATALOGUES = {
    "reading": (reading_codes, {**labels.REASONS, **labels.WARNINGS}),
    "failure": (failure_codes, {**labels.FAILURES, **labels.REASONS}),
    "status": (
        lambda: {s.value for e in STATUS_ENUMS for s in e},
        labels.STATUSES,
    ),
    "role": (lambda: {r.value for r in Role}, labels.ROLES),
    "case role": (lambda: {r.value for r in CaseRole}, labels.CASE_ROLES),
    "reject reason": (lambda: set(REJECT_REASONS), labels.REJECT_REASONS),
    "event": (event_kinds, labels.EVENTS),
    "record type": (lambda: _keyword_strings("entity_type"), labels.RECORD_TYPES),
    "field": (field_names, labels.FIELD_LABELS),
    "entity": (lambda: set(ENTITY_LABELS), labels.ENTITIES),
}


@pytest.mark.parametrize("kind", sorted(CATALOGUES))
def test_every_code_has_a_label_and_an_indonesian_translation(kind: str) -> None:
    source, catalogue = CATALOGUES[kind]
    codes = source()
    assert codes, kind
    unlabelled = sorted(code for code in codes if code not in catalogue)
    assert unlabelled == [], f"{kind} codes without a label in docproc/web/labels.py"
    indonesian = translated("id")
    untranslated = sorted(code for code in codes if catalogue[code] not in indonesian)
    assert untranslated == [], f"{kind} labels without Indonesian (locale/id/labels.po)"


def test_document_warnings_are_the_readers_own() -> None:
    assert set(labels.WARNINGS) == set(DOCUMENT_WARNINGS)
    assert labels.is_warning("expired") and labels.is_warning("mrz_viz_mismatch:surname")
    assert not labels.is_warning("check_blind:surname") and not labels.is_warning("no_mrz")


def test_codes_read_as_words_in_both_languages() -> None:
    en, id_ = localizer("en", "Asia/Jakarta").gettext, localizer("id", "Asia/Jakarta").gettext
    assert labels.reason_label("check_blind:optional_data_2", en) == (
        "Check digit could not be read: Optional data 2"
    )
    assert labels.reason_label("unknown_country:78O", id_) == "Kode negara tidak dikenal: 78O"
    assert labels.reason_label("unreadable_value:phone@2", en) == (
        "Value could not be read: Phone number (page 2)"
    )
    assert labels.reason_label("corrupt_image", id_) == "Berkas rusak atau terpotong"
    assert labels.reason_label("not_a_code_at_all", en) == "not_a_code_at_all"
    assert labels.field_name("viz.issuing_country", id_) == "Negara penerbit"
    assert labels.field_name("entity.PERSON.0", en) == "Name in the text"
    assert labels.field_name("entity.PERSON.1", id_) == "Nama dalam teks 2"
    assert labels.field_name("form.raw:Nama ibu", en) == "Nama ibu"
    assert labels.status_label("needs_review", id_) != "needs_review"
    assert labels.role_label("desk", id_) == "Petugas loket"
    assert labels.event_label("token_revoked", en) == "API token revoked"
    assert labels.event_label("something_new", en) == "Something new"


def test_errors_md_points_to_the_catalogue() -> None:
    text = (PACKAGE.parent / "docs" / "errors.md").read_text(encoding="utf-8")
    assert "docproc/web/labels.py" in text
