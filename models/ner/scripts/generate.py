"""Generate synthetic English/Indonesian training sentences (news and case-note style).

Writes DocBin files with the five NER labels (PERSON, ORG, LOC, DATE, NATIONALITY).
Structured identifiers (phones, e-mails, case and passport numbers) appear in the text but are
*not* labelled: the entity ruler finds them, the NER learns to leave them alone.

    python scripts/generate.py --train corpus/train/synth.spacy --dev corpus/dev/synth.spacy \
        --n-train 6000 --n-dev 600 --seed 0
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pools as P

from docproc.reading.nlp.components import customize_tokenizer

Span = tuple[int, int, str]
Filler = Callable[[random.Random, str], tuple[str, list[Span]]]

# --------------------------------------------------------------------------------------------
# Fillers: return (text, spans relative to text)
# --------------------------------------------------------------------------------------------


def _name(rng: random.Random) -> str:
    pool = rng.choices(
        ["bd", "ro", "af", "cn", "id", "idmono", "ug", "other", "west", "mm"],
        weights=[15, 15, 15, 9, 13, 14, 3, 4, 3, 4],
    )[0]
    if pool == "bd":
        if rng.random() < 0.3:
            return rng.choice(P.BANGLADESHI_EXTRA)
        first = rng.choice(P.BANGLADESHI_FIRST)
        if rng.random() < 0.3:
            return f"{first} {rng.choice(P.BANGLADESHI_FIRST)} {rng.choice(P.BANGLADESHI_LAST)}"
        return f"{first} {rng.choice(P.BANGLADESHI_LAST)}"
    if pool == "ro":
        if rng.random() < 0.3:
            return rng.choice(P.ROHINGYA_EXTRA)
        r = rng.random()
        if r < 0.2:
            return rng.choice(P.ROHINGYA_FIRST)
        if r < 0.4:
            return f"{rng.choice(P.ROHINGYA_FIRST)} {rng.choice(P.ROHINGYA_FIRST)}"
        return f"{rng.choice(P.ROHINGYA_FIRST)} {rng.choice(P.ROHINGYA_LAST)}"
    if pool == "af":
        if rng.random() < 0.25:
            return rng.choice(P.AFGHAN_EXTRA)
        if rng.random() < 0.3:
            first, middle = rng.choice(P.AFGHAN_FIRST), rng.choice(P.AFGHAN_FIRST)
            return f"{first} {middle} {rng.choice(P.AFGHAN_LAST)}"
        return f"{rng.choice(P.AFGHAN_FIRST)} {rng.choice(P.AFGHAN_LAST)}"
    if pool == "cn":
        return rng.choice(P.CHINESE_NAMES + P.CHINESE_EXTRA)
    if pool == "id":
        r = rng.random()
        if r < 0.4:
            return rng.choice(P.INDONESIAN_FULL)
        if r < 0.85:
            return f"{rng.choice(P.INDONESIAN_FIRST)} {rng.choice(P.INDONESIAN_LAST)}"
        return (
            f"{rng.choice(P.INDONESIAN_FIRST)} {rng.choice(P.INDONESIAN_FIRST)} "
            f"{rng.choice(P.INDONESIAN_LAST)}"
        )
    if pool == "idmono":
        return rng.choice(P.INDONESIAN_MONONYMS)
    if pool == "ug":
        return rng.choice(P.UYGHUR_NAMES)
    if pool == "mm":
        return rng.choice(P.BURMESE_NAMES)
    if pool == "other":
        return rng.choice(P.OTHER_FOREIGN)
    return rng.choice(P.ENGLISH_NAMES)


def per(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    n = _name(rng)
    return n, [(0, len(n), "PERSON")]


def tper(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    """A name with a title/honorific before it (title outside the span) or a degree after it."""
    n = _name(rng)
    title = rng.choice(P.EN_TITLES if lang == "en" else P.ID_TITLES)
    prefix = title + " "
    suffix = ""
    if lang == "id" and rng.random() < 0.15:
        suffix = rng.choice(P.DEGREE_SUFFIXES)
    return prefix + n + suffix, [(len(prefix), len(prefix) + len(n), "PERSON")]


def officer(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    """Police/military officer: [role [place]] rank name [degrees]."""
    n = rng.choice(P.INDONESIAN_FULL + P.INDONESIAN_MONONYMS)
    spans: list[Span] = []
    text = ""
    if lang == "en":
        r = rng.random()
        if r < 0.5:
            text = rng.choice(P.POLICE_RANKS + P.EN_RANKS + P.MILITARY_RANKS) + " "
        elif r < 0.8:
            text = rng.choice(P.POLICE_RANKS) + " "
        else:
            role = rng.choice(["Police Chief", "Chief Commissioner", "Commander"])
            text = role + " "
    else:
        if rng.random() < 0.2:  # "Kepala Rudenim Kupang, Heru," : role + place, then the name
            role = rng.choice(
                [
                    "Kepala Rudenim",
                    "Kepala Kantor Imigrasi",
                    "Kapolres",
                    "Kapolsek",
                    "Kepala Basarnas",
                    "Kepala Dinas Sosial",
                    "Kakanim",
                    "Bupati",
                    "Kapolda",
                    "Kepala Kantor Imigrasi Kelas II",
                    "Wali Kota",
                ]
            )
            place = rng.choice(P.UNIT_PLACES)
            n2 = _name(rng) if rng.random() < 0.3 else n
            text = f"{role} {place}, "
            spans = [
                (len(role) + 1, len(role) + 1 + len(place), "LOC"),
                (len(text), len(text) + len(n2), "PERSON"),
            ]
            return text + n2, spans
        if rng.random() < 0.45:
            role = rng.choice(P.ROLE_PREFIXES_ID)
            text = role + " "
            if rng.random() < 0.6 and role not in ("Panglima Laot",):
                place = rng.choice(
                    [
                        "Aceh Utara",
                        "Aceh Timur",
                        "Pidie",
                        "Lhokseumawe",
                        "Bireuen",
                        "Medan",
                        "Kupang",
                        "Makassar",
                        "Aceh",
                        "Riau",
                        "Sabang",
                        "Jakarta",
                        "Tanjungpinang",
                        "Pekanbaru",
                        "Langsa",
                    ]
                )
                spans.append((len(text), len(text) + len(place), "LOC"))
                text += place + " "
        text += rng.choice(P.POLICE_RANKS + P.MILITARY_RANKS) + " "
    start = len(text)
    text += n
    spans.append((start, len(text), "PERSON"))
    if lang == "id" and rng.random() < 0.25:
        text += rng.choice(P.DEGREE_SUFFIXES)
    return text, spans


def org(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    r = rng.random()
    if r < 0.05:
        o = rng.choice(P.ARMED_GROUPS)
    elif r < 0.35:
        place = rng.choice(P.UNIT_PLACES)
        if lang == "en" and rng.random() < 0.5:
            o = rng.choice(P.ORG_UNITS_EN).format(place)
        else:
            o = f"{rng.choice(P.ORG_UNITS_ID)} {place}"
    else:
        o = rng.choice(P.ORGS_EN if lang == "en" else P.ORGS_ID)
    start = 0
    if o.startswith("the "):
        if rng.random() < 0.5:
            o = o[4:]
        else:
            start = 4
    return o, [(start, len(o), "ORG")]


def loc(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    pool = P.LOCS_EN if lang == "en" else P.LOCS_ID
    x = rng.choice(pool)
    start = 4 if x.startswith("the ") else 0
    end = len(x)
    if lang == "en" and start == 0 and rng.random() < 0.12:
        x += " " + rng.choice(P.EN_PLACE_NOUNS)
    return x, [(start, end, "LOC")]


def natcue(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    """Citizenship with its cue word: "WNA Tiongkok", "berkebangsaan Myanmar", "Afghan crew"."""
    if lang == "en":
        x = rng.choice(P.NAT_EN)
        noun = rng.choice(
            [
                "crew members",
                "authorities",
                "fishermen",
                "nationals",
                "citizens",
                "citizen",
                "national",
                "men",
                "women",
                "migrants",
                "boy",
                "officials",
                "consul",
                "embassy staff",
                "smugglers",
            ]
        )
        return f"{x} {noun}", [(0, len(x), "NATIONALITY")]
    cue = rng.choice(
        ["warga negara", "WN", "WNA", "warga", "imigran", "pengungsi", "nelayan", "orang"]
    )
    x = rng.choice(P.NAT_ID_COUNTRY)
    return f"{cue} {x}", [(len(cue) + 1, len(cue) + 1 + len(x), "NATIONALITY")]


def orgloc(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    """An organisation's office in a place: "kantor UNHCR Jakarta", "the IOM office in Medan"."""
    acr = rng.choice(
        [
            "UNHCR",
            "IOM",
            "JRS",
            "CWS",
            "Church World Service",
            "Dompet Dhuafa",
            "UNICEF",
            "PMI",
            "Imigrasi",
            "SUAKA",
            "Yayasan Geutanyoe",
            "LBH",
        ]
    )
    place = rng.choice([*P.UNIT_PLACES, "Jakarta", "Medan", "Aceh", "Kupang", "Cisarua"])
    if lang == "en":
        form = rng.choice(
            ["the {a} office in {p}", "{a} {p}", "{a}'s office in {p}", "the {a} shelter in {p}"]
        )
    else:
        form = rng.choice(
            [
                "kantor {a} {p}",
                "kantor {a} di {p}",
                "{a} {p}",
                "shelter {a} di {p}",
                "kantor {a} perwakilan {p}",
            ]
        )
    text = form.format(a=acr, p=place)
    a0 = text.index(acr)
    p0 = text.rindex(place)
    return text, [(a0, a0 + len(acr), "ORG"), (p0, p0 + len(place), "LOC")]


