"""Property tests: parse_mrz never raises, and a valid generated TD3/TD1 MRZ round-trips."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from docproc.reading.mrz.checkdigit import check_digit
from docproc.reading.mrz.model import MRZType
from docproc.reading.mrz.parse import mrz_likelihood, parse_mrz

TODAY = date(2025, 1, 1)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
MRZ_LENGTHS = [29, 30, 31, 35, 36, 37, 43, 44, 45]


def mrz_like_line() -> st.SearchStrategy[str]:
    return st.sampled_from(MRZ_LENGTHS).flatmap(
        lambda n: st.text(alphabet=ALPHABET + "KCEX«", min_size=n, max_size=n)
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), max_size=4))
def test_parse_never_raises_on_arbitrary_text(lines: list[str]) -> None:
    parse_mrz(lines, today=TODAY)
    for line in lines:
        assert 0.0 <= mrz_likelihood(line) <= 1.0


@settings(max_examples=400, deadline=None)
@given(st.lists(mrz_like_line(), min_size=2, max_size=3))
def test_parse_never_raises_on_mrz_alphabet_lines(lines: list[str]) -> None:
    parsed = parse_mrz(lines, today=TODAY)
    if parsed is not None:
        assert not parsed.valid or all(parsed.checks.values())
        assert len(parsed.lines) == len(lines)
        assert len({len(line) for line in parsed.lines}) == 1


@settings(max_examples=300, deadline=None)
@given(st.lists(mrz_like_line(), min_size=2, max_size=3), st.dates())
def test_parse_never_raises_for_any_reference_day(lines: list[str], today: date) -> None:
    parse_mrz(lines, today=today)


names = st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=8), min_size=1, max_size=3)
doc_numbers = st.text(alphabet=LETTERS + DIGITS, min_size=9, max_size=9)
countries = st.sampled_from(["UTO", "FRA", "DEU", "XXA", "SYR", "AFG", "UKR", "D<<"])
birth_dates = st.dates(min_value=date(1926, 1, 2), max_value=TODAY)
expiry_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2054, 12, 31))


def _yymmdd(d: date) -> str:
    return d.strftime("%y%m%d")


def _name_field(surname: list[str], given_names: list[str], width: int) -> str | None:
    text = "<".join(surname) + "<<" + "<".join(given_names)
    return text.ljust(width, "<") if len(text) < width else None


@settings(max_examples=300, deadline=None)
@given(
    surname=names,
    given_names=names,
    number=doc_numbers,
    issuer=countries,
    nationality=countries,
    birth=birth_dates,
    expiry=expiry_dates,
    sex=st.sampled_from("MFX<"),
    personal=st.text(alphabet=DIGITS + LETTERS, max_size=14),
)
def test_valid_generated_td3_round_trips(
    surname: list[str],
    given_names: list[str],
    number: str,
    issuer: str,
    nationality: str,
    birth: date,
    expiry: date,
    sex: str,
    personal: str,
) -> None:
    name_field = _name_field(surname, given_names, 39)
    if name_field is None:
        return
    line1 = "P<" + issuer + name_field
    personal_field = personal.ljust(14, "<")
    body = (
        number
        + check_digit(number)
        + nationality
        + _yymmdd(birth)
        + check_digit(_yymmdd(birth))
        + sex
        + _yymmdd(expiry)
        + check_digit(_yymmdd(expiry))
        + personal_field
        + check_digit(personal_field)
    )
    composite = body[0:10] + body[13:20] + body[21:43]
    line2 = body + check_digit(composite)
    parsed = parse_mrz([line1, line2], today=TODAY)
    assert parsed is not None
    assert parsed.type == MRZType.TD3
    assert parsed.valid, parsed.checks
    assert parsed.corrections == ()
    assert parsed.lines == (line1, line2)
    assert parsed.surname == " ".join(surname)
    assert parsed.given_names == " ".join(given_names)
    assert parsed.document_number == number
    assert parsed.birth_date == birth
    assert parsed.expiry_date == expiry
    assert parsed.sex == ("X" if sex == "<" else sex)
    assert parsed.optional_data == personal
    assert parsed.issuing_country == issuer.rstrip("<")


@settings(max_examples=200, deadline=None)
@given(
    surname=names,
    given_names=names,
    number=st.text(alphabet=DIGITS, min_size=9, max_size=9),
    nationality=countries,
    birth=birth_dates,
    expiry=expiry_dates,
)
def test_valid_generated_td1_round_trips(
    surname: list[str],
    given_names: list[str],
    number: str,
    nationality: str,
    birth: date,
    expiry: date,
) -> None:
    name_field = _name_field(surname, given_names, 30)
    if name_field is None:
        return
    line1 = "I<UTO" + number + check_digit(number) + "<" * 15
    head = _yymmdd(birth) + check_digit(_yymmdd(birth)) + "F"
    head += _yymmdd(expiry) + check_digit(_yymmdd(expiry)) + nationality + "<" * 11
    line2 = head + check_digit(line1[5:30] + head[0:7] + head[8:15] + head[18:29])
    parsed = parse_mrz([line1, line2, name_field], today=TODAY)
    assert parsed is not None
    assert parsed.type == MRZType.TD1
    assert parsed.valid and parsed.corrections == ()
    assert (parsed.surname, parsed.given_names) == (" ".join(surname), " ".join(given_names))
    assert (parsed.birth_date, parsed.expiry_date) == (birth, expiry)
    assert birth <= TODAY and expiry - TODAY < timedelta(days=31 * 366)
