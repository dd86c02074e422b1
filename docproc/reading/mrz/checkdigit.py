"""ICAO 9303 check digits (Part 3, 4.9): weights 7-3-1, digits as themselves, A=10..Z=35, '<'=0."""

from __future__ import annotations

_WEIGHTS = (7, 3, 1)


def char_value(ch: str) -> int:
    """Value of one MRZ character; raises ValueError for a character outside ``[0-9A-Z<]``."""
    if ch.isdigit() and ch.isascii():
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    if ch == "<":
        return 0
    raise ValueError(f"not an MRZ character: {ch!r}")


def check_digit(field: str) -> str:
    """The check digit of ``field`` as a one-character string."""
    total = sum(char_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(field))
    return str(total % 10)


def is_valid(field: str, digit: str) -> bool:
    """True when ``digit`` is the check digit of ``field``. A '<' digit counts as 0 (ICAO)."""
    try:
        expected = check_digit(field)
    except ValueError:
        return False
    return digit == expected or (digit == "<" and expected == "0")
