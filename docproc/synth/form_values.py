"""Values of one invented applicant for a randomised registration form: what is printed, and
what a perfect reader returns for it (dates ISO, sex M/F, nationality ICAO, phones E.164).

All people are invented (``docproc.synth.names``)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from docproc.synth.mrzgen import REFERENCE_DATE
from docproc.synth.names import COUNTRY_NAMES, random_person

#: Month names of the forms' languages.
MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "id": [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
}
_NATIONALITIES = ("MMR", "AFG", "BGD", "CHN", "IRN", "IRQ", "PAK", "SOM", "LKA")
_ETHNIC = {
    "MMR": ("Rohingya",),
    "AFG": ("Hazara", "Tajik", "Pashtun"),
    "BGD": ("Bengali",),
    "CHN": ("Han", "Uyghur"),
    "IRN": ("Persian",),
    "IRQ": ("Kurdish", "Arab"),
    "PAK": ("Punjabi", "Hazara"),
    "SOM": ("Somali",),
    "LKA": ("Tamil",),
}
_LANGUAGES = {
    "MMR": ("Rohingya", "Burmese"),
    "AFG": ("Dari", "Pashto"),
    "BGD": ("Bengali",),
    "CHN": ("Mandarin",),
    "IRN": ("Farsi",),
    "IRQ": ("Arabic", "Kurdish"),
    "PAK": ("Urdu", "Punjabi"),
    "SOM": ("Somali", "Arabic"),
    "LKA": ("Tamil",),
}
_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "marital_status": {
        "en": ("Single", "Married", "Widowed", "Divorced"),
        "id": ("Belum kawin", "Kawin", "Cerai mati", "Cerai hidup"),
    },
    "religion": {
        "en": ("Islam", "Buddhism", "Hinduism", "Christianity"),
        "id": ("Islam", "Buddha", "Hindu", "Kristen"),
    },
    "education": {
        "en": ("Primary school", "Secondary school", "University", "None"),
        "id": ("SD", "SMP", "SMA", "Universitas", "Tidak sekolah"),
    },
    "occupation": {
        "en": ("Farmer", "Fisherman", "Tailor", "Teacher", "Student", "Trader", "Driver"),
        "id": ("Petani", "Nelayan", "Penjahit", "Guru", "Pelajar", "Pedagang", "Sopir"),
    },
    "travel_document_type": {
        "en": ("Passport", "Identity card", "None"),
        "id": ("Paspor", "Kartu identitas", "Tidak ada"),
    },
    "remarks": {
        "en": ("Arrived by boat", "Medical check needed", "Registered with family", "None"),
        "id": ("Tiba dengan perahu", "Perlu cek kesehatan", "Terdaftar bersama keluarga"),
    },
    "entry_place": {
        "en": ("Tanjung Pinang", "Aceh Utara", "Batam", "Medan", "Lhokseumawe", "Kupang"),
        "id": ("Tanjung Pinang", "Aceh Utara", "Batam", "Medan", "Lhokseumawe", "Kupang"),
    },
}
_STREETS = ("Jl. Kebon Sirih", "Jl. Cikini Raya", "Jl. Raya Bogor", "Jl. Sudirman", "Jl. Pemuda")
_CITIES = ("Jakarta Pusat", "Bogor", "Medan", "Makassar", "Pekanbaru", "Tangerang", "Batam")
_LONG_TAIL = (
    "RT 003/RW 005, Kel. Tanjung Unggat, Kec. Bukit Bestari, Kota Tanjungpinang, Kepulauan Riau",
    "RT 01/RW 02, Kel. Sei Jodoh, Kec. Batu Ampar, Kota Batam, Kepulauan Riau",
    "Gang Mawar, Kel. Belawan, Kec. Medan Belawan, Kota Medan, Sumatera Utara",
)
_RELATIONS = {
    "en": ("wife", "husband", "son", "daughter", "mother", "brother"),
    "id": ("istri", "suami", "anak", "anak", "ibu", "saudara"),
}


@dataclass(frozen=True)
class Applicant:
    printed: dict[str, str]  # field key -> text as printed
    expected: dict[str, str]  # field key -> the normalised value a reader should give
    sex: str  # M | F
    sex_words: tuple[str, str]  # the words for M and F on this form


def date_text(d: date, lang: str, rng: random.Random) -> str:
    """``8 Agustus 1969``, ``08-08-1969``, ``08/08/1969``, ``1969-08-08`` or ``8 August 1969``."""
    style = rng.random()
    if style < 0.2:
        return f"{d.day:02d}-{d.month:02d}-{d.year}"
    if style < 0.4:
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style < 0.5:
        return d.isoformat()
    return f"{d.day} {MONTHS[lang][d.month - 1]} {d.year}"


def _phone(rng: random.Random) -> tuple[str, str]:
    a, b, c = rng.randint(11, 59), rng.randint(1000, 9999), rng.randint(1000, 9999)
    e164 = f"+628{a}{b}{c}"
    style = rng.choice(("+62 8{a} {b} {c}", "08{a}-{b}-{c}", "08{a} {b} {c}", "+628{a}{b}{c}"))
    return style.format(a=a, b=b, c=c), e164


def applicant(rng: random.Random, lang: str, *, long_address: bool = False) -> Applicant:
    """One invented applicant's values in ``lang`` (``en`` or ``id``)."""
    i = 1 if lang == "id" else 0
    nat = rng.choice(_NATIONALITIES)
    person = random_person(rng, nat)
    name = " ".join(p for p in (person.given_names, person.surname) if p)
    born = REFERENCE_DATE - timedelta(days=rng.randint(18 * 365, 70 * 365))
    arrived = REFERENCE_DATE - timedelta(days=rng.randint(30, 9 * 365))
    entered = arrived - timedelta(days=rng.randint(0, 20))
    stateless = nat == "MMR" and rng.random() < 0.6
    nat_text = ("Stateless", "Tanpa kewarganegaraan")[i] if stateless else COUNTRY_NAMES[nat][i]
    sex_words = (("Male", "Female"), ("Laki-laki", "Perempuan"))[i]
    street = f"{rng.choice(_STREETS)} No. {rng.randint(1, 140)}"
    address = f"{street}, {rng.choice(_LONG_TAIL) if long_address else rng.choice(_CITIES)}"
    phone, e164 = _phone(rng)
    members = []
    for _ in range(rng.randint(1, 2)):
        other = random_person(rng, nat)
        members.append(f"{other.given_names or other.surname} ({rng.choice(_RELATIONS[lang])})")
    org = rng.choice(("UNHCR", "IOM"))
    case = f"{org} {rng.randint(100, 999)}-{rng.randint(10, 26)}C{rng.randint(0, 99999):05d}"
    individual = f"{rng.randint(100, 999)}-{rng.randint(10000000, 99999999)}"
    doc_no = rng.choice(("A", "B", "EB", "P")) + str(rng.randint(1000000, 99999999))
    langs = list(_LANGUAGES[nat]) + ([("English", "Inggris")[i]] if rng.random() < 0.4 else [])
    printed = {
        "name": name,
        "aliases": f"{rng.choice(name.split())} {rng.choice(('ALI', 'ABU', 'NUR'))}",
        "birth_date": date_text(born, lang, rng),
        "place_of_birth": person.place_of_birth,
        "sex": sex_words[0 if person.sex == "M" else 1],
        "nationality": nat_text,
        "ethnicity": rng.choice(_ETHNIC[nat]),
        "languages": ", ".join(langs),
        "address": address,
        "phone": phone,
        "arrival_date": date_text(arrived, lang, rng),
        "entry_date": date_text(entered, lang, rng),
        "case_number": case,
        "individual_number": individual,
        "travel_document_number": doc_no,
        "family_members": ", ".join(members),
    }
    for key, pools in _CHOICES.items():
        printed[key] = rng.choice(pools[lang])
    printed["place_date_of_birth"] = f"{printed['place_of_birth']}, {printed['birth_date']}"
    expected = {k: v.upper() for k, v in printed.items()}
    expected.update(
        birth_date=born.isoformat(),
        arrival_date=arrived.isoformat(),
        entry_date=entered.isoformat(),
        sex=person.sex,
        nationality="XXA" if stateless else nat,
        phone=e164,
    )
    expected.pop("place_date_of_birth")
    return Applicant(printed, expected, person.sex, sex_words)
