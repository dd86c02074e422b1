"""Visual-zone fields of passports, ID cards and visas, found by their printed labels."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from docproc.reading.extract.fields import Field
from docproc.reading.extract.layout import (
    Label,
    Value,
    find_values,
    match_label,
    same_row,
    spot_labels,
)
from docproc.reading.extract.normalise import (
    clean_document_number,
    clean_text,
    normalise_sex,
    parse_date,
    split_place_date,
)
from docproc.reading.extract.page import Box, PageText, TextLine, reread_many, union
from docproc.reading.extract.prior import agreement, agrees, locate, shape_ok
from docproc.reading.mrz.model import ParsedMRZ

# key -> label variants, English and Indonesian (and a few other spellings seen on documents).
VIZ_LABELS: dict[str, tuple[str, ...]] = {
    "document_code": ("Type", "Jenis", "Tipe"),
    "issuing_country": ("Code of issuing State", "Kode Negara", "Country code", "Code"),
    "document_number": (
        "Passport No.",
        "No. Paspor",
        "Document No.",
        "No. Dokumen",
        "Visa No.",
        "No. Visa",
        "Passport Number",
        "Nomor Paspor",
        "Card No.",
        "No. Kartu",
        "Document Number",
    ),
    "surname": ("Surname", "Nama Keluarga", "Family name", "Last name"),
    "given_names": ("Given names", "Nama Depan", "Given name", "First name", "Forenames"),
    "name": ("Name", "Nama", "Full name", "Nama Lengkap"),
    "nationality": ("Nationality", "Kewarganegaraan"),
    "birth_date": ("Date of birth", "Tgl. Lahir", "Tanggal Lahir"),
    "place_of_birth": ("Place of birth", "Tempat Lahir"),
    "place_date_of_birth": (
        "Place/Date of birth",
        "Tempat/Tgl. Lahir",
        "Tempat/Tanggal Lahir",
        "Place and date of birth",
    ),
    "sex": ("Sex", "Jenis Kelamin", "Gender"),
    "issue_date": (
        "Date of issue",
        "Tgl. Pengeluaran",
        "Tanggal Pengeluaran",
        "Tanggal dikeluarkan",
        "Valid from",
        "Berlaku dari",
    ),
    "expiry_date": (
        "Date of expiry",
        "Tgl. Habis Berlaku",
        "Tanggal Habis Berlaku",
        "Valid until",
        "Until",
        "Sampai dengan",
        "Berlaku hingga",
        "Berlaku sampai",
    ),
    "issuing_authority": (
        "Authority",
        "Kantor yang mengeluarkan",
        "Issuing authority",
        "Place of issue",
        "Tempat dikeluarkan",
    ),
    # read so their values are not taken for another field's
    "entries": ("Number of entries", "Jumlah masuk"),
    "duration": ("Duration of stay", "Lama tinggal"),
}

#: Fields the visual zone reports (``place_date_of_birth`` is split into two of them).
VIZ_FIELDS: tuple[str, ...] = (
    "document_code",
    "issuing_country",
    "document_number",
    "surname",
    "given_names",
    "name",
    "nationality",
    "birth_date",
    "place_of_birth",
    "sex",
    "issue_date",
    "expiry_date",
    "issuing_authority",
)
#: Visual-zone fields the MRZ also holds (nationality as a code).
MRZ_BACKED: tuple[str, ...] = tuple(
    k for k in VIZ_FIELDS if k not in ("place_of_birth", "issue_date", "issuing_authority")
)
_DATES = frozenset({"birth_date", "issue_date", "expiry_date"})


# Short or mixed letter/digit values tesseract's page pass often drops or garbles: read again.
_ALWAYS_REREAD = frozenset({"sex", "document_code", "issuing_country", "document_number"})
_REREAD_BELOW = 0.8
#: Values a label led to that disagree with the MRZ are compared with the printed line that
#: reads as the MRZ's value, if there is one (not codes, sex or nationality: short, or printed
#: in the header too).
_RELOCATE = frozenset(
    {"surname", "given_names", "name", "document_number", "birth_date", "expiry_date"}
)
#: A value printed beside its label ("Sex: M") starts within this many label heights of it;
#: further right is the next column.
_INLINE_GAP = 3.0
#: At most this many unclaimed value lines get their label read again.
_MAX_ORPHANS = 6


def _column_right(lab: Label, labels: list[Label]) -> float | None:
    """Left edge of the next label to the right on the label's row: where its column ends."""
    lb = lab.frame_box
    return min(
        (
            o.frame_box[0]
            for o in labels
            if o is not lab and same_row(lb, o.frame_box) and o.frame_box[0] > lb[2]
        ),
        default=None,
    )


