"""The form field schema and label lexicon: shipped as data, extended by an installation,
refused with a clear error when malformed (pure code, no OCR)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docproc.errors import FormDefinitionInvalid
from docproc.reading.extract.schema import FIELD_TYPES, LEARNED, label_key, load_schema

ISSUE_FIELDS = {
    "name": "person_name",
    "aliases": "person_name",
    "birth_date": "date",
    "place_of_birth": "place",
    "place_date_of_birth": "place_date",
    "sex": "sex",
    "marital_status": "text",
    "nationality": "country",
    "ethnicity": "text",
    "religion": "text",
    "languages": "text",
    "education": "text",
    "occupation": "text",
    "address": "text",
    "phone": "phone",
    "arrival_date": "date",
    "entry_date": "date",
    "entry_place": "place",
    "case_number": "case_number",
    "individual_number": "case_number",
    "travel_document_number": "document_number",
    "travel_document_type": "text",
    "family_members": "table",
    "remarks": "text",
}


def test_the_shipped_schema_has_every_registration_field_in_english_and_indonesian() -> None:
    schema = load_schema()
    for key, ftype in ISSUE_FIELDS.items():
        spec = schema.fields[key]
        assert spec.type == ftype and spec.type in FIELD_TYPES
        assert spec.labels["en"] and spec.labels["id"], key
    assert "Tanggal lahir" in schema.fields["birth_date"].labels["id"]
    assert "Jenis kelamin" in schema.fields["sex"].labels["id"]
    assert "Nomor dokumen perjalanan" in schema.fields["travel_document_number"].labels["id"]
    assert schema.fields["place_date_of_birth"].parts == ("place_of_birth", "birth_date")


def test_an_installation_adds_label_variants_and_fields(tmp_path: Path) -> None:
    (tmp_path / "10-arabic.json").write_text(
        json.dumps(
            {
                "fields": {
                    "name": {"labels": {"ar": ["الاسم"]}},
                    "camp": {"type": "text", "labels": {"en": ["Camp block"]}},
                }
            }
        ),
        encoding="utf-8",
    )
    schema = load_schema(tmp_path)
    assert schema.fields["name"].labels["ar"] == ("الاسم",)
    assert "Nama" in schema.fields["name"].labels["id"]  # the shipped variants stay
    assert schema.fields["camp"].type == "text"
    assert schema.label_table()["camp"] == ("Camp block",)
    assert schema.sources[-1].endswith("10-arabic.json")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("{not json", "not JSON"),
        ('{"fields": []}', '"fields" object'),
        ('{"fields": {"camp": {"labels": {"en": ["Camp"]}}}}', 'needs a "type"'),
        ('{"fields": {"camp": {"type": "colour", "labels": {}}}}', "unknown type 'colour'"),
        ('{"fields": {"name": {"labels": {"ar": "الاسم"}}}}', "list of non-empty label texts"),
        ('{"fields": {"name": {"label": {"ar": ["x"]}}}}', "unknown entries"),
        ('{"fields": {"Bad Key": {"type": "text"}}}', "lowercase"),
    ],
)
def test_a_malformed_installation_definition_is_refused_with_its_file_named(
    tmp_path: Path, body: str, says: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(body, encoding="utf-8")
    with pytest.raises(FormDefinitionInvalid) as caught:
        load_schema(tmp_path)
    assert str(bad) in caught.value.message and says in caught.value.message
    assert caught.value.reason == "form_definition_invalid"


def test_a_missing_definitions_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormDefinitionInvalid, match="not a folder"):
        load_schema(tmp_path / "nowhere")


def test_learned_label_variants_join_their_field_and_win_over_another_fields_label() -> None:
    schema = load_schema()
    learned = schema.with_variants(
        [("phone", "Kontak WhatsApp :"), ("remarks", "TELEPON"), ("shoe_size", "Sepatu")]
    )
    assert learned.fields["phone"].labels[LEARNED] == ("Kontak WhatsApp :",)
    # a label the lexicon gave another field (phone) names the field it was taught for
    assert "Telepon" in schema.fields["phone"].labels["id"]
    assert "telepon" in {label_key(v) for v in learned.fields["remarks"].variants}
    others = (f for k, f in learned.fields.items() if k != "remarks")
    assert all("telepon" not in {label_key(v) for v in f.variants} for f in others)
    assert "shoe_size" not in learned.fields  # a field the schema does not have is skipped
    assert schema.with_variants([]) is schema
    assert label_key("  Kontak  WHATSAPP:") == label_key("kontak whatsapp") == "kontak whatsapp"
