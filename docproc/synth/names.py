"""Name, place and authority pools that fit docproc's users.

All names are invented combinations of common name parts; none identifies a real person.
Each pool gives surnames and given names already in Latin script as they would be printed
in the visual zone; :func:`docproc.synth.mrzgen.mrz_name` transliterates them for the MRZ.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """A generated holder: visual-zone names plus where the name comes from."""

    surname: str  # "" for a mononym written as <<NAME
    given_names: str  # "" for a mononym written as NAME<<
    pool: str
    place_of_birth: str
    sex: str = "M"  # M or F, consistent with the given names


FEMALE_NAMES = frozenset(
    {
        "FATEMA",
        "TASLIMA",
        "SHIREEN",
        "NUSRAT",
        "SHAHANA",
        "NASRIN",
        "MAHMUDA",
        "JAHANARA",
        "MOSAMMAT",
        "KHADIZA",
        "ROKSANA",
        "HAMIDA",
        "ROSHIDA",
        "JANNAT",
        "YASMIN",
        "SHOMSHIDA",
        "ZAHRA",
        "FARIDA",
        "MAHBOOBA",
        "MARZIA",
        "NILOFAR",
        "SHAKILA",
        "LI NA",
        "YAN",
        "XIUYING",
        "MEILING",
        "SHUANG",
        "PUTRI",
        "DEWI",
        "AYU",
        "SITI",
        "INDAH",
        "SRI",
        "FATIMA",
        "AYESHA",
        "MARYAM",
        "ZAINAB",
        "MAHSA",
        "NOOR",
        "SHIRIN",
        "HODAN",
        "AMINA",
        "ASHA",
        "FARHIYA",
        "HAWA",
        "PRIYA",
        "KAVITHA",
        "DILANI",
        "THIDA",
        "MOE",
        "NYEIN",
        "SRIYANI",
        "KARTINI",
        "WATI",
        "PONIRAH",
        "SUKARNI",
        "BEGUM",
        "KHATUN",
        "AKTER",
        "KHATU",
        "RAHAYU",
        "LESTARI",
    }
)


def _for_sex(pool: tuple[str, ...], sex: str) -> tuple[str, ...]:
    """The names of ``pool`` that suit ``sex`` (the whole pool if none do)."""
    picked = tuple(n for n in pool if (n in FEMALE_NAMES) == (sex == "F"))
    return picked or pool


BANGLADESHI_GIVEN = (
    "MOHAMMAD",
    "MD",
    "ABDUL",
    "RAHIM",
    "KARIM",
    "NUSRAT",
    "FATEMA",
    "TASLIMA",
    "SHIREEN",
    "ABU",
    "BAKAR",
    "SIDDIQUE",
    "RAFIQUL",
    "AMINUL",
    "SHAHANA",
    "NASRIN",
    "MAHMUDA",
    "JAHANARA",
    "SHAFIQUL",
    "MOSAMMAT",
    "KHADIZA",
    "ANWAR",
    "HOSSAIN",
    "ROKSANA",
)
BANGLADESHI_SURNAME = (
    "RAHMAN",
    "HOSSAIN",
    "ISLAM",
    "AHMED",
    "CHOWDHURY",
    "UDDIN",
    "BEGUM",
    "KHATUN",
    "MIAH",
    "SARKER",
    "TALUKDER",
    "MOLLA",
    "AKTER",
    "BHUIYAN",
    "SIKDER",
    "HAQUE",
)
ROHINGYA_GIVEN = (
    "MOHAMMED",
    "NUR",
    "ALAM",
    "HAMIDA",
    "ROSHIDA",
    "SULTAN",
    "AHMAD",
    "HUSSAIN",
    "JANNAT",
    "SAIFUL",
    "ZUBAIR",
    "YASMIN",
    "SHOMSHIDA",
    "KAMAL",
    "ABUL",
    "HASHIM",
)
ROHINGYA_SURNAME = ("ULLAH", "KHATU", "BEGUM", "HUSSAIN", "ALAM", "SHOMSU", "KARIM", "AMIN")
MYANMAR_MONONYM = (
    "AUNG",
    "KYAW",
    "THANT",
    "MYINT",
    "WIN",
    "HLAING",
    "NAING",
    "SOE",
    "THIDA",
    "MOE",
    "ZAW",
    "TUN",
    "SAN",
    "HTET",
    "OO",
    "MIN",
    "NYEIN",
    "CHIT",
)
AFGHAN_GIVEN = (
    "AHMAD",
    "SHAH",
    "MOHAMMAD",
    "NAJIB",
    "ZAHRA",
    "FARIDA",
    "HABIBULLAH",
    "GUL",
    "MAHBOOBA",
    "SAYED",
    "ABDUL",
    "RAHMAN",
    "HAMID",
    "MARZIA",
    "NILOFAR",
    "ZABIHULLAH",
    "KHALIL",
    "SHAKILA",
)
AFGHAN_SURNAME = (
    "AHMADZAI",
    "KARIMI",
    "RAHIMI",
    "HUSSAINI",
    "MOHAMMADI",
    "SADAT",
    "NOORI",
    "STANIKZAI",
    "YOUSUFZAI",
    "AZIZI",
    "HAIDARI",
    "WARDAK",
    "POPALZAI",
    "SAFI",
    "JALALI",
    "HAKIMI",
)
CHINESE_GIVEN = (
    "WEI",
    "XIAOMING",
    "LI NA",
    "JUN",
    "YAN",
    "XIUYING",
    "HAOYU",
    "ZIHAN",
    "MEILING",
    "JIANGUO",
    "YUXUAN",
    "QIANG",
    "HUI",
    "ZHIWEI",
    "XIN",
    "SHUANG",
)
CHINESE_SURNAME = (
    "WANG",
    "LI",
    "ZHANG",
    "LIU",
    "CHEN",
    "YANG",
    "HUANG",
    "ZHAO",
    "WU",
    "ZHOU",
    "XU",
    "SUN",
    "MA",
    "ZHU",
    "HU",
    "GUO",
    "OUYANG",
    "SIMA",
)
INDONESIAN_MONONYM = (
    "SUHARTO",
    "SUKARNI",
    "WIDODO",
    "SUPARMAN",
    "SRIYANI",
    "MULYADI",
    "SUMARNO",
    "KARTINI",
    "SETIAWAN",
    "HARYONO",
    "WATI",
    "SUTRISNO",
    "PONIRAH",
    "SAMSUDIN",
)
INDONESIAN_GIVEN = (
    "PUTRI",
    "DEWI",
    "AYU",
    "EKA",
    "BUDI",
    "AGUS",
    "SITI",
    "NUR",
    "RIZKY",
    "DIAN",
    "FAJAR",
    "INDAH",
    "ADI",
    "WAHYU",
    "SRI",
    "MUHAMMAD",
)
INDONESIAN_SURNAME = (
    "SANTOSO",
    "WIJAYA",
    "SETIAWAN",
    "HIDAYAT",
    "KUSUMA",
    "NUGROHO",
    "PRATAMA",
    "SAPUTRA",
    "LESTARI",
    "RAHAYU",
    "SIREGAR",
    "NASUTION",
    "HARAHAP",
    "SIMANJUNTAK",
    "PANJAITAN",
)
PAK_IRAN_IRAQ_GIVEN = (
    "MUHAMMAD",
    "ALI",
    "HASSAN",
    "FATIMA",
    "AYESHA",
    "REZA",
    "MARYAM",
    "OMAR",
    "ZAINAB",
    "HUSSEIN",
    "MAHSA",
    "AMIR",
    "HAIDER",
    "NOOR",
    "IMRAN",
    "SHIRIN",
)
PAK_IRAN_IRAQ_SURNAME = (
    "KHAN",
    "MALIK",
    "QURESHI",
    "HOSSEINI",
    "MOHAMMADI",
    "AL-JUBOURI",
    "AL-SAADI",
    "RAZAVI",
    "TEHRANI",
    "BUTT",
    "CHAUDHRY",
    "AL HASHIMI",
    "NAJAFI",
    "ABBASI",
)
SOMALI_GIVEN = (
    "ABDIRAHMAN",
    "FARAH",
    "HODAN",
    "AMINA",
    "MOHAMED",
    "ASHA",
    "ABDULLAHI",
    "FARHIYA",
    "LIBAAN",
    "ISMAIL",
    "HAWA",
    "YUSUF",
)
SOMALI_SURNAME = ("HASSAN", "ALI", "ABDI", "WARSAME", "OMAR", "DIRIYE", "JAMA", "ELMI", "ADEN")
TAMIL_SINHALA_GIVEN = (
    "KUMAR",
    "PRIYA",
    "NIMAL",
    "SUGATH",
    "THARINDU",
    "KAVITHA",
    "SELVAM",
    "DILANI",
    "RUWAN",
)
TAMIL_SINHALA_SURNAME = (
    "PERERA",
    "FERNANDO",
    "JAYASURIYA",
    "WICKRAMASINGHE",
    "SIVARAJAH",
    "RAJAPAKSE",
    "THIRUNAVUKKARASU",
    "GUNAWARDENA",
)
LONG_SURNAMES = (
    "WICKRAMASINGHE ARACHCHIGE",
    "MOHAMMADZAI STANIKZAI",
    "CHOWDHURY TALUKDER BHUIYAN",
    "HAPUARACHCHIGE DON",
    "AL-HASHIMI AL-JUBOURI",
)

PLACES: dict[str, tuple[str, ...]] = {
    "BGD": ("DHAKA", "CHATTOGRAM", "SYLHET", "COX'S BAZAR", "KHULNA", "RAJSHAHI"),
    "MMR": ("MAUNGDAW", "BUTHIDAUNG", "SITTWE", "YANGON", "MANDALAY", "RATHEDAUNG"),
    "AFG": ("KABUL", "HERAT", "KANDAHAR", "MAZAR-I-SHARIF", "JALALABAD", "GHAZNI"),
    "CHN": ("GUANGDONG", "YUNNAN", "BEIJING", "FUJIAN", "SICHUAN", "XINJIANG"),
    "IDN": ("JAKARTA", "SURABAYA", "MEDAN", "MAKASSAR", "BANDA ACEH", "KUPANG", "TANJUNGPINANG"),
    "PAK": ("QUETTA", "KARACHI", "LAHORE", "PESHAWAR"),
    "IRN": ("TEHRAN", "MASHHAD", "SHIRAZ", "ISFAHAN"),
    "IRQ": ("BAGHDAD", "BASRA", "MOSUL", "NAJAF"),
    "SOM": ("MOGADISHU", "HARGEISA", "KISMAYO", "BAIDOA"),
    "LKA": ("COLOMBO", "JAFFNA", "KANDY", "TRINCOMALEE"),
    "D": ("BERLIN", "HAMBURG", "KOELN"),
    "UTO": ("ZENITH", "UTOPIA CITY"),
}

AUTHORITIES: dict[str, tuple[str, ...]] = {
    "BGD": ("DIP/DHAKA", "RPO CHATTOGRAM", "BANGLADESH HIGH COMMISSION"),
    "MMR": ("MINISTRY OF HOME AFFAIRS", "PASSPORT OFFICE YANGON"),
    "AFG": ("MOI KABUL", "PASSPORT DEPT HERAT"),
    "CHN": ("MINISTRY OF PUBLIC SECURITY", "NATIONAL IMMIGRATION ADMIN."),
    "IDN": ("KANIM JAKARTA PUSAT", "KANIM SURABAYA", "KANIM TANJUNG PINANG", "KANIM MEDAN"),
    "PAK": ("DGI&P ISLAMABAD",),
    "IRN": ("POLICE OF I.R. IRAN",),
    "IRQ": ("GENERAL DIRECTORATE OF NATIONALITY",),
    "SOM": ("IMMIGRATION DEPT MOGADISHU",),
    "LKA": ("DEPT OF IMMIGRATION COLOMBO",),
    "XXA": ("RUDENIM TANJUNG PINANG", "REFUGEE AFFAIRS OFFICE"),
    "XXB": ("REFUGEE AFFAIRS OFFICE", "KANIM JAKARTA PUSAT"),
    "XXC": ("REFUGEE AFFAIRS OFFICE",),
    "D": ("STADT KOELN", "BUNDESDRUCKEREI"),
    "UTO": ("UTOPIA PASSPORT OFFICE",),
}

COUNTRY_NAMES: dict[str, tuple[str, str]] = {
    # code: (English, Indonesian)
    "BGD": ("BANGLADESH", "BANGLADESH"),
    "MMR": ("MYANMAR", "MYANMAR"),
    "AFG": ("AFGHANISTAN", "AFGANISTAN"),
    "CHN": ("CHINA", "TIONGKOK"),
    "IDN": ("INDONESIA", "INDONESIA"),
    "PAK": ("PAKISTAN", "PAKISTAN"),
    "IRN": ("IRAN", "IRAN"),
    "IRQ": ("IRAQ", "IRAK"),
    "SOM": ("SOMALIA", "SOMALIA"),
    "LKA": ("SRI LANKA", "SRI LANKA"),
    "XXA": ("STATELESS PERSON", "TANPA KEWARGANEGARAAN"),
    "XXB": ("REFUGEE", "PENGUNGSI"),
    "XXC": ("REFUGEE (OTHER)", "PENGUNGSI (LAINNYA)"),
    "D": ("GERMANY", "JERMAN"),
    "UTO": ("UTOPIA", "UTOPIA"),
}

# Which name pool people of a nationality draw from; stateless/refugee documents draw at random.
POOL_FOR_NATIONALITY: dict[str, str] = {
    "BGD": "bangladeshi",
    "MMR": "myanmar",
    "AFG": "afghan",
    "CHN": "chinese",
    "IDN": "indonesian",
    "PAK": "south_west_asian",
    "IRN": "south_west_asian",
    "IRQ": "south_west_asian",
    "SOM": "somali",
    "LKA": "sri_lankan",
    "D": "south_west_asian",
    "UTO": "indonesian",
}


def _given(rng: random.Random, pool: tuple[str, ...], max_parts: int = 3, sex: str = "") -> str:
    if sex:
        pool = _for_sex(pool, sex)
    n = rng.choices(range(1, max_parts + 1), weights=[5, 4, 2][:max_parts])[0]
    n = min(n, len(pool))
    parts: list[str] = []
    while len(parts) < n:
        p = rng.choice(pool)
        if p not in parts:
            parts.append(p)
    return " ".join(parts)


def random_person(rng: random.Random, nationality: str) -> Person:
    """A holder whose name fits ``nationality`` (a 3-letter code, 'D' for Germany)."""
    pool = POOL_FOR_NATIONALITY.get(nationality) or rng.choice(
        ["bangladeshi", "rohingya", "myanmar", "afghan", "chinese", "somali", "south_west_asian"]
    )
    if nationality == "MMR" and rng.random() < 0.5:
        pool = "rohingya"
    place_key = {
        "bangladeshi": "BGD",
        "rohingya": "MMR",
        "myanmar": "MMR",
        "afghan": "AFG",
        "chinese": "CHN",
        "indonesian": "IDN",
        "somali": "SOM",
        "sri_lankan": "LKA",
    }.get(pool, nationality if nationality in PLACES else "IRN")
    place = rng.choice(PLACES[place_key])
    sex = rng.choice("MF")

    def gname(pool_: tuple[str, ...], max_parts: int = 3) -> str:
        return _given(rng, pool_, max_parts, sex)

    def one(pool_: tuple[str, ...]) -> str:
        return rng.choice(_for_sex(pool_, sex))

    def family(pool_: tuple[str, ...]) -> str:
        # female-only family names (BEGUM, KHATUN...) never go to men; women get either kind
        return rng.choice(pool_ if sex == "F" else _for_sex(pool_, "M"))

    surname: str
    given: str
    if pool == "bangladeshi":
        surname, given = family(BANGLADESHI_SURNAME), gname(BANGLADESHI_GIVEN)
    elif pool == "rohingya":
        if rng.random() < 0.35:  # single-name holders are common
            name = one(ROHINGYA_GIVEN) + " " + family(ROHINGYA_SURNAME)
            surname, given = ("", name) if rng.random() < 0.5 else (name, "")
        else:
            surname, given = family(ROHINGYA_SURNAME), gname(ROHINGYA_GIVEN, 2)
    elif pool == "myanmar":
        # Burmese names have no surname: the whole name is one identifier.
        name = gname(MYANMAR_MONONYM, 3)
        surname, given = ("", name) if rng.random() < 0.5 else (name, "")
    elif pool == "afghan":
        if rng.random() < 0.2:
            surname, given = "", gname(AFGHAN_GIVEN, 2)
        else:
            surname, given = rng.choice(AFGHAN_SURNAME), gname(AFGHAN_GIVEN)
    elif pool == "chinese":
        surname, given = rng.choice(CHINESE_SURNAME), one(CHINESE_GIVEN)
    elif pool == "indonesian":
        if rng.random() < 0.4:  # mononym
            name = one(INDONESIAN_MONONYM)
            surname, given = ("", name) if rng.random() < 0.6 else (name, "")
        else:
            surname, given = rng.choice(INDONESIAN_SURNAME), gname(INDONESIAN_GIVEN)
    elif pool == "somali":
        surname = rng.choice(SOMALI_SURNAME)
        given = " ".join(rng.sample(_for_sex(SOMALI_GIVEN, sex), 2))
    elif pool == "sri_lankan":
        surname, given = rng.choice(TAMIL_SINHALA_SURNAME), gname(TAMIL_SINHALA_GIVEN)
    else:
        surname, given = rng.choice(PAK_IRAN_IRAQ_SURNAME), gname(PAK_IRAN_IRAQ_GIVEN)

    if surname and rng.random() < 0.08:  # long names that will be truncated in the MRZ
        surname = rng.choice(LONG_SURNAMES)
        given = gname(BANGLADESHI_GIVEN + AFGHAN_GIVEN, 3) + " " + one(AFGHAN_GIVEN)
    return Person(surname=surname, given_names=given, pool=pool, place_of_birth=place, sex=sex)
