"""Write assets/patterns.jsonl: entity-ruler token patterns for structured identifiers.

The patterns assume docproc's tokenizer (docproc.reading.nlp.components.customize_tokenizer), which
keeps identifiers such as ``IDN-15C01234`` or ``0812-3456-7890`` as single tokens. Run it after
changing a pattern; the .jsonl is the file the pipeline is built from (scripts/package.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "assets" / "patterns.jsonl"


def rx(pattern: str, op: str | None = None) -> dict[str, Any]:
    tok: dict[str, Any] = {"TEXT": {"REGEX": pattern}}
    if op:
        tok["OP"] = op
    return tok


PATTERNS: list[dict[str, Any]] = [
    # ---- CASE_NUMBER ---------------------------------------------------------------------
    # UNHCR individual/case numbers: office code (letters or digits) - year - C - 5 digits
    {"label": "CASE_NUMBER", "id": "unhcr", "pattern": [rx(r"^(?:[A-Z]{3}|\d{3})-\d{2}C\d{5}$")]},
    {
        "label": "CASE_NUMBER",
        "id": "unhcr",
        "pattern": [rx(r"^(?:[A-Z]{3}|\d{3})$"), {"TEXT": "-"}, rx(r"^\d{2}C\d{5}$")],
    },
    # IOM references: IOM-IDN-2023-0456, IOM/JKT/23/01234
    {
        "label": "CASE_NUMBER",
        "id": "iom",
        "pattern": [rx(r"^IOM[-/][A-Z0-9][A-Z0-9/-]*\d[A-Z0-9]*$")],
    },
    # Indonesian police reports: LP/B/123/VI/2023/SPKT, STPL/45/IX/2022
    {
        "label": "CASE_NUMBER",
        "id": "police",
        "pattern": [
            rx(
                r"^(?:LP|STPL|STTLP|SPRIN|Sprin|SP\.Sidik|Sp\.Sidik)/[A-Za-z0-9./-]*\d[A-Za-z0-9./-]*$"
            )
        ],
    },
    # ---- DOC_NUMBER ----------------------------------------------------------------------
    # Passports: 1-2 capital letters + 6-8 digits (BD "BA1234567", CN "E12345678", AF
    # "P01234567", MM "MA123456")
    {"label": "DOC_NUMBER", "id": "passport", "pattern": [rx(r"^[A-Z]{1,2}\d{6,8}$")]},
    # Indonesian NIK (16 digits); Bangladeshi NID (13 or 17 digits)
    {"label": "DOC_NUMBER", "id": "nik", "pattern": [rx(r"^\d{16}$")]},
    {"label": "DOC_NUMBER", "id": "bd_nid", "pattern": [rx(r"^(?:\d{13}|\d{17})$")]},
    # ---- PHONE ---------------------------------------------------------------------------
    # one token: +6281234567890, 081234567890, 0812-3456-7890, +62-812-3456-7890
    {
        "label": "PHONE",
        "id": "phone",
        "pattern": [rx(r"^(?=(?:\D*\d){9})(?:\+\d{2,3}-?|0)\d{2,4}(?:-?\d{2,5}){1,3}$")],
    },
    # +62 812-3456-7890 / +62 812 3456 7890 / +880 1712-345678 / +93 70 123 4567
    {
        "label": "PHONE",
        "id": "phone",
        "pattern": [
            rx(r"^\+\d{1,3}$"),
            rx(r"^\(?0?\d{1,4}\)?$|^\d{2,4}(?:-\d{2,6}){1,2}$"),
            rx(r"^\d{2,6}(?:-\d{2,6})?$", "?"),
            rx(r"^\d{2,6}$", "?"),
        ],
    },
    # the same with the hyphens split off (happens when CJK text is glued to the number)
    {
        "label": "PHONE",
        "id": "phone",
        "pattern": [
            rx(r"^\+\d{1,3}$"),
            rx(r"^\d{2,4}$"),
            {"TEXT": "-"},
            rx(r"^\d{3,6}$"),
            {"TEXT": "-", "OP": "?"},
            rx(r"^\d{3,4}$", "?"),
        ],
    },
    {
        "label": "PHONE",
        "id": "phone",
        "pattern": [
            rx(r"^0\d{2,3}$"),
            {"TEXT": "-"},
            rx(r"^\d{3,4}$"),
            {"TEXT": "-"},
            rx(r"^\d{3,4}$"),
        ],
    },
    # 0812 3456 7890
    {
        "label": "PHONE",
        "id": "phone",
        "pattern": [rx(r"^0\d{2,3}$"), rx(r"^\d{3,4}$"), rx(r"^\d{3,5}$", "?")],
    },
    # (021) 3456789, (0645) 41020
    {
        "label": "PHONE",
        "id": "phone",
        "pattern": [{"TEXT": "("}, rx(r"^0\d{2,3}$"), {"TEXT": ")"}, rx(r"^\d{4,8}(?:-\d{2,4})?$")],
    },
    # ---- EMAIL ---------------------------------------------------------------------------
    {"label": "EMAIL", "id": "email", "pattern": [{"LIKE_EMAIL": True}]},
    # ---- DATE (numeric forms only; word dates are the NER's) -----------------------------
    {
        "label": "DATE",
        "id": "numeric_date",
        "pattern": [rx(r"^(?:0?[1-9]|[12]\d|3[01])[/.-](?:0?[1-9]|1[0-2])[/.-](?:19|20)\d\d$")],
    },
    {
        "label": "DATE",
        "id": "iso_date",
        "pattern": [rx(r"^(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$")],
    },
]


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for p in PATTERNS:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"wrote {len(PATTERNS)} patterns to {OUT}")


if __name__ == "__main__":
    main()
