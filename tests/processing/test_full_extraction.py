"""The pipeline's full extraction (``DOCPROC_EXTRACT=full``) against real PostgreSQL and
SeaweedFS, with the real OCR engines: visual-zone and form fields, entities, cross-check
reasons and the derived artefacts; ``DOCPROC_EXTRACT=mrz`` keeps the MRZ-only records."""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import cv2
import numpy as np

from docproc.db import repo
from docproc.db.models import MRZ_FIELDS, Document, DocumentStatus, FieldSource
from docproc.processing.process import process_document
from docproc.processing.submit import submit_bytes
from docproc.reading.mrz.model import MRZType
from docproc.storage import derived_key
from docproc.synth.forms import render_form
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document
from tests.processing.conftest import Services, assert_processed_once, sample_bytes


def _png(rgb: Any) -> bytes:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.asarray(rgb, np.uint8), cv2.COLOR_RGB2BGR))
    assert ok
    return encoded.tobytes()


def _process(services: Services, data: bytes, name: str) -> uuid.UUID:
    document, _ = submit_bytes(
        data, name, store=services.store, session_factory=services.session_factory
    )
    process_document(
        document.id,
        store=services.store,
        session_factory=services.session_factory,
        worker_name="w",
        settings=services.settings,
    )
    assert_processed_once(services.session_factory, [document.id])
    return document.id


def _stored(services: Services, document_id: uuid.UUID) -> tuple[Document, dict[str, Any]]:
    """The document row and its newest extraction's fields by name."""
    with services.session_factory() as session:
        document = session.get(Document, document_id)
        extraction = repo.latest_extraction(session, document_id)
        assert document is not None and extraction is not None
        session.expunge_all()
        return document, {f.name: f for f in extraction.fields}


def _artefact(services: Services, document_id: uuid.UUID, name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(services.store.get(derived_key(document_id, name)))
    return body


def test_a_sample_passport_stores_viz_fields_entities_and_the_page_ocr(
    services: Services,
) -> None:
    name, data = sample_bytes(("01_td3_clean_idn.jpg",))[0]
    document_id = _process(services, data, name)
    document, fields = _stored(services, document_id)
    assert document.doc_type == "TD3"

    assert all(fields[n].source is FieldSource.mrz for n in MRZ_FIELDS)
    viz = {n: f for n, f in fields.items() if f.source is FieldSource.viz}
    assert {"viz.document_number", "viz.nationality", "viz.birth_date"} <= set(viz)
    for f in viz.values():
        assert f.name.startswith("viz.") and f.page == 0
        assert f.confidence is not None and 0 <= f.confidence <= 1
        assert f.box is not None and len(f.box) == 4 and f.box[2] > 0 and f.box[3] > 0
    # the printed values agree with the checked MRZ on this clean sample
    assert viz["viz.document_number"].value == fields["document_number"].value
    assert viz["viz.birth_date"].value == fields["birth_date"].value
    assert not any(
        r.startswith("mrz_viz_mismatch") for r in (document.status_reason or "").split(",")
    )
    # the tagger reads free text only: a passport page's labels and printed values are fields
    entities = [f for f in fields.values() if f.source is FieldSource.ner]
    assert all(f.name.startswith("entity.") and f.value for f in entities)
    printed = {f.value for f in viz.values()}
    assert not [f for f in entities if f.value.upper() in printed]

    ocr = _artefact(services, document_id, "page-0.ocr.json")
    assert ocr["page"] == 0 and len(ocr["words"]) > 20
    word = ocr["words"][0]
    assert set(word) == {"text", "conf", "box"} and len(word["box"]) == 4
    assert "PASSPORT" in ocr["text"].upper()
    assert all(w["text"] in ocr["text"] and 0 <= w["conf"] <= 1 for w in ocr["words"])
    record = _artefact(services, document_id, "extract.json")
    assert record["kind"] == "identity" and record["mrz"]["valid"] is not None
    assert record["fields"]["document_number"]["source"] == "viz"
    assert _artefact(services, document_id, "mrz.json")["document_number"] == (
        fields["document_number"].value
    )


def test_a_registration_form_stores_form_fields(services: Services) -> None:
    form = render_form(3, "en")
    document_id = _process(services, _png(form.image), "form.png")
    document, fields = _stored(services, document_id)
    assert document.status in {DocumentStatus.done, DocumentStatus.needs_review}
    assert document.doc_type is None
    assert not any(f.source is FieldSource.mrz for f in fields.values())
    stored = {n: f for n, f in fields.items() if f.source is FieldSource.form}
    assert {"form.name", "form.phone", "form.birth_date"} <= set(stored)
    assert stored["form.birth_date"].value == form.iso_dates["birth_date"]
    assert " ".join(stored["form.name"].value.split()) == " ".join(
        form.truth["name"].upper().split()
    )
    assert all(f.page == 0 and f.box is not None for f in stored.values())
    assert _artefact(services, document_id, "extract.json")["kind"] == "form"
    assert _artefact(services, document_id, "page-0.ocr.json")["words"]


def test_a_printed_birth_date_unlike_the_mrz_goes_to_review_with_both_values(
    services: Services,
) -> None:
    doc = random_document(random.Random("viz-test:mismatch"), MRZType.TD3)
    printed = dict(doc.fields)
    printed["birth_date"] = "1961-02-03" if printed["birth_date"] != "1961-02-03" else "1962-02-03"
    tampered = type(doc)(
        doc.type, doc.document_code, doc.mrz, printed, doc.name_truncated, doc.name_pool
    )
    image, _, _ = make_sample(tampered, 5, None)
    document_id = _process(services, _png(image), "mismatch.png")
    document, fields = _stored(services, document_id)
    assert document.status is DocumentStatus.needs_review
    assert "mrz_viz_mismatch:birth_date" in (document.status_reason or "").split(",")
    assert fields["birth_date"].value == doc.fields["birth_date"]  # the MRZ's
    assert fields["viz.birth_date"].value == printed["birth_date"]  # the printed one


def test_mrz_only_mode_keeps_the_mrz_records(services: Services) -> None:
    services.settings = services.settings.model_copy(update={"extract": "mrz"})
    name, data = sample_bytes(("01_td3_clean_idn.jpg",))[0]
    document_id = _process(services, data, name)
    _, fields = _stored(services, document_id)
    assert list(fields) == list(MRZ_FIELDS)
    assert all(f.source is FieldSource.mrz for f in fields.values())
    assert services.store.exists(derived_key(document_id, "mrz.json"))
    assert not services.store.exists(derived_key(document_id, "extract.json"))
    assert not services.store.exists(derived_key(document_id, "page-0.ocr.json"))
