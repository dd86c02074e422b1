"""A small development set of form layouts copied in structure (field order, label wording,
numbering, colons, tick boxes, help text) from public registration forms, rendered by us with
invented people. Used to tune the reader on layouts it was not written against; the randomised
families (``form_layouts``) are what the benchmark scores on fresh seeds.

Sources (structure only, nothing copied verbatim beyond label words):

* ``emergency_long``: the "long registration form" of the sample registration forms for
  emergency assistance operations (humanitarian field handbooks, HELID library): numbered
  items, register ID, name "first and family", DOB, gender, current address, date of arrival,
  place of origin, nationality, ethnic group.
* ``evacuation_specimen``: a specimen evacuee registration form (naval evacuation manual):
  upper-case labels with colons, forenames and surname apart, sex, age, passport number,
  contact, accommodation.
* ``school_enrolment``: an Indonesian "Formulir pendaftaran" (student enrolment form): numbered
  labels with asterisks, a small help line under every field, sex as tick boxes, separate
  "Tempat lahir" and "Tanggal lahir", "Agama & Kepercayaan".
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw

from docproc.synth.form_layouts import RandomForm, _font
from docproc.synth.form_values import applicant, date_text
from docproc.synth.mrzgen import REFERENCE_DATE

#: layout -> rows of (label, field key or None for a label the schema does not know)
DEV_LAYOUTS: dict[str, list[tuple[str, str | None]]] = {
    "emergency_long": [
        ("1. Register ID number", "individual_number"),
        ("2. Date of registration", None),
        ("3. Name - first and family", "name"),
        ("4. DOB", "birth_date"),
        ("5. Gender", "sex"),
        ("6. Current address", "address"),
        ("7. Date of arrival", "arrival_date"),
        ("8. Place of origin", None),
        ("12. Nationality", "nationality"),
        ("13. Ethnic group", "ethnicity"),
    ],
    "evacuation_specimen": [
        ("NATIONALITY", "nationality"),
        ("FORENAMES", "given_names"),
        ("SURNAME", "surname"),
        ("SEX", "sex"),
        ("AGE", None),
        ("PASSPORT NUMBER", "travel_document_number"),
        ("CONTACT NAME/NUMBER", None),
        ("ACCOMMODATION", None),
    ],
    "school_enrolment": [
        ("1 Nama Lengkap*", "name"),
        ("2 Jenis kelamin*", "sex"),
        ("6 Tempat Lahir*", "place_of_birth"),
        ("7 Tanggal Lahir*", "birth_date"),
        ("9 Agama & Kepercayaan*", "religion"),
        ("10 Alamat tinggal*", "address"),
        ("11 Nomor HP", "phone"),
    ],
}
_HELP = "Sesuai dokumen resmi yang berlaku (lampirkan salinan)."


def render_dev_form(layout: str, seed: int, dpi: int = 200) -> RandomForm:
    """One filled form of a development layout; same seed, same page."""
    rows = DEV_LAYOUTS[layout]
    rng = random.Random(f"dev-form:{layout}:{seed}")
    lang = "id" if layout == "school_enrolment" else "en"
    app = applicant(rng, lang)
    s = dpi / 25.4
    w, h = round(210 * s), round(297 * s)
    pil = Image.new("RGB", (w, h), (252, 252, 249))
    draw = ImageDraw.Draw(pil)
    label_font = _font("sans-bold" if layout == "evacuation_specimen" else "sans", round(3.1 * s))
    value_font = _font("mono" if layout == "evacuation_specimen" else "sans", round(3.5 * s))
    title = {"school_enrolment": "FORMULIR PENDAFTARAN"}.get(layout, "REGISTRATION FORM")
    draw.text((18 * s, 15 * s), title, font=_font("sans-bold", round(5 * s)), fill=(10,) * 3)
    x, y = 18 * s, 34 * s
    value_x = x + max(draw.textlength(lab + ":", font=label_font) for lab, _ in rows) + 6 * s
    given, _, family = app.printed["name"].partition(" ")
    extra = {
        "given_names": given,
        "surname": family or given,
    }
    expected: dict[str, str] = {}
    printed: dict[str, str] = {}
    for label, key in rows:
        draw.text((x, y), label + ":", font=label_font, fill=(20, 20, 50))
        if key == "sex" and layout == "school_enrolment":
            bx = value_x
            for n, word in enumerate(app.sex_words):
                draw.rectangle((bx, y + 0.3 * s, bx + 3.2 * s, y + 3.5 * s), outline=0, width=2)
                if (n == 0) == (app.sex == "M"):
                    draw.line((bx + 3, y + 0.3 * s + 3, bx + 3.2 * s - 3, y + 3.5 * s - 3), 0, 4)
                    draw.line((bx + 3, y + 3.5 * s - 3, bx + 3.2 * s - 3, y + 0.3 * s + 3), 0, 4)
                draw.text((bx + 5.2 * s, y), word, font=value_font, fill=(10, 10, 30))
                bx += 5.2 * s + draw.textlength(word, font=value_font) + 12 * s
            expected["sex"] = app.expected["sex"]
        else:
            if key is None:
                text = _unknown_value(label, rng, lang)
            elif key in extra:
                text = extra[key]
            else:
                text = app.printed[key]
            draw.text((value_x, y - 0.3 * s), text, font=value_font, fill=(10, 10, 30))
            if key is not None:
                printed[key] = text
                expected[key] = extra[key].upper() if key in extra else app.expected[key]
        if layout == "school_enrolment":
            draw.text((x + 4 * s, y + 5.5 * s), _HELP, font=_font("sans", round(2.2 * s)), fill=90)
        y += 14 * s
    image = np.asarray(pil, dtype=np.uint8).copy()
    return RandomForm(image, layout, lang, expected, printed, {k: lab for lab, k in rows if k})


def _unknown_value(label: str, rng: random.Random, lang: str) -> str:
    low = label.lower()
    if "date" in low:
        return date_text(REFERENCE_DATE, lang, rng)
    if "age" in low:
        return str(rng.randint(18, 70))
    if "origin" in low:
        return rng.choice(("Rakhine", "Ghazni", "Mogadishu"))
    if "contact" in low:
        return f"Camp office {rng.randint(1, 9)}"
    return f"Block {rng.choice('ABCD')}-{rng.randint(1, 40)}"
