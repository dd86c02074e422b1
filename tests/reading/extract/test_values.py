"""Typed normalisers of form values (pure code)."""

from __future__ import annotations

import pytest

from docproc.reading.extract.values import normalise_nationality, normalise_phone, normalise_value


@pytest.mark.parametrize(
    "text", ["8 Agustus 1969", "08-08-1969", "08/08/1969", "1969-08-08", "8 August 1969"]
)
def test_dates_in_every_common_form(text: str) -> None:
    assert normalise_value("date", text).value == "1969-08-08"


def test_an_unreadable_date_is_kept_raw_and_invalid() -> None:
    got = normalise_value("date", "sekitar tahun enam puluhan")
    assert not got.valid and got.note == "unreadable_date"


@pytest.mark.parametrize(
    ("text", "sex"),
    [("Perempuan", "F"), ("Laki-laki", "M"), ("Male", "M"), ("Female", "F"), ("Wanita", "F")],
)
def test_sex_words(text: str, sex: str) -> None:
    assert normalise_value("sex", text).value == sex


@pytest.mark.parametrize(
    ("text", "code", "ethnicity"),
    [
        ("Tanpa kewarganegaraan", "XXA", None),
        ("Stateless", "XXA", None),
        ("Myanmar", "MMR", None),
        ("Afghanistan", "AFG", None),
        ("Rohingya / Myanmar", "MMR", "ROHINGYA"),
        ("Rohingya", "XXX", "ROHINGYA"),
    ],
)
def test_nationality_words_to_icao_codes(text: str, code: str, ethnicity: str | None) -> None:
    got = normalise_nationality(text)
    assert got.value == code and got.valid
    assert dict(got.extra).get("ethnicity") == ethnicity


@pytest.mark.parametrize(
    "text", ["+62 812-3456-7890", "0812 3456 7890", "0812-3456-7890", "62 812 3456 7890"]
)
def test_phones_to_e164(text: str) -> None:
    assert normalise_phone(text) == "+6281234567890"


def test_a_phone_too_short_is_invalid() -> None:
    assert normalise_value("phone", "1234").valid is False
