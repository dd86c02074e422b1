"""``docproc doctor``: check the installation and the services, say what to fix."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from docproc.config import Settings, get_settings
from docproc.errors import DocprocError, ExitCode, MissingModel

#: Tesseract languages docproc needs (eng) and wants (the region's scripts).
REQUIRED_LANGUAGES = ("eng",)
WANTED_LANGUAGES = ("ind", "ara", "ben", "chi_sim")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "doctor",
        help="check tesseract, the OCR and shipped models, storage, database, broker",
    )
    p.add_argument(
        "--require-broker",
        action="store_true",
        help="treat an unreachable broker as an error (deployments with workers)",
    )
    p.set_defaults(func=run)


def check_tesseract(settings: Settings) -> list[Check]:
    from docproc.reading.ocr.tesseract import installed_languages, tesseract_version

    try:
        version = tesseract_version()
        languages = installed_languages()
    except DocprocError as exc:
        return [Check("tesseract", False, exc.message, exc.fix)]
    except Exception as exc:
        return [
            Check(
                "tesseract",
                False,
                f"{type(exc).__name__}: {exc}",
                "Install tesseract-ocr (see the README) or set DOCPROC_TESSERACT_CMD.",
            )
        ]
    checks = [Check("tesseract", True, f"version {version}")]
    missing = [lang for lang in REQUIRED_LANGUAGES if lang not in languages]
    checks.append(
        Check(
            "tesseract languages (required)",
            not missing,
            "missing " + ", ".join(missing) if missing else ", ".join(REQUIRED_LANGUAGES),
            "apt-get install tesseract-ocr-eng" if missing else "",
        )
    )
    wanted = [lang for lang in WANTED_LANGUAGES if lang not in languages]
    checks.append(
        Check(
            "tesseract languages (optional)",
            not wanted,
            "missing " + ", ".join(wanted) if wanted else ", ".join(WANTED_LANGUAGES),
            "apt-get install "
            + " ".join(f"tesseract-ocr-{lang.replace('_', '-')}" for lang in wanted)
            if wanted
            else "",
            required=False,
        )
    )
    return checks


def check_ppocr(settings: Settings) -> Check:
    try:
        from docproc.reading.ocr.ppocr import get_engine

        get_engine(settings.onnx_threads)
    except Exception as exc:
        return Check(
            "PP-OCR models",
            False,
            f"{type(exc).__name__}: {str(exc)[:200]}",
            "Reinstall docproc with its OCR models (pip install -e .); see the README.",
        )
    return Check("PP-OCR models", True, "loaded")


def check_models(settings: Settings) -> list[Check]:
    """Every model docproc ships (package data): there, and loadable without the engines' cost.

    The glyph classifier and the MRZ line recogniser are loaded (ONNX sessions, milliseconds),
    PP-OCR's folded detector and recogniser looked for;
    the NER pipeline's files and meta are checked (loading spaCy takes seconds: ``docproc tag``
    does that).
    """
    import json

    from docproc.reading.assets import (
        glyph_model,
        line_model,
        ner_model,
        ppocr_detector,
        ppocr_recogniser,
    )

    fix = MissingModel.fix
    checks: list[Check] = []
    glyphs = glyph_model()
    if not glyphs.present:
        checks.append(Check("glyph model", False, f"missing: {glyphs.path}", fix))
    else:
        try:
            from docproc.reading.ocr.glyphs import GlyphClassifier

            classes = len(GlyphClassifier(glyphs.path).alphabet)
            checks.append(Check("glyph model", True, f"{glyphs.path} ({classes} classes)"))
        except Exception as exc:
            detail = f"{glyphs.path}: {type(exc).__name__}: {str(exc)[:160]}"
            checks.append(Check("glyph model", False, detail, fix))
    lines = line_model()
    if not lines.present:
        checks.append(Check("line model", False, f"missing: {lines.path}", fix))
    else:
        try:
            from docproc.reading.ocr.mrzlines import LineReader

            LineReader(lines.path)
            checks.append(Check("line model", True, str(lines.path)))
        except Exception as exc:
            detail = f"{lines.path}: {type(exc).__name__}: {str(exc)[:160]}"
            checks.append(Check("line model", False, detail, fix))
    for ppocr in (ppocr_detector(), ppocr_recogniser()):
        if ppocr.present:
            checks.append(Check(ppocr.name, True, str(ppocr.path)))
        else:
            checks.append(Check(ppocr.name, False, f"missing: {ppocr.path}", fix))
    ner = ner_model(settings.ner_model)
    meta_file = ner.path / "meta.json"
    if not ner.present or not meta_file.is_file():
        checks.append(Check("NER model", False, f"missing: {ner.path}", fix))
    else:
        try:
            meta = json.loads(meta_file.read_text())
            detail = f"{ner.path} ({meta.get('name', '?')} {meta.get('version', '?')})"
            checks.append(Check("NER model", True, detail))
        except (OSError, ValueError) as exc:
            checks.append(Check("NER model", False, f"{meta_file}: {exc}", fix))
    return checks


def check_form_definitions(settings: Settings) -> Check:
    """The form field schema, with the installation's definitions merged, loads."""
    from docproc.errors import FormDefinitionInvalid
    from docproc.reading.extract.schema import load_schema

    try:
        schema = load_schema(settings.form_definitions_dir)
    except FormDefinitionInvalid as exc:
        return Check("form definitions", False, exc.message, FormDefinitionInvalid.fix)
    extra = len(schema.sources) - 1
    return Check(
        "form definitions", True, f"{len(schema.fields)} fields ({extra} installation file(s))"
    )


