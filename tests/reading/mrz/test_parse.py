"""parse_mrz on inline ICAO specimens: types, fields, every correction rule, warnings, None."""

from __future__ import annotations

from datetime import date

import pytest

from docproc.reading.mrz.model import MRZType
from docproc.reading.mrz.parse import mrz_likelihood, normalise_line, parse_mrz

TODAY = date(2025, 1, 1)

TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
MRVA = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
]
MRVB = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"]
FRA_ID = ["IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<", "9409923102854CORINNE<<<<<<<6512068F4"]
GERMAN_ID = [
    "IDD<<T220001293<<<<<<<<<<<<<<<",
    "6408125<2010315D<<<<<<<<<<<<<4",
    "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
]
FRENCH_PERMIT = [
    "IRFRAK682T8YLO0<1105040043<<<<",
    "7906123F1401073SEN<<<<<<<<<<<6",
    "MARTIN<<CHRISTELLE<HELENE<LAUR",
]
AZE = [
    "PCAZEARGEDAS<<CEYLA<<<<<<<<<<<<<<<<<<<<<<<<<",
    "C051777748AZE7611175F2201133S2SSBW3<<<<<<<26",
]
US_VOID = [
    "C1USA0000000392SRC0000000039<<",
    "2001010F8001022SLV<<<<<<<<<<<0",
    "VOID<<VOID<<<<<<<<<<<<<<<<<<<<",
]


def _parse(lines: list[str]) -> object:
    parsed = parse_mrz(lines, today=TODAY)
    assert parsed is not None
    return parsed


def _rules(lines: list[str]) -> list[tuple[int, int, str, str, str]]:
    parsed = parse_mrz(lines, today=TODAY)
    assert parsed is not None
    return [(c.line, c.column, c.before, c.after, c.rule) for c in parsed.corrections]


def _replace(lines: list[str], line: int, start: int, text: str) -> list[str]:
    out = list(lines)
    out[line] = out[line][:start] + text + out[line][start + len(text) :]
    return out


# --- types and fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "mrz_type", "check_names"),
    [
        (
            TD3,
            MRZType.TD3,
            {"document_number", "birth_date", "expiry_date", "personal_number", "composite"},
        ),
        (TD1, MRZType.TD1, {"document_number", "birth_date", "expiry_date", "composite"}),
        (TD2, MRZType.TD2, {"document_number", "birth_date", "expiry_date", "composite"}),
        (MRVA, MRZType.MRVA, {"document_number", "birth_date", "expiry_date"}),
        (MRVB, MRZType.MRVB, {"document_number", "birth_date", "expiry_date"}),
        (FRA_ID, MRZType.TD2, {"document_number", "birth_date", "composite"}),
    ],
    ids=["TD3", "TD1", "TD2", "MRVA", "MRVB", "FRA-ID"],
)
def test_specimen_parses_to_its_type_with_all_checks_passing(
    lines: list[str], mrz_type: MRZType, check_names: set[str]
) -> None:
    parsed = parse_mrz(lines, today=TODAY)
    assert parsed is not None
    assert parsed.type == mrz_type
    assert set(parsed.checks) == check_names
    assert parsed.valid
    assert parsed.corrections == ()


