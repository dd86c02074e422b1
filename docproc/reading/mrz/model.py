"""Typed results of the MRZ stages. Frozen dataclasses; ``to_json`` gives the CLI/API shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

Point = tuple[float, float]


class MRZType(StrEnum):
    TD1 = "TD1"  # 3 x 30, ID cards
    TD2 = "TD2"  # 2 x 36, ID cards
    TD3 = "TD3"  # 2 x 44, passports
    MRVA = "MRVA"  # 2 x 44, visas
    MRVB = "MRVB"  # 2 x 36, visas


LINE_SHAPE: dict[MRZType, tuple[int, int]] = {
    MRZType.TD1: (3, 30),
    MRZType.TD2: (2, 36),
    MRZType.TD3: (2, 44),
    MRZType.MRVA: (2, 44),
    MRZType.MRVB: (2, 36),
}


@dataclass(frozen=True)
class Correction:
    """One character the parser changed, and why (e.g. 'digit field', 'check digit')."""

    line: int
    column: int
    before: str
    after: str
    rule: str


@dataclass(frozen=True)
class ParsedMRZ:
    """A parsed and validated MRZ, produced by :func:`docproc.reading.mrz.parse.parse_mrz`
    (pure code).

    ``checks`` maps each check name present on this type to whether it passed:
    ``document_number``, ``birth_date``, ``expiry_date``, and where the type has them
    ``personal_number`` (TD3) and ``composite`` (TD1, TD2, TD3; never visas).
    ``valid`` is True when every check passes, both dates are real calendar dates and
    every character is legal.
    """

    type: MRZType
    lines: tuple[str, ...]
    document_code: str
    issuing_country: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: date | None
    sex: str  # "M", "F" or "X" ('<' in the MRZ reads as X, unspecified)
    expiry_date: date | None
    optional_data: str
    optional_data_2: str  # TD1 line 2 optional field; "" elsewhere
    checks: dict[str, bool]
    valid: bool
    corrections: tuple[Correction, ...] = ()
    warnings: tuple[str, ...] = ()  # e.g. "unknown_country:ABC", "name_possibly_truncated"
    raw_birth_date: str = ""  # YYMMDD as printed
    raw_expiry_date: str = ""

    @property
    def check_score(self) -> int:
        """How many check digits pass: used to vote between recognition candidates."""
        return sum(1 for ok in self.checks.values() if ok)


@dataclass(frozen=True)
class MRZRead:
    """What the reader found on one page: the parsed MRZ plus confidence, routing and geometry."""

    parsed: ParsedMRZ
    confidence: float
    field_confidence: dict[str, float]
    needs_review: bool
    review_reasons: tuple[str, ...]
    quad: tuple[Point, Point, Point, Point]
    page: int
    engine: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        p = self.parsed
        return {
            "type": p.type.value,
            "lines": list(p.lines),
            "document_code": p.document_code,
            "issuing_country": p.issuing_country,
            "surname": p.surname,
            "given_names": p.given_names,
            "document_number": p.document_number,
            "nationality": p.nationality,
            "birth_date": p.birth_date.isoformat() if p.birth_date else None,
            "sex": p.sex,
            "expiry_date": p.expiry_date.isoformat() if p.expiry_date else None,
            "optional_data": p.optional_data,
            "optional_data_2": p.optional_data_2,
            "checks": dict(p.checks),
            "valid": p.valid,
            "confidence": round(self.confidence, 4),
            "field_confidence": {k: round(v, 4) for k, v in self.field_confidence.items()},
            "needs_review": self.needs_review,
            "review_reasons": list(self.review_reasons),
            "warnings": list(p.warnings),
            "corrections": [
                {
                    "line": c.line,
                    "column": c.column,
                    "before": c.before,
                    "after": c.after,
                    "rule": c.rule,
                }
                for c in p.corrections
            ],
            "quad": [[round(x, 1), round(y, 1)] for x, y in self.quad],
            "page": self.page,
            "engine": self.engine,
        }