def check_storage(settings: Settings) -> Check:
    from docproc.storage import derived_key, store_from_settings

    url = settings.resolved_storage_url()
    label = url.split("?")[0]
    try:
        store = store_from_settings(settings)
        key = derived_key(f"doctor-{uuid.uuid4().hex}", "probe")
        store.put(key, b"probe")
        ok = store.get(key) == b"probe"
        store.delete(key)
    except DocprocError as exc:
        return Check("storage", False, f"{label}: {exc.message}", exc.fix)
    return Check(
        "storage",
        ok,
        f"{label}: put/get/delete ok" if ok else f"{label}: bad read",
        "" if ok else "The store returned different bytes; check its health.",
    )


def check_database(settings: Settings) -> Check:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from docproc.db.session import alembic_config, database_errors, make_engine

    url = settings.resolved_database_url()
    try:
        engine = make_engine(url)
        try:
            with database_errors(), engine.connect() as connection:
                current = set(MigrationContext.configure(connection).get_current_heads())
        finally:
            engine.dispose()
        heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    except DocprocError as exc:
        return Check("database", False, exc.message, exc.fix)
    backend = url.split(":", 1)[0]
    if current != heads:
        return Check(
            "database",
            False,
            f"{backend}: migrations at {sorted(current) or 'none'}, head is {sorted(heads)}",
            "Migrate the database: `docproc process` does it for SQLite; for PostgreSQL run the "
            'compose `migrate` service, or python -c "import os; from docproc.db.session '
            "import migrate; migrate(os.environ['DOCPROC_DATABASE_URL'])\"",
        )
    return Check("database", True, f"{backend}: connected, migrations at head")