def test_td3_specimen_fields() -> None:
    p = parse_mrz(TD3, today=TODAY)
    assert p is not None
    assert (p.document_code, p.issuing_country, p.nationality) == ("P", "UTO", "UTO")
    assert (p.surname, p.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert p.document_number == "L898902C3"
    assert p.birth_date == date(1974, 8, 12)
    assert p.expiry_date == date(2012, 4, 15)
    assert (p.sex, p.optional_data, p.optional_data_2) == ("F", "ZE184226B", "")
    assert (p.raw_birth_date, p.raw_expiry_date) == ("740812", "120415")
    assert "expired" in p.warnings


def test_td1_keeps_second_optional_field_and_inner_fillers() -> None:
    lines = [
        "ITNLD52151673<4VNR1234567890<<",
        "9404014F1106172CHE<I<28<<<<<<2",
        "BELSER<<JULIETTE<HENRIKE<SOPHI",
    ]
    p = parse_mrz(lines, today=TODAY)
    assert p is not None and p.valid
    assert p.document_number == "52151673"
    assert p.optional_data == "VNR1234567890"
    assert p.optional_data_2 == "<I<28"
    assert "name_possibly_truncated" in p.warnings


def test_personal_number_keeps_inner_filler() -> None:
    lines = [
        "P<FINVIRTANEN<<MARIA<OLIVIA<<<<<<<<<<<<<<<<<",
        "XP82716024FIN7112214F1108213211271<426U<<<04",
    ]
    p = parse_mrz(lines, today=TODAY)
    assert p is not None and p.valid
    assert p.optional_data == "211271<426U"


def test_french_national_id_uses_its_own_layout() -> None:
    p = parse_mrz(FRA_ID, today=TODAY)
    assert p is not None
    assert (p.surname, p.given_names) == ("BERTHIER", "CORINNE")
    assert p.document_number == "940992310285"
    assert p.birth_date == date(1965, 12, 6)
    assert p.expiry_date is None
    assert (p.nationality, p.sex) == ("FRA", "F")
    assert "fra_national_id" in p.warnings


def test_visa_never_has_a_composite_check() -> None:
    for lines in (MRVA, MRVB):
        p = parse_mrz(lines, today=TODAY)
        assert p is not None and "composite" not in p.checks


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name_line", "surname", "given"),
    [
        ("ERIKSSON<<ANNA<MARIA<<<<<<<<<<", "ERIKSSON", "ANNA MARIA"),
        ("<<ANNA<MARIA<<<<<<<<<<<<<<<<<<", "", "ANNA MARIA"),
        ("ARKFREITH<<<<<<<<<<<<<<<<<<<<<", "ARKFREITH", ""),
        ("SMITH<JONES<<SUSIE<MARGARET<<<", "SMITH JONES", "SUSIE MARGARET"),
        ("CRITTENDEN<<LEE<W<<<<<<<<<<<<<", "CRITTENDEN", "LEE W"),
    ],
)
def test_names_split_into_primary_and_secondary(name_line: str, surname: str, given: str) -> None:
    p = parse_mrz([TD1[0], TD1[1], name_line], today=TODAY)
    assert p is not None
    assert (p.surname, p.given_names) == (surname, given)


def test_name_cut_at_line_end_is_flagged_possibly_truncated() -> None:
    p = parse_mrz(FRENCH_PERMIT, today=TODAY)
    assert p is not None
    assert "name_possibly_truncated" in p.warnings
    assert p.given_names == "CHRISTELLE HELENE LAUR"


# --- correction rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "line", "column", "noisy", "clean"),
    [
        (TD3, 1, 15, "O", "0"),
        (TD3, 1, 15, "D", "0"),
        (TD3, 1, 15, "Q", "0"),
        (TD3, 1, 17, "I", "1"),
        (TD3, 1, 16, "B", "8"),
        (TD3, 1, 18, "Z", "2"),
        (TD3, 1, 19, "Z", "2"),
        (TD3, 1, 26, "S", "5"),
        (TD3, 1, 43, "O", "0"),
        (TD1, 1, 29, "G", "6"),
        (TD1, 1, 6, "Z", "2"),
    ],
    ids=["O0", "D0", "Q0", "I1", "B8", "Z2-date", "Z2-check", "S5", "O0-composite", "G6", "Z2"],
)
def test_letter_in_digit_field_becomes_its_digit(
    lines: list[str], line: int, column: int, noisy: str, clean: str
) -> None:
    assert lines[line][column] == clean
    noisy_lines = _replace(lines, line, column, noisy)
    assert _rules(noisy_lines) == [(line, column, noisy, clean, "digit_field")]
    parsed = parse_mrz(noisy_lines, today=TODAY)
    assert parsed is not None and parsed.valid


@pytest.mark.parametrize(
    ("noisy_name", "clean_name"),
    [
        ("80GZAN<<15TVAN<<<<<<<<<<<<<<<", "BOGZAN<<ISTVAN<<<<<<<<<<<<<<<"),
        ("BO62AN<<ISTVAN<<<<<<<<<<<<<<<", "BOGZAN<<ISTVAN<<<<<<<<<<<<<<<"),
    ],
)
def test_digit_in_name_becomes_its_letter(noisy_name: str, clean_name: str) -> None:
    p = parse_mrz([TD1[0], TD1[1], noisy_name + "<"], today=TODAY)
    assert p is not None and p.valid
    assert p.lines[2] == clean_name + "<"
    assert {c.rule for c in p.corrections} == {"letter_field"}
    assert (p.surname, p.given_names) == ("BOGZAN", "ISTVAN")