def perbin(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    """Patronymic names are one PERSON: "Abdul Karim bin Yusuf", "Hasnah binti Ali"."""
    x = f"{_name(rng)} {rng.choice(['bin', 'binti'])} {_name(rng).split()[0]}"
    return x, [(0, len(x), "PERSON")]


def wday(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    """A weekday on its own is not a DATE (docproc labels calendar dates)."""
    return rng.choice(P.DAYS_EN if lang == "en" else P.DAYS_ID), []


def date(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    d = rng.randint(1, 28)
    m = rng.randint(0, 11)
    y = rng.randint(2012, 2025)
    r = rng.random()
    if lang == "en":
        forms = [
            f"{d} {P.MONTHS_EN[m]} {y}",
            f"{P.MONTHS_EN[m]} {d}, {y}",
            f"{P.MONTHS_EN[m]} {y}",
            f"{d} {P.MONTHS_EN_SHORT[m]} {y}",
            f"{d:02d}/{m + 1:02d}/{y}",
            f"{y}-{m + 1:02d}-{d:02d}",
            f"{rng.choice(P.DAYS_EN)}, {d} {P.MONTHS_EN[m]} {y}",
            f"{P.MONTHS_EN[m]} {d}",
            f"{d} {P.MONTHS_EN[m]}",
            str(y),
        ]
        weights = [20, 14, 10, 5, 10, 5, 6, 8, 6, 8]
    else:
        forms = [
            f"{d} {P.MONTHS_ID[m]} {y}",
            f"{P.MONTHS_ID[m]} {y}",
            f"{d} {P.MONTHS_ID_SHORT[m]} {y}",
            f"{d:02d}/{m + 1:02d}/{y}",
            f"{d:02d}-{m + 1:02d}-{y}",
            f"{rng.choice(P.DAYS_ID)}, {d} {P.MONTHS_ID[m]} {y}",
            f"{rng.choice(P.DAYS_ID)} ({d}/{m + 1})",
            f"{d} {P.MONTHS_ID[m]}",
            str(y),
        ]
        weights = [25, 12, 5, 12, 5, 8, 6, 10, 8]
    del r
    x = rng.choices(forms, weights=weights)[0]
    return x, [(0, len(x), "DATE")]


def year(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    x = str(rng.randint(1975, 2024))
    return x, [(0, len(x), "DATE")]


def nat(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    """A demonym/ethnic group (both languages); in Indonesian also ethnic-group words."""
    x = rng.choice(P.NAT_EN) if lang == "en" else rng.choice(P.NAT_ID_ETHNIC)
    return x, [(0, len(x), "NATIONALITY")]


def natc(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    """Indonesian: a country name used as citizenship (after 'warga negara', 'WN', ...)."""
    x = rng.choice(P.NAT_ID_COUNTRY)
    return x, [(0, len(x), "NATIONALITY")]


def phone(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    a = rng.choice(["812", "813", "821", "822", "852", "853", "811", "857", "878", "896"])
    b, c = rng.randint(1000, 9999), rng.randint(1000, 9999)
    forms = [
        f"+62 {a}-{b}-{c}",
        f"0{a}-{b}-{c}",
        f"0{a}{b}{c}",
        f"+62{a}{b}{c}",
        f"0{a} {b} {c}",
        f"+880 17{rng.randint(10, 99)}-{rng.randint(100000, 999999)}",
        f"+93 7{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        f"+86 13{rng.randint(0, 9)} {b} {c}",
        f"(0645) {rng.randint(40000, 49999)}",
    ]
    return rng.choice(forms), []


def email(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    user = rng.choice(
        [
            "info",
            "humas",
            "rahim.uddin",
            "protection",
            "jakarta",
            "case.officer",
            "sekretariat",
            "a.karimi",
            "intake",
        ]
    )
    dom = rng.choice(
        [
            "unhcr.org",
            "iom.int",
            "polri.go.id",
            "imigrasi.go.id",
            "gmail.com",
            "yahoo.com",
            "kemenkumham.go.id",
            "jrs.or.id",
        ]
    )
    return f"{user}@{dom}", []


def case(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    y = rng.randint(12, 24)
    forms = [
        f"IDN-{y}C{rng.randint(0, 99999):05d}",
        f"{rng.choice(['125', '126', '127'])}-{y}C{rng.randint(0, 99999):05d}",
        f"IOM-IDN-20{y}-{rng.randint(1, 9999):04d}",
        f"LP/B/{rng.randint(10, 999)}/{rng.choice(['III', 'VI', 'IX', 'XI'])}/20{y}/SPKT",
    ]
    return rng.choice(forms), []


def passport(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    forms = [
        f"{rng.choice(['A', 'B', 'E', 'P', 'G'])}{rng.randint(10000000, 99999999)}",
        f"{rng.choice(['BA', 'BB', 'EB', 'EA', 'MA', 'OA'])}{rng.randint(1000000, 9999999)}",
        f"{rng.randint(1000000000000000, 9999999999999999)}",
    ]
    return rng.choice(forms), []


def num(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    return str(
        rng.choice(
            [
                2,
                3,
                4,
                5,
                6,
                7,
                8,
                9,
                11,
                12,
                14,
                17,
                23,
                36,
                45,
                57,
                68,
                91,
                103,
                114,
                137,
                150,
                184,
                200,
                231,
            ]
        )
    ), []


def time_(rng: random.Random, lang: str) -> tuple[str, list[Span]]:
    h, m = rng.randint(0, 23), rng.choice([0, 15, 30, 45, 10, 20])
    if lang == "en":
        return f"{h:02d}:{m:02d}", []
    return f"{h:02d}.{m:02d} WIB", []


FILLERS: dict[str, Filler] = {
    "PER": per,
    "TPER": tper,
    "OFF": officer,
    "ORG": org,
    "LOC": loc,
    "DATE": date,
    "YEAR": year,
    "NAT": nat,
    "NATC": natc,
    "PHONE": phone,
    "EMAIL": email,
    "CASE": case,
    "PASS": passport,
    "NUM": num,
    "TIME": time_,
    "NATCUE": natcue,
    "ORGLOC": orgloc,
    "PERBIN": perbin,
    "WDAY": wday,
}

# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------

EN_TEMPLATES = """
A boat carrying {NUM} {NAT} refugees landed at {LOC} on {DATE}, {ORG} said.
{OFF} said the group had left {LOC} about two weeks earlier.
{ORG} staff registered {PER} and his wife {PER} in {LOC} on {DATE}.
{TPER}, a {NAT} man aged 34, told {ORG} he paid a broker in {LOC}.
Police in {LOC} arrested {PER} on suspicion of people smuggling.
{PER} was transferred from {LOC} to {ORG} on {DATE}.
According to {ORG}, {NUM} of the passengers were children.
The {NAT} woman, identified as {PER}, was taken to hospital in {LOC}.
{ORG} and {ORG} are coordinating the response in {LOC}.
Case note: {TPER} (UNHCR case {CASE}) reports that her son {PER} is missing.
Applicant {PER}, {NAT}, born {DATE} in {LOC}. Phone {PHONE}.
Interview conducted by {PER} of {ORG} on {DATE}.
{PER} said he fled {LOC} in {YEAR} and reached {LOC} through {LOC}.
{OFF} of {ORG} confirmed the arrests.
"We cannot send them back to sea," {TPER} told reporters in {LOC}.
The vessel was intercepted by {ORG} off {LOC} on {DATE}.
{NUM} {NAT} asylum seekers were moved to a shelter run by {ORG}.
{PER}, who heads the {ORG} office in {LOC}, urged the government to act.
{TPER} can be reached at {PHONE} or {EMAIL}.
The family of {PER} arrived in {LOC} in {DATE} and registered with {ORG}.
Registration: {PER} / {NAT} / DOB {DATE} / passport {PASS}.
On {DATE}, {OFF} led a search near {LOC}.
{PER} and {PER} were detained at {ORG} pending deportation.
A spokesperson for {ORG}, {PER}, said the boat had engine trouble.
{NAT} refugees in {LOC} protested outside the {ORG} office.
Name: {PER}
Nationality: {NAT}
Date of birth: {DATE}
Place of birth: {LOC}
UNHCR case number: {CASE}
Contact: {PHONE}
{PER} holds passport number {PASS} issued in {LOC}.
The minor {PER} was referred to {ORG} for family tracing.
Fishermen from {LOC} rescued {NUM} people, including {PER}, on {DATE}.
{ORG} officers said {PER} had overstayed his visa since {DATE}.
{TPER} of {ORG} met {TPER} in {LOC} on {DATE}.
Her husband, {PER}, remains in {LOC}, she said.
{PER} told investigators that {PER} organised the trip from {LOC}.
The {NAT} national was handed over to {ORG} in {LOC}.
{OFF} said the suspects, including {PER}, face up to 15 years in prison.
IOM reference {CASE} was opened for {PER} on {DATE}.
{ORG} recorded {NUM} new arrivals in {LOC} last month.
{PER} ({NAT}), {PER} ({NAT}) and {PER} ({NAT}) were found on the beach.
Officers from {ORG} and {ORG} visited the camp in {LOC} on {DATE}.
{TPER} said {ORG} had not been informed.
Subject {PER} states he was born in {LOC} and is of {NAT} ethnicity.
The boat left {LOC} on {DATE} with about {NUM} passengers.
{PER}, {PER} and their three children were relocated to {LOC}.
{OFF} from {ORG} said a report would be sent to {ORG}.
He gave his name as {PER} and his nationality as {NAT}.
{ORG} said in a statement on {DATE} that it was assisting {NUM} survivors in {LOC}.
Contact person: {TPER}, {ORG}, tel. {PHONE}, e-mail {EMAIL}.
{PER} was born on {DATE} in {LOC}, according to his {NAT} passport {PASS}.
In {YEAR}, {PER} moved from {LOC} to {LOC} with her uncle {PER}.
{ORG} chief {PER} met {ORG} representatives in {LOC}.
The refugees, mostly {NAT} women and children, were taken to {LOC}.
Witness {TPER} said the captain, {PER}, abandoned the boat near {LOC}.
Follow-up on {DATE}: {PER} did not attend the appointment at {ORG}.
{PER} is a {NAT} refugee who has lived in {LOC} since {YEAR}.
{PER}, a {NAT} teenager, was found on {WDAY} wandering near {LOC}.
Three {NATCUE} were arrested in {LOC} on {WDAY}, {ORG} said.
{PER}, 27, and her daughter {PER} now live near {ORGLOC}.
Client {PER} came to {ORGLOC} on {DATE} to renew her refugee card.
Per {PER}, the group crossed from {LOC} to {LOC} by speedboat at night.
His cousin {PER} works in {LOC} and sends money through {PER}.
{PER} said {ORG} had beaten him in {LOC} before he fled in {YEAR}.
PoC {PER} reports threats from a neighbour; advised to contact {ORG}.
Spoke to {TPER} by phone ({PHONE}) about the rent arrears.
{OFF} said {NATCUE} had been questioned about the incident.
The {ORG} in {LOC} has asked {ORG} for more funding.
{PER} ({NAT}, 42) told {ORG} she had not eaten for three days.
Late on {WDAY}, villagers in {LOC} spotted the boat drifting offshore.
{PERBIN} is listed as the head of household.
Household members: {PER} (wife), {PER} (son), {PER} (daughter).
{ORG} staff member {PER} accompanied the family to {LOC} hospital.
Reporter: {PER} | Editor: {PER}
""".strip().split("\n")

ID_TEMPLATES = """
Sebanyak {NUM} pengungsi {NAT} terdampar di {LOC}, {LOC}, pada {DATE}.
{OFF} mengatakan kapal tersebut berangkat dari {LOC} dua minggu lalu.
Petugas {ORG} mendata {PER} dan istrinya, {PER}, di {LOC}.
{TPER} mengaku membayar agen di {LOC} untuk menyeberang ke {LOC}.
Polisi menangkap {PER} yang diduga sebagai penyelundup manusia.
{PER}, warga negara {NATC}, dipindahkan ke {ORG} pada {DATE}.
Menurut {ORG}, {NUM} penumpang di antaranya adalah anak-anak.
Imigran asal {LOC} itu diamankan oleh {ORG} di {LOC}.
{ORG} dan {ORG} berkoordinasi menangani pengungsi di {LOC}.
Catatan kasus: {TPER} (nomor kasus UNHCR {CASE}) melaporkan anaknya, {PER}, hilang.
Pemohon {PER}, WN {NATC}, lahir di {LOC} pada {DATE}. Telp. {PHONE}.
Wawancara dilakukan oleh {PER} dari {ORG} pada {DATE}.
{PER} mengaku meninggalkan {LOC} pada {YEAR} dan tiba di {LOC} melalui {LOC}.
"Kami masih menunggu koordinasi dengan {ORG}," kata {OFF}.
Kapal itu dicegat {ORG} di perairan {LOC} pada {DATE}.
{NUM} pencari suaka asal {LOC} dipindahkan ke penampungan yang dikelola {ORG}.
{PER}, Kepala {ORG}, meminta pemerintah segera bertindak.
{TPER} dapat dihubungi di nomor {PHONE} atau surel {EMAIL}.
Keluarga {PER} tiba di {LOC} pada {DATE} dan mendaftar ke {ORG}.
Pendataan: {PER} / {NATC} / tgl lahir {DATE} / paspor {PASS}.
Pada {DATE}, {OFF} memimpin pencarian di sekitar {LOC}.
{PER} dan {PER} ditahan di {ORG} sambil menunggu deportasi.
Juru bicara {ORG}, {PER}, mengatakan mesin kapal rusak.
Pengungsi {NAT} di {LOC} berunjuk rasa di depan kantor {ORG}.
Nama: {PER}
Kewarganegaraan: {NATC}
Tanggal lahir: {DATE}
Tempat lahir: {LOC}
Nomor kasus UNHCR: {CASE}
No. HP: {PHONE}
{PER} memegang paspor nomor {PASS} yang diterbitkan di {LOC}.
Anak di bawah umur atas nama {PER} dirujuk ke {ORG} untuk penelusuran keluarga.
Nelayan {LOC} menyelamatkan {NUM} orang, termasuk {PER}, pada {DATE}.
Petugas {ORG} menyebut {PER} telah melebihi izin tinggal sejak {DATE}.
{TPER} dari {ORG} bertemu {TPER} di {LOC} pada {DATE}.
Suaminya, {PER}, masih berada di {LOC}, katanya.
{PER} mengatakan kepada penyidik bahwa {PER} mengatur perjalanan dari {LOC}.
Warga negara {NATC} itu diserahkan kepada {ORG} di {LOC}.
{OFF} menyebut para tersangka, termasuk {PER}, terancam hukuman 15 tahun penjara.
Nomor referensi IOM {CASE} dibuka untuk {PER} pada {DATE}.
{ORG} mencatat {NUM} kedatangan baru di {LOC} bulan lalu.
{PER} ({NATC}), {PER} ({NATC}) dan {PER} ({NATC}) ditemukan di pantai.
Petugas {ORG} dan {ORG} mengunjungi kamp di {LOC} pada {DATE}.
{TPER} mengatakan {ORG} belum menerima laporan.
Yang bersangkutan, {PER}, mengaku lahir di {LOC} dan beretnis {NAT}.
Kapal berangkat dari {LOC} pada {DATE} dengan sekitar {NUM} penumpang.
{PER}, {PER} dan tiga anak mereka direlokasi ke {LOC}.
{OFF} dari {ORG} mengatakan laporan akan dikirim ke {ORG}.
Ia menyebut namanya {PER} dan mengaku warga negara {NATC}.
{ORG} dalam keterangannya pada {DATE} menyatakan telah membantu {NUM} korban selamat di {LOC}.
Narahubung: {TPER}, {ORG}, telp. {PHONE}, email {EMAIL}.
{PER} lahir pada {DATE} di {LOC}, sesuai paspor {NATC} nomor {PASS}.
Pada tahun {YEAR}, {PER} pindah dari {LOC} ke {LOC} bersama pamannya, {PER}.
{OFF} menerima perwakilan {ORG} di {LOC}.
Para pengungsi yang sebagian besar perempuan dan anak-anak {NAT} itu dibawa ke {LOC}.
Saksi {TPER} mengatakan nakhoda kapal, {PER}, meninggalkan kapal di dekat {LOC}.
Tindak lanjut {DATE}: {PER} tidak hadir dalam janji temu di {ORG}.
{PER} adalah pengungsi {NAT} yang tinggal di {LOC} sejak {YEAR}.
Kejadian itu dilaporkan dengan nomor {CASE} ke {ORG}.
{TPER} menjelaskan bahwa para imigran {NATC} tersebut masuk tanpa dokumen.
Sebanyak {NUM} WNA asal {LOC} diamankan {ORG} di {LOC} pada {TIME}.
Tim gabungan {ORG}, {ORG} dan {ORG} melakukan pemeriksaan kesehatan di {LOC}.
Berdasarkan data {ORG}, terdapat {NUM} pengungsi {NAT} di {LOC} per {DATE}.
Kepada wartawan, {OFF} menuturkan bahwa {PER} merupakan otak penyelundupan.
{PERBIN} dilaporkan kabur dari {ORG} pada {DATE} sekitar pukul {TIME}.
Dalam pemeriksaan, {PER} mengaku dijanjikan pekerjaan di {LOC}.
{PER}, {NATCUE}, ditangkap di {LOC} pada hari {WDAY}.
Sebanyak {NUM} {NATCUE} diamankan {ORG} saat hendak menyeberang ke {LOC}.
{PER} mendatangi {ORGLOC} pada {DATE} untuk mengurus kartu pengungsi.
Warga {LOC} bernama {PER} melaporkan keberadaan kapal asing kepada {ORG}.
Dokumen atas nama {PER} diserahkan ke {ORGLOC}.
{TPER}, warga {LOC}, mengaku melihat kapal itu sejak {WDAY} pagi.
Menurut {PER}, para pengungsi diberangkatkan dari {LOC} menggunakan kapal kayu.
Perkara dengan terdakwa {PER} disidangkan di {ORG} pada {DATE}.
{OFF} menyebut {NATCUE} itu tidak memiliki dokumen perjalanan.
Pengungsi bernama {PER} dirawat di {ORG} setelah pingsan.
Adik korban, {PER}, tinggal di {LOC} dan bekerja di {LOC}.
Anggota keluarga: {PER} (istri), {PER} (anak), {PER} (anak).
{PER} berkebangsaan {NATC}, sedangkan istrinya berkewarganegaraan {NATC}.
Paspor {NATC} milik {PER} disita petugas {ORG}.
{PER} mengaku dianiaya {ORG} di {LOC} sebelum melarikan diri pada {YEAR}.
Petugas {ORG}, {PER}, mendampingi keluarga itu ke rumah sakit di {LOC}.
{PERBIN} tercatat sebagai kepala keluarga.
Penulis: {PER} | Editor: {PER}
""".strip().split("\n")

_SLOT = re.compile(r"\{([A-Z]+)\}")


def render(template: str, lang: str, rng: random.Random) -> tuple[str, list[Span]]:
    out = ""
    spans: list[Span] = []
    pos = 0
    for m in _SLOT.finditer(template):
        out += template[pos : m.start()]
        text, sub = FILLERS[m.group(1)](rng, lang)
        base = len(out)
        spans.extend((base + s, base + e, lab) for s, e, lab in sub)
        out += text
        pos = m.end()
    out += template[pos:]
    return out, spans


def _form_block(lang: str, rng: random.Random) -> tuple[str, list[Span]]:
    """A multi-line registration form, sometimes upper-cased like OCR of a form."""
    lines = [
        t for t in (EN_TEMPLATES if lang == "en" else ID_TEMPLATES) if ":" in t and len(t) < 40
    ]
    k = rng.randint(2, min(5, len(lines)))
    chosen = rng.sample(lines, k)
    text = ""
    spans: list[Span] = []
    for i, line in enumerate(chosen):
        t, s = render(line, lang, rng)
        base = len(text)
        spans.extend((base + a, base + b, lab) for a, b, lab in s)
        text += t + ("\n" if i < len(chosen) - 1 else "")
    if rng.random() < 0.25:
        text = text.upper()
    return text, spans


def make_example(lang: str, rng: random.Random) -> tuple[str, list[Span]]:
    if rng.random() < 0.12:
        return _form_block(lang, rng)
    templates = EN_TEMPLATES if lang == "en" else ID_TEMPLATES
    text, spans = render(rng.choice(templates), lang, rng)
    if rng.random() < 0.25:  # two sentences in one example, like a paragraph
        t2, s2 = render(rng.choice(templates), lang, rng)
        base = len(text) + 1
        spans += [(base + a, base + b, lab) for a, b, lab in s2]
        text = text + " " + t2
    if rng.random() < 0.03:
        text = text.upper()
    return text, spans


def to_doc(nlp: spacy.language.Language, text: str, spans: list[Span]) -> Doc | None:
    doc = nlp.make_doc(text)
    ents = []
    for s, e, lab in spans:
        span = doc.char_span(s, e, label=lab)
        if span is None:
            return None
        ents.append(span)
    try:
        doc.ents = ents
    except ValueError:
        return None
    return doc


def generate(n: int, seed: int, nlp: spacy.language.Language) -> list[Doc]:
    rng = random.Random(seed)
    docs: list[Doc] = []
    dropped = 0
    while len(docs) < n:
        lang = "en" if rng.random() < 0.5 else "id"
        text, spans = make_example(lang, rng)
        doc = to_doc(nlp, text, spans)
        if doc is None:
            dropped += 1
            continue
        docs.append(doc)
    if dropped:
        print(f"dropped {dropped} misaligned examples", file=sys.stderr)
    return docs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=Path, required=True)
    ap.add_argument("--dev", type=Path, required=True)
    ap.add_argument("--n-train", type=int, default=6000)
    ap.add_argument("--n-dev", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lang", default="id")
    ap.add_argument("--show", type=int, default=0, help="print N examples and exit")
    args = ap.parse_args()
    nlp = customize_tokenizer(spacy.blank(args.lang))
    if args.show:
        for d in generate(args.show, args.seed, nlp):
            print(d.text, [(e.text, e.label_) for e in d.ents])
        return
    for path, n, seed in (
        (args.train, args.n_train, args.seed),
        (args.dev, args.n_dev, args.seed + 1),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        DocBin(docs=generate(n, seed, nlp), store_user_data=False).to_disk(path)
        print(f"wrote {n} docs to {path}")


if __name__ == "__main__":
    main()
