"""The typed field every extractor returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from docproc.reading.extract.page import Box

Source = Literal["viz", "form", "mrz"]


@dataclass(frozen=True)
class Field:
    name: str
    value: str  # normalised: ISO dates, M/F/X, cleaned text
    raw: str  # as read
    confidence: float  # 0..1
    source: Source
    page: int
    box: Box  # page pixel coordinates x0, y0, x1, y1
    valid: bool = True  # False when normalising failed (e.g. an unreadable date)
    note: str = ""  # e.g. "confusables_from_mrz": O/0, I/1 ... resolved by the checked MRZ

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "raw": self.raw,
            "confidence": round(self.confidence, 3),
            "source": self.source,
            "page": self.page,
            "box": [round(v, 1) for v in self.box],
            "valid": self.valid,
            "note": self.note,
        }
