"""Dates to ISO, sex, names and country names (pure code)."""

from __future__ import annotations

from datetime import date

import pytest

from docproc.reading.extract.normalise import (
    country_code,
    icao_name,
    normalise_sex,
    parse_date,
    split_place_date,
)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("26 DEC 2017", "2017-12-26"),
        ("26-12-2017", "2017-12-26"),
        ("26 DES 2017", "2017-12-26"),
        ("26 DES/DEC 2017", "2017-12-26"),
        ("03 AGT/AUG 1971", "1971-08-03"),
        ("06 MEI/MAY 2016", "2016-05-06"),
        ("17 Agustus 1945", "1945-08-17"),
        ("28 Februari 2007", "2007-02-28"),
        ("4 July 2018", "2018-07-04"),
        ("26/12/2017", "2017-12-26"),
        ("26.12.17", "2017-12-26"),
        ("2017-12-26", "2017-12-26"),
        ("O5 0CT 2O20", "2020-10-05"),  # OCR letters in digit groups and digits in months
        ("12 MAR 2001.", "2001-03-12"),
    ],
)
def test_dates_are_normalised_to_iso(text: str, iso: str) -> None:
    assert parse_date(text) == date.fromisoformat(iso)


@pytest.mark.parametrize("text", ["", "PASSPORT", "31 FEB 2020", "45-13-2020", "MULTIPLE"])
def test_non_dates_give_none(text: str) -> None:
    assert parse_date(text) is None


def test_two_digit_years_go_to_the_past_of_the_pivot() -> None:
    assert parse_date("01-02-85", pivot=2036) == date(1985, 2, 1)
    assert parse_date("01-02-25", pivot=2036) == date(2025, 2, 1)


def test_place_and_date_of_birth_split() -> None:
    assert split_place_date("TANJUNGPINANG, 03 AGT/AUG 1971") == ("TANJUNGPINANG", date(1971, 8, 3))
    assert split_place_date("KABUL 05-06-1990") == ("KABUL", date(1990, 6, 5))


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("L/M", "M"),
        ("P/F", "F"),
        ("M", "M"),
        ("F", "F"),
        ("X", "X"),
        ("Laki-laki", "M"),
        ("PEREMPUAN", "F"),
        ("female", "F"),
        ("", None),
    ],
)
def test_sex(text: str, sex: str | None) -> None:
    assert normalise_sex(text) == sex


def test_icao_names_transliterate_and_drop_punctuation() -> None:
    assert icao_name("Müller-Lüdenscheidt") == "MUELLER LUEDENSCHEIDT"
    assert icao_name("Müller", alternative=True) == "MULLER"
    assert icao_name("O'Brien") == "OBRIEN"
    assert icao_name("José  Ñúñez") == "JOSE NUNEZ"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("AFGHANISTAN", "AFG"),
        ("Afganistan", "AFG"),
        ("TIONGKOK", "CHN"),
        ("MYANMAR", "MMR"),
        ("STATELESS PERSON", "XXA"),
        ("PENGUNGSI", "XXB"),
        ("REFUGEE (OTHER)", "XXC"),
        ("SRI LANKA", "LKA"),
        ("ATLANTIS", None),
    ],
)
def test_country_names_map_to_icao_codes(name: str, code: str | None) -> None:
    assert country_code(name) == code