@pytest.mark.parametrize(
    ("noisy", "clean"), [("UT0", "UTO"), ("D<<", "D<<"), ("DKK", "D<<"), ("5WE", "SWE")]
)
def test_country_code_fixed_only_towards_a_known_code(noisy: str, clean: str) -> None:
    lines = _replace(TD1, 0, 2, noisy)
    p = parse_mrz(lines, today=TODAY)
    assert p is not None
    assert p.lines[0][2:5] == clean


def test_country_code_read_as_digits_only_is_not_guessed_into_a_known_code() -> None:
    """A code none of whose characters was read as a letter (``000``) is no reading of one: the
    shape-alike step could make it COD (Congo), the only known code in O/D/Q/C x3, but a guess
    like that would outrank another recogniser's correct reading of a code no list knows (the
    UK permit sample prints COU). It becomes the letters the digits stand for, and is warned."""
    lines = _replace(TD1, 0, 2, "000")
    p = parse_mrz(lines, today=TODAY)
    assert p is not None
    assert p.issuing_country == "OOO"
    assert "unknown_country:OOO" in p.warnings


def test_country_code_with_one_letter_read_may_still_take_a_shape_alike() -> None:
    """One character read as itself keeps the shape-alike step: ``3PN`` is Japan."""
    p = parse_mrz(_replace(TD1, 0, 2, "3PN"), today=TODAY)
    assert p is not None and p.issuing_country == "JPN"


def test_unmappable_country_code_is_kept_and_warned() -> None:
    lines = ["IDROUSAVA<<SUPERMAN<<<<<<<<<<<<<<<<<", "HD198025<51328505095M130509012049941"]
    p = parse_mrz(lines, today=TODAY)
    assert p is not None and p.valid
    assert p.nationality == "132"
    assert "unknown_country:132" in p.warnings


@pytest.mark.parametrize("filler_glyph", ["K", "C", "X", "E", "L"])
def test_filler_read_as_letter_in_a_filler_run_becomes_filler(filler_glyph: str) -> None:
    noisy = [TD3[0][:30] + filler_glyph + TD3[0][31:], TD3[1][:39] + filler_glyph + TD3[1][40:]]
    p = parse_mrz(noisy, today=TODAY)
    assert p is not None and p.valid
    assert list(p.lines) == TD3
    assert {c.rule for c in p.corrections} == {"filler"}


def test_filler_read_as_k_in_sex_field_becomes_unspecified() -> None:
    p = parse_mrz(_replace(GERMAN_ID, 1, 7, "K"), today=TODAY)
    assert p is not None and p.valid and p.sex == "X"


@pytest.mark.parametrize(
    ("line", "change"),
    [
        (0, lambda s: s[:-1]),  # one filler short
        (0, lambda s: s + "<"),  # one filler too many
        (1, lambda s: s.replace("B<<<<<10", "B<<<<10")),
        (1, lambda s: s.replace("B<<<<<10", "B<<<<<<10")),
        (1, lambda s: s.replace("B<<<<<10", "B<<<10")),  # two short
    ],
    ids=["line1-short", "line1-long", "line2-short", "line2-long", "line2-two-short"],
)
def test_wrong_line_length_is_repaired_at_a_filler_run(line: int, change: object) -> None:
    lines = list(TD3)
    lines[line] = change(lines[line])  # type: ignore[operator]
    p = parse_mrz(lines, today=TODAY)
    assert p is not None and p.valid
    assert list(p.lines) == TD3
    assert {c.rule for c in p.corrections} <= {"length_insert", "length_delete"}


def test_dropped_document_number_padding_is_reinserted_in_the_field() -> None:
    lines = [
        "P<CANMARTIN<<SARAH<<<<<<<<<<<<<<<<<<<<<<<<<<",
        "ZE0005099CAN8501019F2301147<<<<<<<<<<<<<<08",
    ]
    p = parse_mrz(lines, today=TODAY)
    assert p is not None and p.valid
    assert p.lines[1] == "ZE000509<9CAN8501019F2301147<<<<<<<<<<<<<<08"