def _value_region(lab: Label, labels: list[Label], val: Value | None) -> tuple[Box, float]:
    """Where to read a value again, and the height of its text: around the words first read
    (a partial read of a code such as ``LK`` for ``LKA`` gives too small a box, so the crop
    reaches to the end of the label's column), else the band below the label."""
    h = max(1.0, lab.height)
    lb = lab.frame_box
    right = _column_right(lab, labels)
    if val is not None and val.words:
        vb = union([w.frame_box for w in val.words])
        vh = vb[3] - vb[1]
        x1 = vb[2] + 0.8 * vh
        if right is not None and right > vb[2]:
            x1 = max(x1, right - 0.3 * h)
        elif right is None:
            x1 = float("inf")  # the last column: the crop stops at the frame (and at a gap)
        below = vb[1] >= lb[3] - 0.3 * h
        x0 = min(vb[0], lb[0]) if below else vb[0]
        return (x0 - 0.6 * vh, vb[1] - 0.25 * vh, x1, vb[3] + 0.25 * vh), vh
    if right is None:
        right = lb[0] + max(lb[2] - lb[0], 10 * h)
    return (lb[0] - 0.5 * h, lb[3] + 0.05 * h, right - 0.3 * h, lb[3] + 2.5 * h), 1.4 * h


@dataclass(frozen=True)
class _Job:
    """One value to read again; ``key`` None: a printed line no label was found for, whose
    label (the small print just above it) is read again too."""

    key: str | None
    label: Label | None
    region: Box
    text_px: float
    line: TextLine | None = None
    label_region: Box | None = None


def _orphans(
    page: PageText, labels: list[Label], values: dict[str, Value]
) -> list[tuple[TextLine, float]]:
    """Lines printed like values (about as tall as the values found, below the first label
    row) that no label claimed, their labels lost to blur or noise; with the height of their
    text (a noisy word box can be much taller than its letters)."""
    taken = {id(w) for lab in labels for w in lab.words}
    taken |= {id(w) for v in values.values() for w in v.words}
    heights = [w.height for v in values.values() for w in v.words]
    if not labels or not heights:
        return []
    value_h = float(np.median(heights))
    top = min(lab.frame_box[1] for lab in labels)
    out: list[tuple[TextLine, float]] = []
    for line in page.lines:
        h = float(np.median([w.height for w in line.words]))
        if (
            not any(id(w) in taken for w in line.words)
            and line.frame_box[1] > top
            and 0.75 * value_h <= h <= 3.0 * value_h
            and line.conf >= 0.5
            and sum(ch.isalnum() for ch in line.text) >= 2
        ):
            out.append((line, min(h, 1.3 * value_h)))
    return out[:_MAX_ORPHANS]


def _around(line: TextLine, h: float) -> tuple[Box, Box]:
    """A line's value region and the band just above it where its label is printed, for text
    ``h`` high centred on the line."""
    x0, y0, x1, y1 = line.frame_box
    cy = (y0 + y1) / 2
    top, bottom = cy - 0.5 * h, cy + 0.5 * h
    value = (x0 - 0.6 * h, top - 0.25 * h, x1 + 0.8 * h, bottom + 0.25 * h)
    label = (x0 - 0.3 * h, top - 1.4 * h, x0 + max(x1 - x0, 12 * h), top)
    return value, label


