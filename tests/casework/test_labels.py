"""Learning from review: a reviewer assigns a form's unknown label to a schema field; the
installation remembers it (who, when, audited) and the next form with that label is read with it.
On SQLite and PostgreSQL, with the real OCR engine for the forms."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import labels
from docproc.casework.auth import Principal
from docproc.casework.review import open_task_for
from docproc.config import Settings
from docproc.db import repo
from docproc.db.models import DocumentStatus, Event, LabelVariant, Role
from docproc.db.session import session_scope
from docproc.processing.process import process_document
from docproc.processing.submit import submit_bytes
from docproc.reading.extract.schema import label_key, shipped_schema
from docproc.storage import open_store
from docproc.synth.render import font
from tests.casework.conftest import db_url, engine, factory, migrated_pg_url, record_read

__all__ = ["db_url", "engine", "factory", "migrated_pg_url"]

FIELDS = list(shipped_schema().fields)


def _reviewer(name: str = "rita") -> Principal:
    return Principal(user_id=f"id-{name}", username=name, role=Role.reviewer, via="session")


def _unique(label: str) -> str:
    """The PostgreSQL database is shared by the session's tests: labels of their own."""
    return f"{label} {uuid.uuid4().hex[:6]}"


def test_a_mapping_is_remembered_with_who_and_when(factory: sessionmaker[Session]) -> None:
    label = _unique("Kontak keluarga")
    with session_scope(factory) as session:
        mapping = labels.map_label(
            session, label=f"{label} :", field="phone", fields=FIELDS, actor=_reviewer()
        )
    assert mapping.label == label and mapping.field == "phone" and mapping.set_by == "rita"
    with session_scope(factory) as session:
        row = session.scalar(select(LabelVariant).where(LabelVariant.label == label))
        assert row is not None and row.created_by == "rita" and row.created_at is not None
        assert ("phone", label) in labels.label_variants(session)
        events = repo.events_for(session, "label_variant", row.id)
        assert [(e.kind, e.old, e.new, e.actor) for e in events] == [
            ("label_mapped", None, "phone", "rita")
        ]


def test_a_mapping_is_corrected_and_the_change_audited(factory: sessionmaker[Session]) -> None:
    label = _unique("Suku bangsa")
    with session_scope(factory) as session:
        labels.map_label(session, label=label, field="religion", fields=FIELDS, actor=_reviewer())
    with session_scope(factory) as session:
        # the same label read with other spacing and case is the same label
        mapping = labels.map_label(
            session,
            label=label.upper().replace(" ", "  "),
            field="ethnicity",
            fields=FIELDS,
            actor=_reviewer("sari"),
        )
    assert mapping.field == "ethnicity" and mapping.set_by == "sari"
    with session_scope(factory) as session:
        rows = session.scalars(
            select(LabelVariant).where(LabelVariant.label_key == label_key(label))
        ).all()
        assert len(rows) == 1 and rows[0].field == "ethnicity"
        assert rows[0].created_by == "rita" and rows[0].changed_by == "sari"
        kinds = [
            (e.kind, e.old, e.new) for e in repo.events_for(session, "label_variant", rows[0].id)
        ]
        assert kinds == [
            ("label_mapped", None, "religion"),
            ("label_remapped", "religion", "ethnicity"),
        ]


def test_a_mapping_from_a_review_task_names_its_document(factory: sessionmaker[Session]) -> None:
    document_id = record_read(factory, DocumentStatus.needs_review)
    with session_scope(factory) as session:
        document = repo.get_document(session, document_id)
        assert document is not None
        task = open_task_for(session, document, 0.0)
        assert task is not None
        task_id = task.id
    label = _unique("Asal kampung")
    with session_scope(factory) as session:
        labels.map_label(
            session,
            label=label,
            field="place_of_birth",
            fields=FIELDS,
            actor=_reviewer(),
            task_id=task_id,
        )
    with session_scope(factory) as session:
        event = session.scalars(
            select(Event).where(Event.kind == "label_mapped").order_by(Event.id.desc())
        ).first()
        assert event is not None and event.detail is not None
        assert event.detail["task_id"] == task_id
        assert event.detail["document_id"] == str(document_id)


@pytest.mark.parametrize(
    ("label", "field"),
    [("Nama ibu", "mother_name"), ("  : ", "phone"), ("12 34", "phone"), ("x" * 121, "phone")],
)
def test_an_unknown_field_or_a_label_without_words_is_refused(
    factory: sessionmaker[Session], label: str, field: str
) -> None:
    with session_scope(factory) as session, pytest.raises(labels.BadLabelMapping):
        labels.map_label(session, label=label, field=field, fields=FIELDS, actor=_reviewer())


