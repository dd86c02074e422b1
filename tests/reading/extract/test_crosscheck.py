"""Each cross-check rule, on purpose-made mismatches (field dicts compared directly)."""

from __future__ import annotations

from datetime import date

import pytest

from docproc.reading.extract.crosscheck import (
    crosscheck,
    date_rules,
    mrz_vs_viz,
    same_but_confusables,
    split_warnings,
)

TODAY = date(2026, 1, 1)
MRZ = {
    "surname": "MUELLER",
    "given_names": "ANNA<MARIA",
    "birth_date": "1990-05-17",
    "expiry_date": "2030-05-16",
    "document_number": "C01X00T47",
    "sex": "F",
    "nationality": "AFG",
}
VIZ = {
    "surname": "MÜLLER",
    "given_names": "ANNA MARIA",
    "birth_date": "1990-05-17",
    "expiry_date": "2030-05-16",
    "issue_date": "2020-05-17",
    "document_number": "C01X00T47",
    "sex": "F",
    "nationality": "AFGHANISTAN",
}


def test_agreeing_mrz_and_viz_give_no_reason() -> None:
    assert crosscheck(MRZ, VIZ, TODAY) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("surname", "MILLER"),
        ("given_names", "ANNA"),
        ("birth_date", "1990-05-18"),
        ("expiry_date", "2031-05-16"),
        ("document_number", "C01X00T48"),
        ("sex", "M"),
        ("nationality", "IRAN"),
    ],
)
def test_each_disagreement_is_a_named_reason(field: str, value: str) -> None:
    assert mrz_vs_viz(MRZ, {**VIZ, field: value}) == [f"mrz_viz_mismatch:{field}"]


def test_names_compare_after_transliteration_and_punctuation() -> None:
    mrz = {**MRZ, "surname": "AL<JUBOURI", "given_names": "NOOR"}
    assert mrz_vs_viz(mrz, {"surname": "Al-Jubouri", "given_names": "Noor"}) == []
    mrz = {**MRZ, "surname": "MULLER"}  # issuer used the plain-letter form
    assert mrz_vs_viz(mrz, {"surname": "MÜLLER"}) == []


def test_truncated_mrz_name_is_not_a_mismatch() -> None:
    mrz = {**MRZ, "surname": "WOLFESCHLEGELSTEINHAUS", "given_names": ""}
    assert mrz_vs_viz(mrz, {"surname": "WOLFESCHLEGELSTEINHAUSENBERGERDORFF"}) == []


def test_single_printed_name_matches_in_either_order() -> None:
    mrz = {"surname": "LESTARI", "given_names": "PUTRI"}
    assert mrz_vs_viz(mrz, {"name": "PUTRI LESTARI"}) == []
    assert mrz_vs_viz(mrz, {"name": "PUTRI LESTARY"}) == ["mrz_viz_mismatch:name"]


def test_unknown_nationality_name_is_not_judged() -> None:
    assert mrz_vs_viz(MRZ, {"nationality": "ATLANTIS"}) == []


def test_expired() -> None:
    assert date_rules(date(1990, 1, 1), date(2010, 1, 1), date(2020, 1, 1), TODAY) == ["expired"]


def test_an_issue_date_after_today_is_not_yet_valid() -> None:
    assert date_rules(date(1990, 1, 1), date(2026, 3, 1), date(2036, 3, 1), TODAY) == [
        "not_yet_valid"
    ]


@pytest.mark.parametrize(
    ("born", "minor"),
    [(date(2008, 1, 2), True), (date(2008, 1, 1), False), (date(2025, 6, 1), True)],
)
def test_a_holder_under_18_on_the_day_of_registration_is_a_minor(born: date, minor: bool) -> None:
    assert ("minor" in date_rules(born, None, None, TODAY)) is minor


def test_document_facts_are_warnings_and_reading_doubts_review_reasons() -> None:
    found = [
        "check_failed:birth_date",
        "expired",
        "minor",
        "mrz_viz_mismatch:surname",
        "date_order",
    ]
    reasons, warnings = split_warnings(found)
    assert reasons == ["check_failed:birth_date", "date_order"]
    assert warnings == ["expired", "minor", "mrz_viz_mismatch:surname"]


def test_date_order() -> None:
    # issued before birth
    assert date_rules(date(1990, 1, 1), date(1989, 1, 1), date(2030, 1, 1), TODAY) == ["date_order"]
    # expires before issue
    assert "date_order" in date_rules(None, date(2025, 1, 1), date(2024, 1, 1), TODAY)


@pytest.mark.parametrize("born", [date(1890, 1, 1), date(2027, 6, 1)])
def test_implausible_age(born: date) -> None:
    assert "implausible_age" in date_rules(born, None, None, TODAY)


def test_crosscheck_uses_viz_dates_when_the_mrz_has_none() -> None:
    viz = {**VIZ, "issue_date": "2031-01-01"}
    assert crosscheck(None, viz, TODAY) == ["not_yet_valid", "date_order"]


def test_confusables() -> None:
    assert same_but_confusables("908I478K7", "9081478K7")
    assert same_but_confusables("SHAFIOUL", "SHAFIQUL")
    assert not same_but_confusables("C01X00T48", "C01X00T47")
    assert not same_but_confusables("ABC", "ABC")
