"""The pure matching functions: normalising names, Jaro-Winkler, transliteration variants."""

from __future__ import annotations

from datetime import date

import pytest

from docproc.casework.people import (
    Identity,
    fold,
    identity_from_fields,
    jaro_winkler,
    name_key,
    name_similarity,
    possible_duplicate,
    transliteration_key,
)
from docproc.db.models import FieldSource
from docproc.db.repo import FieldValue

THRESHOLD = 0.9


def _identity(surname: str, given: str, born: date | None = date(1990, 4, 12)) -> Identity:
    return Identity(surname, given, born, "M", "AFG", "P1", "AFG")


def test_fold_strips_diacritics_case_and_fillers() -> None:
    assert fold("Šārūkh-Khān<<") == "sarukh khan"
    assert fold("  Ayşe   Nur ") == "ayse nur"
    assert fold("O'BRIEN") == "o brien"
    assert fold(None) == ""


def test_name_key_sorts_tokens_so_field_order_does_not_matter() -> None:
    assert name_key("RAHIMI", "MOHAMMAD ALI") == "ali mohammad rahimi"
    assert name_key("MOHAMMAD ALI", "RAHIMI") == name_key("RAHIMI", "MOHAMMAD ALI")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("martha", "marhta", 0.961),
        ("dwayne", "duane", 0.84),
        ("dixon", "dicksonx", 0.813),
        ("abc", "abc", 1.0),
        ("abc", "", 0.0),
        ("abc", "xyz", 0.0),
    ],
)
def test_jaro_winkler_gives_the_textbook_values(a: str, b: str, expected: float) -> None:
    assert jaro_winkler(a, b) == pytest.approx(expected, abs=0.001)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("RAHIMI", "MOHAMMAD ALI"), ("RAHIMI", "MUHAMMAD ALI")),
        (("RAHIMI", "MOHAMMED ALI"), ("RAHIMI", "MUHAMMAD ALI")),
        (("YOUSEF", "AHMAD"), ("YUSUF", "AHMED")),
        (("ABDULLAH", "FATIMAH"), ("ABDULLA", "FATIMA")),
        (("KHALIL", "HUSSEIN"), ("KALIL", "HUSAIN")),
        (("RAHIMI", "MOHAMMAD ALI"), ("MOHAMMAD ALI", "RAHIMI")),  # swapped fields
        (("NÚÑEZ", "JOSÉ"), ("NUNEZ", "JOSE")),
    ],
)
def test_transliteration_variants_are_possible_duplicates(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    score = possible_duplicate(_identity(*first), _identity(*second), THRESHOLD)
    assert score is not None and score >= THRESHOLD


def test_mohammad_and_muhammad_fold_to_one_key() -> None:
    assert transliteration_key(name_key("", "MOHAMMAD")) == transliteration_key(
        name_key("", "MUHAMMAD")
    )
    assert name_similarity(name_key("", "MOHAMMAD"), name_key("", "MUHAMMAD")) == 1.0


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("RAHIMI", "MOHAMMAD ALI"), ("HASSANI", "FARIDA")),
        (("AHMADI", "ZAHRA"), ("KARIMI", "ZAHRA")),
        (("NOOR", "AISHA"), ("NOORI", "HAMID")),
    ],
)
def test_different_names_on_the_same_day_are_not_duplicates(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    assert possible_duplicate(_identity(*first), _identity(*second), THRESHOLD) is None


def test_a_different_date_of_birth_is_never_a_match() -> None:
    same_name = ("RAHIMI", "MOHAMMAD ALI")
    assert (
        possible_duplicate(
            _identity(*same_name), _identity(*same_name, born=date(1990, 4, 13)), THRESHOLD
        )
        is None
    )
    assert (
        possible_duplicate(
            _identity(*same_name, born=None), _identity(*same_name, born=None), THRESHOLD
        )
        is None
    )


def test_identity_from_mrz_fields() -> None:
    fields = [
        FieldValue("surname", "RAHIMI", 0.9, FieldSource.mrz),
        FieldValue("given_names", "MOHAMMAD<ALI", 0.9, FieldSource.mrz),
        FieldValue("document_number", "p0123 4567<", 0.9, FieldSource.mrz),
        FieldValue("issuing_country", "D<<", 0.9, FieldSource.mrz),
        FieldValue("nationality", "AFG", 0.9, FieldSource.mrz),
        FieldValue("birth_date", "1990-04-12", 0.9, FieldSource.mrz),
        FieldValue("sex", "M", 0.9, FieldSource.mrz),
    ]
    identity = identity_from_fields(fields)
    assert identity is not None
    assert identity.given_names == "MOHAMMAD ALI"
    assert identity.date_of_birth == date(1990, 4, 12)
    assert identity.document_key == ("P01234567", "D")
    assert identity.name_key == "ali mohammad rahimi"


def test_identity_needs_a_name_or_a_number_and_survives_bad_dates() -> None:
    assert identity_from_fields([FieldValue("sex", "F", 0.9, FieldSource.mrz)]) is None
    identity = identity_from_fields(
        [
            FieldValue("surname", "AHMADI", 0.9, FieldSource.mrz),
            FieldValue("birth_date", "1990-13-45", 0.9, FieldSource.mrz),
            FieldValue("sex", "<", 0.9, FieldSource.mrz),
        ]
    )
    assert identity is not None
    assert identity.date_of_birth is None and identity.sex is None
    assert identity.document_key is None
