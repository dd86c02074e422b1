"""Light language guess: English vs Indonesian by function words; other scripts by code points.

No model and no download: the Latin-script guess counts frequent function words of each
language; Arabic, Bengali and Chinese text is recognised by its script (``"ar"`` means Arabic
*script*: Dari, Pashto, Urdu and Rohingya written in Arabic letters are reported as ``"ar"`` too).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Script = Literal["latin", "arabic", "bengali", "han", "other", "none"]

_SCRIPT_RANGES: tuple[tuple[int, int, Script], ...] = (
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x08A0, 0x08FF, "arabic"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0x0980, 0x09FF, "bengali"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xF900, 0xFAFF, "han"),
    (0x20000, 0x2FA1F, "han"),
)

SCRIPT_LANGUAGE: dict[Script, str] = {"arabic": "ar", "bengali": "bn", "han": "zh"}


def char_script(ch: str) -> Script | None:
    """The script of one letter, or ``None`` for digits, punctuation and spaces."""
    cp = ord(ch)
    for lo, hi, script in _SCRIPT_RANGES:
        if lo <= cp <= hi:
            return script if unicodedata.category(ch)[0] in "LM" else None
    if not ch.isalpha():
        return None
    if cp < 0x0250 or 0x1E00 <= cp <= 0x1EFF:
        return "latin"
    return "other"


def script_counts(text: str) -> dict[Script, int]:
    counts: dict[Script, int] = {}
    for ch in text:
        script = char_script(ch)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    return counts


def detect_script(text: str) -> Script:
    """The dominant script of ``text`` (``"none"`` when it has no letters)."""
    counts = script_counts(text)
    if not counts:
        return "none"
    return max(counts.items(), key=lambda kv: kv[1])[0]


_EN_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "and",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "with",
        "by",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "has",
        "have",
        "had",
        "he",
        "she",
        "his",
        "her",
        "they",
        "their",
        "them",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "who",
        "which",
        "what",
        "when",
        "where",
        "not",
        "no",
        "but",
        "or",
        "as",
        "into",
        "after",
        "before",
        "over",
        "under",
        "said",
        "told",
        "says",
        "will",
        "would",
        "could",
        "should",
        "may",
        "also",
        "than",
        "arrived",
        "arrival",
        "boat",
        "police",
        "refugees",
        "refugee",
        "registered",
        "registration",
        "case",
        "officer",
        "interview",
        "family",
        "wife",
        "husband",
        "son",
        "daughter",
        "born",
        "nationality",
        "according",
        "about",
        "between",
        "during",
        "were",
        "while",
        "there",
        "here",
        "we",
        "our",
        "you",
        "your",
        "i",
        "my",
        "me",
    ]
)

_ID_WORDS = frozenset(
    [
        "yang",
        "dan",
        "di",
        "ke",
        "dari",
        "ini",
        "itu",
        "dengan",
        "untuk",
        "pada",
        "adalah",
        "dalam",
        "tidak",
        "akan",
        "oleh",
        "karena",
        "sudah",
        "telah",
        "juga",
        "atau",
        "bahwa",
        "ada",
        "sebagai",
        "tersebut",
        "saat",
        "para",
        "mereka",
        "ia",
        "dia",
        "kami",
        "kita",
        "saya",
        "anda",
        "nya",
        "bisa",
        "dapat",
        "lebih",
        "setelah",
        "sebelum",
        "masih",
        "hanya",
        "serta",
        "sejak",
        "hingga",
        "sampai",
        "tahun",
        "bulan",
        "hari",
        "tanggal",
        "kata",
        "ujar",
        "menurut",
        "warga",
        "negara",
        "pengungsi",
        "imigran",
        "kapal",
        "tiba",
        "diamankan",
        "ditemukan",
        "petugas",
        "kepolisian",
        "bersama",
        "belum",
        "akan",
        "sedang",
        "agar",
        "namun",
        "tetapi",
        "yaitu",
        "yakni",
        "orang",
        "anak",
        "istri",
        "suami",
        "lahir",
        "asal",
        "terdampar",
        "perahu",
        "pantai",
        "pukul",
        "sekitar",
    ]
)

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

Language = Literal["en", "id", "ar", "bn", "zh", "und"]


def guess_language(text: str) -> str:
    """``"en"``, ``"id"``, ``"ar"``, ``"bn"``, ``"zh"``, or ``"und"`` when there is no clue.

    Non-Latin script wins when it makes up at least 30% of the letters (a Bengali paper with a
    few Latin-script names is ``"bn"``). Latin text is English or Indonesian by function-word
    counts; Indonesian morphology (``me-``/``di-``/``ber-`` prefixes, ``-nya``/``-kan`` suffixes)
    breaks ties.
    """
    counts = script_counts(text)
    total = sum(counts.values())
    if total == 0:
        return "und"
    for script, code in SCRIPT_LANGUAGE.items():
        if counts.get(script, 0) >= 0.3 * total:
            return code
    non_latin = {s: n for s, n in counts.items() if s in SCRIPT_LANGUAGE}
    if counts.get("latin", 0) == 0:
        if non_latin:
            best: Script = max(non_latin.items(), key=lambda kv: kv[1])[0]
            return SCRIPT_LANGUAGE[best]
        return "und"
    words = [w.lower() for w in _WORD.findall(text)]
    en = sum(1 for w in words if w in _EN_WORDS)
    id_ = sum(1 for w in words if w in _ID_WORDS)
    if en == id_:
        id_ += (
            sum(
                1
                for w in words
                if len(w) > 5
                and (
                    w.startswith(("meng", "meny", "mem", "di", "ber", "ter", "per"))
                    or w.endswith(("nya", "kan", "lah"))
                )
            )
            // 2
        )
        en += sum(1 for w in words if w.endswith(("ing", "tion", "ed", "ly")) and len(w) > 4) // 2
    if en == 0 and id_ == 0:
        return "und"
    return "id" if id_ > en else "en"
