"""Visual-zone fields of passports, ID cards and visas, found by their printed labels."""

from __future__ import annotations

from docproc.extract.fields import Field
from docproc.extract.layout import Label, Value, find_values, same_row, spot_labels
from docproc.extract.normalise import (
    clean_document_number,
    clean_text,
    normalise_sex,
    parse_date,
    split_place_date,
)
from docproc.extract.page import Box, PageText, reread_many, union

# key -> label variants, English and Indonesian (and a few other spellings seen on documents).
VIZ_LABELS: dict[str, tuple[str, ...]] = {
    "document_code": ("Type", "Jenis", "Tipe"),
    "issuing_country": ("Code of issuing State", "Kode Negara", "Country code", "Code"),
    "document_number": (
        "Passport No.", "No. Paspor", "Document No.", "No. Dokumen", "Visa No.", "No. Visa",
        "Passport Number", "Nomor Paspor", "Card No.", "No. Kartu", "Document Number",
    ),
    "surname": ("Surname", "Nama Keluarga", "Family name", "Last name"),
    "given_names": ("Given names", "Nama Depan", "Given name", "First name", "Forenames"),
    "name": ("Name", "Nama", "Full name", "Nama Lengkap"),
    "nationality": ("Nationality", "Kewarganegaraan"),
    "birth_date": ("Date of birth", "Tgl. Lahir", "Tanggal Lahir"),
    "place_of_birth": ("Place of birth", "Tempat Lahir"),
    "place_date_of_birth": (
        "Place/Date of birth", "Tempat/Tgl. Lahir", "Tempat/Tanggal Lahir",
        "Place and date of birth",
    ),
    "sex": ("Sex", "Jenis Kelamin", "Gender"),
    "issue_date": (
        "Date of issue", "Tgl. Pengeluaran", "Tanggal Pengeluaran", "Tanggal dikeluarkan",
        "Valid from", "Berlaku dari",
    ),
    "expiry_date": (
        "Date of expiry", "Tgl. Habis Berlaku", "Tanggal Habis Berlaku", "Valid until", "Until",
        "Sampai dengan", "Berlaku hingga", "Berlaku sampai",
    ),
    "issuing_authority": (
        "Authority", "Kantor yang mengeluarkan", "Issuing authority", "Place of issue",
        "Tempat dikeluarkan",
    ),
    # read so their values are not taken for another field's
    "entries": ("Number of entries", "Jumlah masuk"),
    "duration": ("Duration of stay", "Lama tinggal"),
}

#: Fields the visual zone reports (``place_date_of_birth`` is split into two of them).
VIZ_FIELDS: tuple[str, ...] = (
    "document_code", "issuing_country", "document_number", "surname", "given_names", "name",
    "nationality", "birth_date", "place_of_birth", "sex", "issue_date", "expiry_date",
    "issuing_authority",
)
_DATES = frozenset({"birth_date", "issue_date", "expiry_date"})


# Short or mixed letter/digit values tesseract's page pass often drops or garbles: read again.
_ALWAYS_REREAD = frozenset({"sex", "document_code", "issuing_country", "document_number"})
_REREAD_BELOW = 0.8


def _value_region(page: PageText, lab: Label, labels: list[Label], val: Value | None) -> Box:
    h = max(1.0, lab.height)
    lb = lab.frame_box
    if val is not None:
        vb = union([w.frame_box for w in val.words])
        vh = vb[3] - vb[1]
        return (vb[0] - 0.6 * vh, vb[1] - 0.35 * vh, vb[2] + 0.8 * vh, vb[3] + 0.35 * vh)
    right = min(
        (o.frame_box[0] for o in labels if o is not lab and same_row(lb, o.frame_box)
         and o.frame_box[0] > lb[2]),
        default=lb[0] + max(lb[2] - lb[0], 10 * h),
    )
    return (lb[0] - 0.5 * h, lb[3] + 0.05 * h, right - 0.3 * h, lb[3] + 2.5 * h)


def _second_reads(
    page: PageText, labels: list[Label], values: dict[str, Value]
) -> dict[str, Value]:
    """Read short and doubtful values again, one line at a time; keep the more confident read."""
    first: dict[str, Label] = {}
    for lab in labels:
        first.setdefault(lab.key, lab)
    jobs: list[tuple[str, Label, Box]] = []
    for key, lab in first.items():
        if key not in VIZ_FIELDS and key != "place_date_of_birth":
            continue
        val = values.get(key)
        if key in _ALWAYS_REREAD or val is None or val.conf < _REREAD_BELOW:
            region = _value_region(page, lab, labels, val)
            jobs.append((key, lab, region))
    if not jobs:
        return values
    out = dict(values)
    # one tesseract call for all of them: start-up costs more than the reading
    lang = page.language.split("+")[0]
    results = reread_many(page, [job[2] for job in jobs], lang=lang)
    for (key, lab, _), res in zip(jobs, results, strict=True):
        if res is None:
            continue
        text, conf, box = res
        old = values.get(key)
        if old is None or conf > old.conf or (key in _ALWAYS_REREAD and conf >= old.conf - 0.05):
            out[key] = Value(key, text, conf, box, lab, old.words if old else ())
    return out


def extract_viz(page: PageText) -> dict[str, Field]:
    """The labelled fields of one page, normalised, keyed by field name."""
    labels = spot_labels(page, VIZ_LABELS)
    values = _second_reads(page, labels, find_values(page, labels, prefer="below"))
    out: dict[str, Field] = {}
    for key, val in values.items():
        if key == "place_date_of_birth":
            place, born = split_place_date(val.text)
            if place and "place_of_birth" not in values:
                out["place_of_birth"] = _field("place_of_birth", place, val, page.page)
            if "birth_date" not in values:
                out["birth_date"] = _field(
                    "birth_date",
                    born.isoformat() if born else val.text,
                    val,
                    page.page,
                    valid=born is not None,
                )
        elif key in VIZ_FIELDS:
            out[key] = normalise_field(key, val, page.page)
    return out


def normalise_field(key: str, val: Value, page: int) -> Field:
    text = clean_text(val.text)
    if key in _DATES:
        d = parse_date(text)
        return _field(key, d.isoformat() if d else text, val, page, valid=d is not None)
    if key == "sex":
        sex = normalise_sex(text)
        return _field(key, sex or text, val, page, valid=sex is not None)
    if key == "document_number":
        return _field(key, clean_document_number(text), val, page)
    if key in ("document_code", "issuing_country"):
        return _field(key, clean_document_number(text), val, page)
    return _field(key, text.upper(), val, page)


def _field(key: str, value: str, val: Value, page: int, *, valid: bool = True) -> Field:
    conf = val.conf if valid else val.conf * 0.5
    return Field(key, value, val.text, conf, "viz", page, val.box, valid)