def test_alphanumeric_letter_o_is_chosen_by_the_check_digit() -> None:
    noisy = _replace(FRENCH_PERMIT, 0, 13, "0")  # K682T8YLO read as K682T8YL0
    p = parse_mrz(noisy, today=TODAY)
    assert p is not None and p.valid
    assert p.document_number == "K682T8YLO"
    assert _rules(noisy) == [(0, 13, "0", "O", "check_digit_choice")]


def test_alphanumeric_digit_zero_is_chosen_by_the_check_digit() -> None:
    noisy = _replace(TD3, 1, 5, "O")  # L898902C3 read as L8989O2C3
    p = parse_mrz(noisy, today=TODAY)
    assert p is not None and p.valid and p.document_number == "L898902C3"


def test_alphanumeric_z_is_chosen_by_the_personal_number_check() -> None:
    noisy = _replace(TD3, 1, 28, "2")  # ZE184226B read as 2E184226B
    p = parse_mrz(noisy, today=TODAY)
    assert p is not None and p.valid and p.optional_data == "ZE184226B"


@pytest.mark.parametrize(
    ("lines", "field", "value"),
    [
        (FRENCH_PERMIT, "document_number", "K682T8YLO"),
        (AZE, "optional_data", "S2SSBW3"),
        (TD3, "optional_data", "ZE184226B"),
    ],
)
def test_letters_that_look_like_digits_stay_letters(
    lines: list[str], field: str, value: str
) -> None:
    p = parse_mrz(lines, today=TODAY)
    assert p is not None and p.valid
    assert getattr(p, field) == value
    assert p.corrections == ()


def test_non_confusion_error_is_never_silently_rewritten() -> None:
    noisy = _replace(TD3, 1, 8, "E")  # '3' misread as 'E': not a known confusion
    p = parse_mrz(noisy, today=TODAY)
    assert p is not None
    # Either the error stays and the check fails, or a lone confusable swap happened to satisfy
    # the check digit: then the result is marked as a guess so that a person reviews it.
    if p.checks["document_number"]:
        assert "guessed_correction:document_number" in p.warnings
        assert all(c.rule == "check_digit_choice" for c in p.corrections)
    else:
        assert p.document_number == "L898902CE"
        assert p.corrections == ()


def test_lone_o_between_digits_is_guessed_from_the_check_digit() -> None:
    lines = ["IDPAKAL<JUBOURI<<NOOR<AYESHA<<<<<<<<", "290G2SW9<2PAK1712265F2312189N6DI<<<4"]
    p = parse_mrz(lines, today=TODAY)
    assert p is not None and p.valid
    assert p.document_number == "29OG2SW9"
    assert "guessed_correction:document_number" in p.warnings


def test_an_o_read_as_0_in_two_fields_the_composite_covers_is_guessed_in_both() -> None:
    """The document number and the personal number each hold an O read as 0: the composite
    covers both, so neither field's fix passes it alone. One swap in each passes its own check
    and the composite together: both are applied, as guesses (the record goes to review)."""
    lines = [
        "P<IRNMOHAMMADI<<AMIR<<<<<<<<<<<<<<<<<<<<<<<<",
        "S3087892<3IRN4709105M34021550LR<S3B<<<<<<<20",
    ]
    p = parse_mrz(lines, today=TODAY)
    assert p is not None and p.valid
    assert p.document_number == "S3O87892"
    assert p.optional_data == "OLR<S3B"
    assert {"guessed_correction:document_number", "guessed_correction:personal_number"} <= set(
        p.warnings
    )
    # a wrong printed digit in one of them is left alone: no single swap passes its check
    spoiled = [lines[0], lines[1][:9] + "7" + lines[1][10:]]
    q = parse_mrz(spoiled, today=TODAY)
    assert q is not None and not q.valid
    assert q.lines[1][2] == "0" and q.lines[1][9] == "7"


def test_wrong_printed_check_digit_stays_wrong() -> None:
    p = parse_mrz(US_VOID, today=TODAY)
    assert p is not None
    assert list(p.lines) == US_VOID
    assert p.checks == {
        "document_number": False,
        "birth_date": False,
        "expiry_date": False,
        "composite": False,
    }
    assert not p.valid


def test_wrong_digit_in_check_position_is_not_replaced() -> None:
    p = parse_mrz(_replace(TD3, 1, 19, "3"), today=TODAY)
    assert p is not None
    assert p.lines[1][19] == "3"
    assert not p.checks["birth_date"] and not p.valid


