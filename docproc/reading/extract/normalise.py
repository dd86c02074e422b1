"""Normalising printed values: dates to ISO, sex to M/F/X, names and country names to ICAO form.

Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_MONTHS: dict[str, int] = {}
for _n, _names in enumerate(
    (
        ("JAN", "JANUARY", "JANUARI"),
        ("FEB", "FEBRUARY", "FEBRUARI", "PEB", "PEBRUARI"),
        ("MAR", "MARCH", "MARET"),
        ("APR", "APRIL"),
        ("MAY", "MEI"),
        ("JUN", "JUNE", "JUNI"),
        ("JUL", "JULY", "JULI"),
        ("AUG", "AUGUST", "AGT", "AGU", "AGS", "AGUSTUS"),
        ("SEP", "SEPT", "SEPTEMBER"),
        ("OCT", "OCTOBER", "OKT", "OKTOBER"),
        ("NOV", "NOVEMBER", "NOP", "NOPEMBER"),
        ("DEC", "DECEMBER", "DES", "DESEMBER"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _n

# OCR confusions inside digit groups and month names.
_TO_DIGIT = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "I": "1",
        "l": "1",
        "|": "1",
        "i": "1",
        "S": "5",
        "s": "5",
        "B": "8",
        "Z": "2",
        "z": "2",
        "G": "6",
    }
)
_TO_LETTER = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})

_DIGITISH = r"[0-9OoDQIl|iSsBZzG]"
_TEXT_DATE = re.compile(
    rf"(?<![0-9A-Za-z])({_DIGITISH}{{1,2}})[\s.,/-]*([A-Za-z0-9]{{3,9}})(?:\s*/\s*([A-Za-z]{{3,9}}))?"
    rf"[\s.,/-]*({_DIGITISH}{{4}}|{_DIGITISH}{{2}})(?![0-9A-Za-z])"
)
_NUM_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4}|\d{2})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def _month(word: str) -> int | None:
    w = word.upper().translate(_TO_LETTER)
    if w in _MONTHS:
        return _MONTHS[w]
    if len(w) >= 3 and w[:3] in _MONTHS and len(w) > 4:  # "DESEMBER" misread "DESEMHER"
        return _MONTHS[w[:3]]
    return None


def _year(text: str, pivot: int) -> int:
    y = int(text.translate(_TO_DIGIT))
    if len(text) == 2:
        y += 1900 if y > pivot % 100 else 2000
    return y


def parse_date(text: str, *, pivot: int | None = None) -> date | None:
    """The first date in ``text``: ``26 DEC 2017``, ``26 DES/DEC 2017``, ``26 Desember 2017``,
    ``26-12-2017``, ``26/12/17`` (day first) or ISO. Two-digit years go to the century that puts
    them at or before ``pivot`` (default: 10 years from now)."""
    pv = pivot if pivot is not None else date.today().year + 10
    m = _ISO_DATE.search(text)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _TEXT_DATE.finditer(text):
        month = _month(m.group(2)) or (_month(m.group(3)) if m.group(3) else None)
        if month is None:
            continue
        return _make(_year(m.group(4), pv), month, int(m.group(1).translate(_TO_DIGIT)))
    m = _NUM_DATE.search(text)
    if m:
        return _make(_year(m.group(3), pv), int(m.group(2)), int(m.group(1)))
    return None


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def split_place_date(text: str) -> tuple[str, date | None]:
    """``TANJUNGPINANG, 03 AGT/AUG 1971`` -> (``TANJUNGPINANG``, 1971-08-03)."""
    for rx in (_TEXT_DATE, _NUM_DATE, _ISO_DATE):
        m = rx.search(text)
        if m and parse_date(m.group(0)) is not None:
            place = text[: m.start()].strip(" ,;.-")
            return clean_text(place), parse_date(m.group(0))
    head, _, tail = text.rpartition(",")
    return clean_text(head or text), parse_date(tail)


def normalise_sex(text: str) -> str | None:
    """M, F or X from the printed sex (``L/M``, ``P/F``, ``Perempuan`` ...); lowercase specks
    beside a capital (``uM``) are dropped when the whole does not read."""
    sex = _sex(text)
    if sex is None and text != text.upper():
        sex = _sex(re.sub(r"[^A-Z/]", "", text))
    return sex


def _sex(text: str) -> str | None:
    t = re.sub(r"[^A-Z/]", "", text.upper())
    if not t:
        return None
    if t in ("M", "L/M", "L", "MALE", "LAKILAKI", "PRIA", "LM"):
        return "M"
    if t in ("F", "P/F", "P", "FEMALE", "PEREMPUAN", "WANITA", "PF"):
        return "F"
    if t in ("X", "<"):
        return "X"
    head = t.split("/")[-1][:1]
    if head in ("M", "F", "X"):
        return head
    letters = set(t) & {"M", "F", "X"}
    return letters.pop() if len(letters) == 1 else None  # "UM": a speck before the M


def normalise_token(text: str) -> str:
    """A word as labels are compared: accents folded, lower case, letters and digits only."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def clean_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,;:|")


def clean_document_number(text: str) -> str:
    """Drop spaces and punctuation; ``$`` is a misread ``S``."""
    return re.sub(r"[^A-Z0-9]", "", text.upper().replace("$", "S"))


#: Symbols a document number never holds, and the characters they are misreadings of.
_SYMBOL_LOOKALIKES: dict[str, str] = {
    "£": "E",
    "€": "CE",
    "$": "S",
    "§": "S5",
    "(": "C",
    "[": "C",
    "{": "C",
    "¢": "C",
    "|": "I1L",
    "!": "I1",
    "]": "J1",
    ")": "J",
}