def test_forgetting_a_label(factory: sessionmaker[Session]) -> None:
    label = _unique("Nomor WA")
    with session_scope(factory) as session:
        labels.map_label(session, label=label, field="phone", fields=FIELDS, actor=_reviewer())
    with session_scope(factory) as session:
        assert labels.forget_label(session, label=label, actor=_reviewer("sari"))
        assert not labels.forget_label(session, label=label, actor=_reviewer("sari"))
        assert ("phone", label) not in labels.label_variants(session)


# --------------------------------------------------------------- the next form is read with it

S = 200 / 25.4
#: A label no lexicon has, the office's own wording for a phone number.
OFFICE_LABEL = "Kontak WhatsApp"


def _form_png(rows: list[tuple[str, str]]) -> bytes:
    pil = Image.new("RGB", (round(210 * S), round(297 * S)), (252, 252, 250))
    draw = ImageDraw.Draw(pil)
    draw.text((18 * S, 15 * S), "DATA PENGUNGSI", font=font("sans-bold", round(5 * S)), fill=0)
    y = 32 * S
    for label, value in rows:
        draw.text((15 * S, y), f"{label}:", font=font("sans", round(3.2 * S)), fill=(20, 20, 20))
        draw.text((90 * S, y), value, font=font("sans", round(3.5 * S)), fill=(10, 10, 40))
        y += 13 * S
    buf = io.BytesIO()
    pil.save(buf, "PNG")
    return buf.getvalue()


def _form(name: str, born: str, phone: str) -> bytes:
    return _form_png(
        [
            ("Nama / Name", name),
            ("Tanggal lahir / Date of birth", born),
            ("Jenis kelamin / Sex", "Perempuan"),
            ("Kewarganegaraan / Nationality", "Tanpa kewarganegaraan"),
            (OFFICE_LABEL, phone),
        ]
    )


def _read(data: bytes, factory: sessionmaker[Session], tmp_path: Path) -> dict[str, str | None]:
    store = open_store(str(tmp_path / "objects"))
    document, _ = submit_bytes(
        data, f"{uuid.uuid4().hex}.png", store=store, session_factory=factory
    )
    process_document(
        document.id,
        store=store,
        session_factory=factory,
        worker_name="w",
        settings=Settings(data_dir=tmp_path),
    )
    with factory() as session:
        extraction = repo.latest_extraction(session, document.id)
        assert extraction is not None
        return {f.name: f.value for f in extraction.fields}


def test_a_reviewers_label_mapping_is_used_on_the_next_form(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with session_scope(factory) as session:  # the shared PostgreSQL may know it from a run
        labels.forget_label(session, label=OFFICE_LABEL, actor=_reviewer())
    first = _read(_form("Nur Kalima", "8 Agustus 1969", "0812 3456 7890"), factory, tmp_path)
    raw = [n for n in first if labels.raw_label(n) is not None]
    assert "form.phone" not in first and raw, first
    read_label = labels.raw_label(raw[0])
    assert read_label is not None and label_key(read_label) == "kontak whatsapp"
    assert (first[raw[0]] or "").replace(" ", "") == "081234567890"
    with session_scope(factory) as session:
        labels.map_label(session, label=read_label, field="phone", fields=FIELDS, actor=_reviewer())
    second = _read(_form("Abul Hussain", "02/03/1990", "0813 2222 4444"), factory, tmp_path)
    assert second.get("form.phone") == "+6281322224444", second
    assert not [n for n in second if labels.raw_label(n) is not None]
    assert second.get("form.birth_date") == "1990-03-02"


def test_a_batch_reads_forms_with_the_labels_taught(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    from docproc.processing.batch import run_batch

    with session_scope(factory) as session:
        labels.forget_label(session, label=OFFICE_LABEL, actor=_reviewer())
        labels.map_label(
            session, label=OFFICE_LABEL, field="phone", fields=FIELDS, actor=_reviewer()
        )
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "form.png").write_bytes(_form("Siti Rahma", "1 Mei 1985", "0815 1111 2222"))
    store_url = f"file://{tmp_path / 'objects'}"
    summary = run_batch(
        str(folder),
        store=open_store(store_url),
        store_url=store_url,
        session_factory=factory,
        settings=Settings(data_dir=tmp_path),
    )
    (result,) = summary.results
    assert result.document_id is not None
    with factory() as session:
        extraction = repo.latest_extraction(session, result.document_id)
        assert extraction is not None
        values = {f.name: f.value for f in extraction.fields}
    assert values.get("form.phone") == "+6281511112222", values