def test_raw_ocr_spacing_case_and_guillemets_are_normalised() -> None:
    raw = [
        "p<uto eriksson«<anna<maria<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B‹<<<<10",
    ]
    p = parse_mrz(raw, today=TODAY)
    assert p is not None and p.valid and list(p.lines) == TD3


# --- long document numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line1", "line2", "name", "number"),
    [
        (
            "I<PRT007777779<ZZ92<<<<<<<<<<<",
            "8303143M3405282PRT<<<<<<<<<<<2",
            "CACADOR<DE<ARAUJO<<ANDRE<ESTEV",
            "007777779ZZ9",
        ),
        (
            "IDBEL000590240<6013<<<<<<<<<<<",
            "8512017F1311048BEL851201002007",
            "REINARTZ<<ULRIKE<KATIA<E<<<<<<",
            "000590240601",
        ),
        (
            "I<UTOD23145890<7349<<<<<<<<<<<",
            "3407127M9507122UTO<<<<<<<<<<<2",
            "STEVENSON<<PETER<JOHN<<<<<<<<<",
            "D23145890734",
        ),
    ],
    ids=["ICAO-overflow", "Belgian-rule", "Utopia"],
)
def test_long_document_number_continues_in_optional_data(
    line1: str, line2: str, name: str, number: str
) -> None:
    p = parse_mrz([line1, line2, name], today=TODAY)
    assert p is not None
    assert p.document_number == number
    assert p.checks["document_number"] and p.valid


def test_long_document_number_with_wrong_check_is_invalid() -> None:
    lines = [
        "IDBEL000590240<6016<<<<<<<<<<<",
        "8512017F1311048BEL851201002007",
        "REINARTZ<<ULRIKE<KATIA<E<<<<<<",
    ]
    p = parse_mrz(lines, today=TODAY)
    assert p is not None and not p.checks["document_number"] and not p.valid


# --- dates, sex, countries ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "today", "expected"),
    [
        ("740812", date(2025, 1, 1), date(1974, 8, 12)),
        ("200101", date(2025, 1, 1), date(2020, 1, 1)),
        ("241231", date(2024, 12, 30), date(1924, 12, 31)),
        ("000229", date(2025, 1, 1), date(2000, 2, 29)),
    ],
)
def test_birth_century_is_the_latest_past_year(raw: str, today: date, expected: date) -> None:
    line2 = TD1[1][:0] + raw + "0" + TD1[1][7:]
    p = parse_mrz([TD1[0], line2, TD1[2]], today=today)
    assert p is not None and p.birth_date == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("120415", date(2012, 4, 15)), ("340528", date(2034, 5, 28)), ("961210", date(1996, 12, 10))],
)
def test_expiry_is_20xx_unless_more_than_30_years_ahead(raw: str, expected: date) -> None:
    line2 = TD1[1][:8] + raw + TD1[1][14:]
    p = parse_mrz([TD1[0], line2, TD1[2]], today=TODAY)
    assert p is not None and p.expiry_date == expected


@pytest.mark.parametrize(
    ("column", "raw", "warning"),
    [(0, "741332", "invalid_birth_date"), (8, "120231", "invalid_expiry_date")],
)
def test_impossible_calendar_date_is_none_and_invalid(column: int, raw: str, warning: str) -> None:
    p = parse_mrz(_replace(TD1, 1, column, raw), today=TODAY)
    assert p is not None
    assert warning in p.warnings and not p.valid
    assert (p.birth_date if column == 0 else p.expiry_date) is None


def test_expired_document_still_parses_with_a_warning() -> None:
    p = parse_mrz(TD3, today=TODAY)
    assert p is not None and p.valid and "expired" in p.warnings
    p = parse_mrz(TD3, today=date(2010, 1, 1))
    assert p is not None and "expired" not in p.warnings


@pytest.mark.parametrize("sex", ["M", "F", "X"])
def test_sex_values(sex: str) -> None:
    p = parse_mrz(_replace(TD3, 1, 20, sex), today=TODAY)
    assert p is not None and p.sex == sex


def test_filler_sex_reads_as_x() -> None:
    p = parse_mrz(GERMAN_ID, today=TODAY)
    assert p is not None and p.valid and p.sex == "X" and p.issuing_country == "D"


