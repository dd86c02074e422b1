"""Registration forms: label -> value pairs by layout (value right of its label, else below),
English and Indonesian labels; values read with low confidence are flagged for review."""

from __future__ import annotations

from docproc.reading.extract.fields import Field
from docproc.reading.extract.layout import find_values, spot_labels
from docproc.reading.extract.normalise import clean_text, parse_date, split_place_date
from docproc.reading.extract.page import PageText

FORM_LABELS: dict[str, tuple[str, ...]] = {
    "name": ("Name", "Nama", "Full name", "Nama lengkap"),
    "aliases": ("Aliases", "Alias", "Other names", "Nama lain"),
    "place_date_of_birth": (
        "Date and place of birth",
        "Place and date of birth",
        "Tempat dan tanggal lahir",
        "Tempat/tanggal lahir",
        "Tempat, tanggal lahir",
    ),
    "nationality": ("Nationality", "Kewarganegaraan"),
    "languages": ("Languages", "Bahasa", "Languages spoken", "Bahasa yang dikuasai"),
    "address": ("Address in Indonesia", "Alamat di Indonesia", "Address", "Alamat"),
    "phone": ("Phone", "Telephone", "Telepon", "Nomor telepon", "No. HP"),
    "arrival_date": (
        "Arrival date",
        "Date of arrival",
        "Tanggal kedatangan",
        "Tanggal tiba",
    ),
    "family_members": ("Family members", "Anggota keluarga"),
    "case_number": (
        "UNHCR/IOM case number",
        "Nomor kasus UNHCR/IOM",
        "Case number",
        "Nomor kasus",
        "UNHCR case number",
        "IOM case number",
    ),
}

#: Values read with a lower mean word confidence than this go to review.
LOW_CONFIDENCE = 0.75
#: A page with at least this many form labels is treated as a form.
MIN_FORM_LABELS = 4


def looks_like_form(page: PageText) -> bool:
    return len({lab.key for lab in spot_labels(page, FORM_LABELS)}) >= MIN_FORM_LABELS


def extract_form(page: PageText) -> tuple[dict[str, Field], list[str]]:
    """Fields of a registration form and the review reasons (``low_confidence:<field>``,
    ``unreadable_date:<field>``)."""
    labels = spot_labels(page, FORM_LABELS)
    values = find_values(page, labels, prefer="right", first_gap=1e6)
    fields: dict[str, Field] = {}
    reasons: list[str] = []
    for key, val in values.items():
        text = clean_text(val.text)
        if key == "place_date_of_birth":
            place, born = split_place_date(text)
            fields["place_of_birth"] = Field(
                "place_of_birth", place.upper(), text, val.conf, "form", page.page, val.box
            )
            fields["birth_date"] = Field(
                "birth_date",
                born.isoformat() if born else text,
                text,
                val.conf if born else val.conf * 0.5,
                "form",
                page.page,
                val.box,
                born is not None,
            )
            continue
        if key == "arrival_date":
            d = parse_date(text)
            fields[key] = Field(
                key,
                d.isoformat() if d else text,
                text,
                val.conf if d else val.conf * 0.5,
                "form",
                page.page,
                val.box,
                d is not None,
            )
            continue
        value = text.upper() if key in ("name", "aliases", "nationality") else text
        fields[key] = Field(key, value, text, val.conf, "form", page.page, val.box)
    for key, f in fields.items():
        if not f.valid:
            reasons.append(f"unreadable_date:{key}")
        elif f.confidence < LOW_CONFIDENCE:
            reasons.append(f"low_confidence:{key}")
    return fields, reasons
