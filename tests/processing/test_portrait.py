"""The holder's portrait rides along a read document: its box in the outcome and the stored JSON,
its crop stored as a derived image next to ``mrz.json``."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from docproc.db.models import DocumentStatus
from docproc.processing.outcome import ReadOutcome, with_portrait
from docproc.processing.process import store_artefacts
from docproc.reading.intake import load_path
from docproc.storage import LocalStore, derived_key
from tests.paths import REPO

SPECIMEN = REPO.parent / "shared/specimens/images/pe_100_pass-fin.png"


def _outcome(page: int = 0, kind: str = "identity") -> ReadOutcome:
    return ReadOutcome(
        DocumentStatus.done,
        None,
        mrz_json={"page": page, "surname": "SPECIMEN"},
        artefacts=(("extract.json", {"kind": kind}),),
        kind=kind,
    )


def test_a_passport_page_gives_a_stored_portrait(tmp_path: Path) -> None:
    if not SPECIMEN.exists():
        pytest.skip("shared/specimens not available")
    outcome = with_portrait(_outcome(), load_path(SPECIMEN))
    assert outcome.portrait is not None
    assert outcome.portrait["page"] == 0 and len(outcome.portrait["box"]) == 4
    assert outcome.mrz_json is not None and outcome.mrz_json["portrait"] == outcome.portrait
    assert dict(outcome.artefacts)["extract.json"]["portrait"] == outcome.portrait
    assert [name for name, _ in outcome.images] == ["portrait.jpg"]

    store = LocalStore(tmp_path)
    document_id = uuid.uuid4()
    keys = store_artefacts(store, document_id, outcome)
    assert derived_key(document_id, "portrait.jpg") in keys
    assert store.get(derived_key(document_id, "portrait.jpg")).startswith(b"\xff\xd8")
    stored = json.loads(store.get(derived_key(document_id, "mrz.json")))
    assert stored["portrait"]["box"] == outcome.portrait["box"]


def test_no_face_no_portrait_and_nothing_stored(tmp_path: Path) -> None:
    pages = load_path(REPO / "samples/images/01_td3_clean_idn.jpg")  # a synthetic: no face
    outcome = with_portrait(_outcome(), pages)
    assert outcome.portrait is None and outcome.images == ()
    assert outcome.mrz_json is not None and "portrait" not in outcome.mrz_json
    keys = store_artefacts(LocalStore(tmp_path), uuid.uuid4(), outcome)
    assert not any(k.endswith("portrait.jpg") for k in keys)


def test_forms_and_failures_are_not_looked_at() -> None:
    if not SPECIMEN.exists():
        pytest.skip("shared/specimens not available")
    pages = load_path(SPECIMEN)
    form = ReadOutcome(DocumentStatus.done, None, kind="form")
    assert with_portrait(form, pages).portrait is None
    failed = ReadOutcome(DocumentStatus.failed, "bad_image")
    assert with_portrait(failed, pages).portrait is None