@pytest.mark.parametrize(
    "code",
    [
        "D<<",
        "XXA",
        "XXB",
        "XXC",
        "XXX",
        "UTO",
        "UNO",
        "UNA",
        "UNK",
        "XPO",
        "XOM",
        "XCC",
        "XES",
        "XMP",
        "EUE",
        "INP",
        "XBA",
        "GBD",
        "GBN",
        "GBO",
        "GBP",
        "GBS",
        "RKS",
        "DEU",
        "FRA",
    ],
)
def test_icao_codes_are_known(code: str) -> None:
    p = parse_mrz(_replace(TD1, 0, 2, code), today=TODAY)
    assert p is not None
    assert not [w for w in p.warnings if w.startswith("unknown_country")]


def test_unknown_country_is_a_warning_not_a_failure() -> None:
    lines = [
        "IRGBRZU12345673<<<<<<<<<<<<<<<",
        "6608198F0808088COU<<<<<<<<<<<6",
        "SAMPLE<<SUSANNA<<<<<<<<<<<<<<<",
    ]
    p = parse_mrz(lines, today=TODAY)
    assert p is not None and p.valid
    assert "unknown_country:COU" in p.warnings


# --- not an MRZ ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [""],
        ["hello world this is not an mrz", "just some random text from the page"],
        ["REPUBLIC OF UTOPIA", "PASSPORT", "SURNAME ERIKSSON"],
        ["<" * 44, "<" * 44],
        ["1234567890" * 4 + "1234", "ABCDEFGHIJ" * 4 + "ABCD"],
        [TD3[0]],
    ],
)
def test_text_that_is_no_mrz_returns_none(lines: list[str]) -> None:
    assert parse_mrz(lines, today=TODAY) is None


# --- single lines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [(" p<uto eriksson ", "P<UTOERIKSSON"), ("ANNA«MARIA‹‹", "ANNA<MARIA<<"), ("A(B[C{", "A<B<C<")],
)
def test_normalise_line(raw: str, clean: str) -> None:
    assert normalise_line(raw) == clean


@pytest.mark.parametrize("line", [*TD3, *TD1, *TD2, *MRVA])
def test_mrz_lines_look_like_mrz(line: str) -> None:
    assert mrz_likelihood(line) > 0.8


@pytest.mark.parametrize(
    "text",
    ["", "REPUBLIC OF UTOPIA PASSPORT", "Surname / Nom", "Date of birth 12 AUG 1974", "x" * 44],
)
def test_other_text_does_not_look_like_mrz(text: str) -> None:
    assert mrz_likelihood(text) < 0.3


def test_likelihood_is_in_unit_interval() -> None:
    for text in ["<<<<", "P<UTO" * 20, "é" * 44, "  ", TD3[0].lower()]:
        assert 0.0 <= mrz_likelihood(text) <= 1.0


# --- document codes each format allows ---------------------------------------------------

_SWISS = [
    "IDCHES0002068<8<<<<<<<<<<<<<<<",
    "8102287F1301014CHE<<<<<<<<<<<4",
    "VADIS<<QUO<<<<<<<<<<<<<<<<<<<<",
]


@pytest.mark.parametrize(
    ("first", "flagged"), [("I", False), ("A", False), ("C", False), ("Z", True), ("P", True)]
)
def test_a_document_code_its_format_does_not_allow_is_flagged(first: str, flagged: bool) -> None:
    """No check digit covers the document code: a TD1 card's I read as its look-alike Z (or a
    passport's P) still passes every check, so the parser says the code is not a TD1's."""
    from docproc.reading.mrz.confidence import _doubtful_code, review_reasons
    from docproc.reading.mrz.tuning import DEFAULT_TUNING

    p = parse_mrz([first + _SWISS[0][1:], *_SWISS[1:]], today=date(2012, 1, 1))
    assert p is not None and p.valid  # the check digits cannot tell
    code = first + "D"
    assert (f"invalid_document_code:{code}" in p.warnings) is flagged
    assert _doubtful_code(p) is flagged
    reasons = review_reasons(p, {}, tuning=DEFAULT_TUNING)
    assert (f"invalid_document_code:{code}" in reasons) is flagged


# --- performance --------------------------------------------------------------------------