def check_documents(settings: Settings) -> list[Check]:
    """Warnings (never failures) for documents stuck under a dead claim or failed for a
    transient reason: the system, not the files, needs attention."""
    from docproc.db.session import make_engine, make_session_factory
    from docproc.errors import FailureClass
    from docproc.keyring import keyring_from_settings
    from docproc.processing.status import status_report

    try:
        engine = make_engine(
            settings.resolved_database_url(), keyring=keyring_from_settings(settings)
        )
        try:
            report = status_report(make_session_factory(engine), settings)
        finally:
            engine.dispose()
    except Exception as exc:  # the database check above says why
        return [Check("documents", False, f"not checked: {exc}"[:200], required=False)]
    checks: list[Check] = []
    if report.stuck:
        oldest = max(s.age_seconds for s in report.stuck)
        checks.append(
            Check(
                "stuck claims",
                False,
                f"{len(report.stuck)} document(s) processing under an ended claim "
                f"(oldest {oldest:.0f} s)",
                "docproc sweep (or run a worker with --beat); docproc status lists them",
                required=False,
            )
        )
    else:
        checks.append(Check("stuck claims", True, "none", required=False))
    transient = [g for g in report.failed if g.failure_class is FailureClass.transient]
    if transient:
        detail = ", ".join(f"{g.reason} {g.count}" for g in transient)
        checks.append(
            Check(
                "transient failures",
                False,
                f"{report.transient_failed} document(s) failed for the system: {detail}",
                "; ".join(dict.fromkeys(g.fix for g in transient)),
                required=False,
            )
        )
    else:
        checks.append(Check("transient failures", True, "none", required=False))
    return checks


def check_sealing(settings: Settings) -> list[Check]:
    """With encryption at rest on: a warning while database rows hold values in the clear."""
    from sqlalchemy.exc import SQLAlchemyError

    from docproc.db.crypto import unsealed_rows
    from docproc.db.session import make_engine, make_session_factory, session_scope
    from docproc.keyring import keyring_from_settings

    try:
        keyring = keyring_from_settings(settings)
        if keyring is None:
            return []
        engine = make_engine(settings.resolved_database_url(), keyring=keyring)
        try:
            with session_scope(make_session_factory(engine)) as session:
                plain = {k: v for k, v in unsealed_rows(session).items() if v}
        finally:
            engine.dispose()
    except (DocprocError, SQLAlchemyError) as exc:
        return [Check("sealed columns", False, f"not checked: {exc}"[:200], required=False)]
    if plain:
        detail = ", ".join(f"{table}: {count}" for table, count in sorted(plain.items()))
        fix = "Run `docproc keys seal` to encrypt the rows stored before encryption was on."
        return [Check("sealed columns", False, f"in the clear: {detail}", fix, required=False)]
    return [Check("sealed columns", True, "every personal value is sealed", required=False)]


def check_broker(settings: Settings, required: bool) -> Check:
    from kombu.connection import Connection

    label = settings.broker_url.split("@")[-1]
    try:
        with Connection(settings.broker_url, connect_timeout=3) as connection:  # type: ignore[no-untyped-call]
            connection.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        return Check(
            "broker",
            False,
            f"{label}: {type(exc).__name__}: {str(exc)[:120]}",
            "Start Redis (or RabbitMQ) and check DOCPROC_BROKER_URL; only needed for "
            "queue workers, not for `docproc process`.",
            required=required,
        )
    return Check("broker", True, f"{label}: reachable", required=required)


def run_checks(settings: Settings, require_broker: bool = False) -> list[Check]:
    steps: list[Callable[[], list[Check]]] = [
        lambda: check_tesseract(settings),
        lambda: [check_ppocr(settings)],
        lambda: check_models(settings),
        lambda: [check_form_definitions(settings)],
        lambda: [check_storage(settings)],
        lambda: [check_database(settings)],
        lambda: check_documents(settings),
        lambda: check_sealing(settings),
        lambda: [check_broker(settings, require_broker)],
    ]
    checks: list[Check] = []
    for step in steps:
        checks.extend(step())
    return checks


def run(args: argparse.Namespace) -> int:
    checks = run_checks(get_settings(), args.require_broker)
    for check in checks:
        mark = "ok  " if check.ok else ("FAIL" if check.required else "warn")
        sys.stdout.write(f"[{mark}] {check.name}: {check.detail}\n")
        if not check.ok and check.fix:
            sys.stdout.write(f"       fix: {check.fix}\n")
    broken = [c for c in checks if c.required and not c.ok]
    if broken:
        sys.stdout.write(f"{len(broken)} required check(s) failed\n")
        return int(ExitCode.missing_dependency)
    return 0