def _second_reads(
    page: PageText, labels: list[Label], values: dict[str, Value], mrz: ParsedMRZ | None
) -> dict[str, Value]:
    """Read short, doubtful and MRZ-disagreeing values again, one line at a time, plain and
    sharpened, and the labels of unclaimed value lines (one tesseract call for all); choose
    among the readings."""
    first: dict[str, Label] = {}
    for spotted in labels:
        first.setdefault(spotted.key, spotted)
    for name, found in values.items():
        first.setdefault(name, found.label)
    jobs: list[_Job] = []
    for name, first_lab in first.items():
        if name not in VIZ_FIELDS and name != "place_date_of_birth":
            continue
        val = values.get(name)
        doubtful = (
            val is None
            or val.conf < _REREAD_BELOW
            or (mrz is not None and name in MRZ_BACKED and not _agrees(name, val, mrz, page))
        )
        if name in _ALWAYS_REREAD or doubtful:
            region, px = _value_region(first_lab, labels, val)
            jobs.append(_Job(name, first_lab, region, px))
    for line, h in _orphans(page, labels, values):
        region, label_region = _around(line, h)
        jobs.append(_Job(None, None, region, h, line, label_region))
    if not jobs:
        return values
    # one tesseract call for all (start-up costs more than the reading): each value plain and
    # sharpened, the label above an unclaimed line sharpened
    regions: list[Box] = []
    text_px: list[float] = []
    sharpen: list[bool] = []
    for job in jobs:
        if job.label_region is not None:
            regions.append(job.label_region)
            text_px.append(0.7 * job.text_px)
            sharpen.append(True)
        regions += [job.region, job.region]
        text_px += [job.text_px, job.text_px]
        sharpen += [False, True]
    lang = page.language.split("+")[0]
    results = reread_many(page, regions, lang=lang, text_px=text_px, sharpen=sharpen)
    out = dict(values)
    label_words = [w for spotted in labels for w in spotted.words]
    n = 0
    for job in jobs:
        lab, old = job.label, values.get(job.key or "")
        if job.line is not None:
            read = results[n]
            n += 1
            missing = [k for k in (*VIZ_FIELDS, "place_date_of_birth") if k not in out]
            key = match_label(read[0], VIZ_LABELS, loose=missing) if read is not None else None
            key = key or _unlabelled_date(job.line.text, out, mrz)
            if key is None or key in out or key not in (*VIZ_FIELDS, "place_date_of_birth"):
                n += 2
                continue
            lab = Label(key, job.line.words, 0.0)
            old = Value(key, job.line.text, job.line.conf, job.line.box, lab, job.line.words)
        else:
            key = job.key
        assert key is not None and lab is not None
        # (reading, preference): single-line reads of short values beat the page pass
        options: list[tuple[Value, float]] = [(old, old.conf)] if old is not None else []
        for res in results[n : n + 2]:
            if res is not None:
                text, conf, box = res
                bonus = 0.05 if key in _ALWAYS_REREAD else 0.0
                words = old.words if old else ()
                options.append((Value(key, text, conf, box, lab, words), conf + bonus))
        n += 2
        if mrz is not None and old is not None and key in _RELOCATE:
            other = [w for k, v in out.items() if k != key for w in v.words]
            found_line = locate(page, key, mrz, [*label_words, *other])
            if found_line is not None and found_line.words != old.words:
                # the label led to other words than the line that reads as the MRZ's value
                fl = found_line
                options.append((Value(key, fl.text, fl.conf, fl.box, lab, fl.words), 0.0))
        if options:
            out[key] = _choose(key, options, mrz, page)
    return out


def _unlabelled_date(text: str, found: dict[str, Value], mrz: ParsedMRZ | None) -> str | None:
    """``issue_date`` for a printed date whose label cannot be read, when it is not the birth
    or expiry date (the MRZ's, or both found on the page): identity documents print no other
    date."""
    d = parse_date(text)
    if d is None or "issue_date" in found:
        return None
    if mrz is not None:
        return None if d in (mrz.birth_date, mrz.expiry_date) else "issue_date"
    if "birth_date" in found and "expiry_date" in found:
        return "issue_date"
    return None


def _agrees(key: str, val: Value, mrz: ParsedMRZ, page: PageText) -> bool:
    return agrees(key, normalise_field(key, val, page.page).value, mrz)