# Characters OCR confuses in sans-serif print; the MRZ (check digits) decides between them.
_CONFUSABLE = [frozenset(g) for g in ("O0QD", "I1L", "S5", "B8", "Z2", "G6")]


def confusable(a: str, b: str) -> bool:
    """``a`` and ``b`` are the same character or an OCR confusion pair (O/0, I/1 ...)."""
    return a == b or any(a in g and b in g for g in _CONFUSABLE)


def repair_symbols(raw: str, want: str, *, confusables: bool = False) -> str | None:
    """``want`` when ``raw`` (a printed document number as read) spells it except at symbols
    no document number holds, each a look-alike of the character the MRZ has there (``£`` for
    ``E``), and with ``confusables`` at O/0-type pairs; ``None`` otherwise: any other letter or
    digit that differs is a difference, not a misreading."""
    text = re.sub(r"\s+", "", raw.upper())
    if len(text) != len(want) or text == want:
        return None
    for got, exp in zip(text, want, strict=True):
        if exp in _SYMBOL_LOOKALIKES.get(got, "") or (confusables and confusable(got, exp)):
            continue
        if got != exp:
            return None
    return want


# ICAO Doc 9303 Part 3 transliteration of Latin letters with diacritics (the common ones);
# anything else loses its diacritic.
_ICAO_LATIN = {
    "Ä": "AE",
    "Æ": "AE",
    "Å": "AA",
    "Ö": "OE",
    "Ø": "OE",
    "Ü": "UE",
    "ß": "SS",
    "Þ": "TH",
    "Ĳ": "IJ",
    "Œ": "OE",
    "Ð": "D",
    "Đ": "D",
    "Ł": "L",
    "Ħ": "H",
    "Ŋ": "N",
}


def icao_name(text: str, *, alternative: bool = False) -> str:
    """Name as the MRZ would hold it: uppercase, transliterated, punctuation dropped, words
    separated by single spaces. ``alternative`` uses the plain-letter forms (Ä -> A)."""
    out: list[str] = []
    for ch in text.upper():
        if ch in _ICAO_LATIN and not alternative:
            out.append(_ICAO_LATIN[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        for b in base:
            if "A" <= b <= "Z" or b.isdigit():
                out.append(b)
            elif b in " -<,":
                out.append(" ")
    return " ".join("".join(out).split())


# Country names (English and Indonesian, as printed) -> ICAO code, for common nationalities.
COUNTRY_CODES: dict[str, str] = {
    "AFGHANISTAN": "AFG",
    "AFGANISTAN": "AFG",
    "AFGHAN": "AFG",
    "BANGLADESH": "BGD",
    "BANGLADESHI": "BGD",
    "MYANMAR": "MMR",
    "BURMA": "MMR",
    "CHINA": "CHN",
    "TIONGKOK": "CHN",
    "CINA": "CHN",
    "CHINESE": "CHN",
    "INDONESIA": "IDN",
    "INDONESIAN": "IDN",
    "WNI": "IDN",
    "PAKISTAN": "PAK",
    "PAKISTANI": "PAK",
    "IRAN": "IRN",
    "IRANIAN": "IRN",
    "IRAQ": "IRQ",
    "IRAK": "IRQ",
    "IRAQI": "IRQ",
    "SOMALIA": "SOM",
    "SOMALI": "SOM",
    "SRI LANKA": "LKA",
    "SRILANKA": "LKA",
    "SRI LANKAN": "LKA",
    "SUDAN": "SDN",
    "SUDANESE": "SDN",
    "SOUTH SUDAN": "SSD",
    "SYRIA": "SYR",
    "SURIAH": "SYR",
    "SYRIAN": "SYR",
    "YEMEN": "YEM",
    "YAMAN": "YEM",
    "YEMENI": "YEM",
    "ETHIOPIA": "ETH",
    "ETIOPIA": "ETH",
    "ERITREA": "ERI",
    "PALESTINE": "PSE",
    "PALESTINA": "PSE",
    "INDIA": "IND",
    "NEPAL": "NPL",
    "MALAYSIA": "MYS",
    "THAILAND": "THA",
    "VIETNAM": "VNM",
    "VIET NAM": "VNM",
    "PHILIPPINES": "PHL",
    "FILIPINA": "PHL",
    "EGYPT": "EGY",
    "MESIR": "EGY",
    "JORDAN": "JOR",
    "YORDANIA": "JOR",
    "LEBANON": "LBN",
    "LIBANON": "LBN",
    "GERMANY": "D",
    "JERMAN": "D",
    "UTOPIA": "UTO",
    "STATELESS": "XXA",
    "STATELESS PERSON": "XXA",
    "TANPA KEWARGANEGARAAN": "XXA",
    "REFUGEE": "XXB",
    "PENGUNGSI": "XXB",
    "REFUGEE (OTHER)": "XXC",
    "REFUGEE OTHER": "XXC",
    "PENGUNGSI (LAINNYA)": "XXC",
    "PENGUNGSI LAINNYA": "XXC",
}


def country_code(name: str) -> str | None:
    """ICAO code of a printed nationality or country name (``None`` when unknown)."""
    key = re.sub(r"\s+", " ", name.upper()).strip(" .,")
    if key in COUNTRY_CODES:
        return COUNTRY_CODES[key]
    key2 = re.sub(r"[^A-Z ]", "", key).strip()
    key2 = re.sub(r"\s+", " ", key2)
    if key2 in COUNTRY_CODES:
        return COUNTRY_CODES[key2]
    if re.fullmatch(r"[A-Z]{3}", key2):
        return key2
    return None
