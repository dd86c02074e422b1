"""ICAO 9303 check digits (Part 3, 4.9): worked examples and the vectors in the shared folder."""

from __future__ import annotations

import json
from typing import Any

import pytest

from docproc.reading.mrz.checkdigit import char_value, check_digit, is_valid
from tests.paths import REPO

SPECIMENS = REPO.parent / "shared/specimens"

# ICAO Doc 9303 Part 3 Appendix A worked examples, plus Utopia specimen fields.
INLINE_VECTORS = [
    ("520727", "3"),
    ("AB2134<<<", "5"),
    ("HA672242<658022549601086<<<<<<<<<<<<<<0", "8"),
    ("L898902C3", "6"),
    ("740812", "2"),
    ("120415", "9"),
    ("ZE184226B<<<<<", "1"),
    ("D23145890", "7"),
    ("<<<<<<<<<<<<<<", "0"),
]


def _shared_vectors() -> list[dict[str, Any]]:
    path = SPECIMENS / "mrz_vectors.json"
    if not path.exists():
        return []
    vectors: list[dict[str, Any]] = json.loads(path.read_text())["check_digit_vectors"]
    return vectors


@pytest.mark.parametrize(("field", "digit"), INLINE_VECTORS)
def test_check_digit_matches_icao_worked_example(field: str, digit: str) -> None:
    assert check_digit(field) == digit
    assert is_valid(field, digit)


@pytest.mark.specimens
def test_check_digit_matches_every_shared_vector() -> None:
    vectors = _shared_vectors()
    if not vectors:
        pytest.skip("shared/specimens not available")
    for vector in vectors:
        assert check_digit(vector["input"]) == vector["check_digit"], vector["source"]


@pytest.mark.parametrize(("ch", "value"), [("0", 0), ("9", 9), ("A", 10), ("Z", 35), ("<", 0)])
def test_char_value_follows_icao_table(ch: str, value: int) -> None:
    assert char_value(ch) == value


def test_filler_check_digit_counts_as_zero() -> None:
    assert is_valid("<<<<<<<<<<<<<<", "<")
    assert not is_valid("ZE184226B<<<<<", "<")


@pytest.mark.parametrize("field", ["ab1", "A-1", "É12"])
def test_illegal_character_is_never_valid(field: str) -> None:
    assert not is_valid(field, "0")
    with pytest.raises(ValueError):
        check_digit(field)