def _choose(
    key: str, options: list[tuple[Value, float]], mrz: ParsedMRZ | None, page: PageText
) -> Value:
    """A reading that says what the checked MRZ says (exactly before allowing for truncation),
    else the preferred reading of the right shape (a country code that exists, a date, one of
    M/F/X ...), else the preferred reading."""
    pool = options
    if mrz is not None and key in MRZ_BACKED:
        levels = [
            agreement(key, normalise_field(key, v, page.page).value, mrz, v.text) for v, _ in pool
        ]
        if max(levels) > 0:
            pool = [o for o, lv in zip(pool, levels, strict=True) if lv == max(levels)]
            return max(pool, key=lambda o: o[1])[0]
    shaped = [o for o in pool if shape_ok(key, normalise_field(key, o[0], page.page).value)]
    return max(shaped or pool, key=lambda o: o[1])[0]


def _locate_missing(
    page: PageText, labels: list[Label], values: dict[str, Value], mrz: ParsedMRZ
) -> dict[str, Value]:
    """Printed values whose label was not read, found by reading as the MRZ's value (the
    words are the printed ones; a value the page does not show is not found)."""
    out = dict(values)
    taken = [w for lab in labels for w in lab.words] + [w for v in values.values() for w in v.words]
    for key in MRZ_BACKED:
        if (
            key in out
            or (key == "name" and ("surname" in out or "given_names" in out))
            or (key in ("surname", "given_names") and "name" in out)
            or (key == "birth_date" and "place_date_of_birth" in out)
        ):
            continue
        line = locate(page, key, mrz, taken)
        if line is None:
            continue
        mononym = not (mrz.surname.strip("<") and mrz.given_names.strip("<"))
        if key in ("surname", "given_names") and mononym and mrz.issuing_country == "IDN":
            key = "name"  # Indonesian documents print one "Nama / Name"
        words = line.words
        lab = Label(key, words, 0.0)
        out[key] = Value(key, line.text, line.conf, line.box, lab, words)
        taken += list(words)
    return out


def extract_viz(page: PageText, mrz: ParsedMRZ | None = None) -> dict[str, Field]:
    """The labelled fields of one page, normalised, keyed by field name. With the page's
    checked ``mrz``, values whose label was not read are looked for by the MRZ's value, and
    the MRZ chooses among readings of a printed value (it never supplies one)."""
    labels = spot_labels(page, VIZ_LABELS)
    values = find_values(page, labels, prefer="below", first_gap=_INLINE_GAP)
    if mrz is not None:
        values = _locate_missing(page, labels, values, mrz)
    values = _second_reads(page, labels, values, mrz)
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


# "!" and "|" next to letters are a misread I (after an I, the same stroke read twice);
# quotes at a word's edge are specks
_I_TWICE = re.compile(r"(?<=I)[!|]")
_BANG_I = re.compile(r"(?<=[A-Za-z])[!|](?![0-9])|(?<![A-Za-z0-9])[!|](?=[A-Za-z])")
_EDGE_QUOTES = re.compile(r"(?<![A-Za-z])[‘’“”\"`']+|[‘’“”\"`]+(?![A-Za-z])")


def clean_words(text: str) -> str:
    """Printed text values (names, places, authorities) without OCR specks."""
    text = _BANG_I.sub("I", _I_TWICE.sub("", text))
    return clean_text(_EDGE_QUOTES.sub("", text))


def code_value(key: str, text: str) -> str:
    """A document or country code as printed: the first run of capitals and digits (specks
    read in lowercase end it: ``Pp`` is ``P``), cut to a known country code where a longer run
    starts with one (``BGDI`` for ``BGD`` and a speck)."""
    match = re.search(r"[A-Z0-9]+", text.replace("$", "S"))
    first = match.group(0) if match else clean_document_number(text)
    if key == "issuing_country" and len(first) > 3 and shape_ok(key, first[:3]):
        return first[:3]
    return first


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
        return _field(key, code_value(key, text), val, page)
    return _field(key, clean_words(text).upper(), val, page)


def _field(key: str, value: str, val: Value, page: int, *, valid: bool = True) -> Field:
    conf = val.conf if valid else val.conf * 0.5
    return Field(key, value, val.text, conf, "viz", page, val.box, valid)
