"""The shared specimen set: 60 real MRZs (labels.json) and the text vectors (mrz_vectors.json).

Skips cleanly when ``shared/specimens`` is not next to the checkout.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from docproc.reading.mrz.model import LINE_SHAPE, MRZType
from docproc.reading.mrz.parse import parse_mrz
from tests.paths import REPO

SPECIMENS = REPO.parent / "shared/specimens"
TODAY = date(2025, 1, 1)

pytestmark = pytest.mark.specimens

# labels.json check_detail keys -> ParsedMRZ.checks keys (the French ID uses *_fra).
LABEL_CHECK_KEYS = {
    "docnum": "document_number",
    "dob": "birth_date",
    "exp": "expiry_date",
    "personal": "personal_number",
    "composite": "composite",
    "docnum_fra": "document_number",
    "dob_fra": "birth_date",
    "composite_fra": "composite",
}
VECTOR_CHECK_KEYS = {
    "document_number": "document_number",
    "document_number_long": "document_number",
    "date_of_birth": "birth_date",
    "date_of_expiry": "expiry_date",
    "personal_number": "personal_number",
    "composite": "composite",
}
WRONG_PRINTED_CHECKS = {
    "images/pe_33_id-usa.jpg",
    "images/pe_77_card-cmw.png",
    "images/mrzlib_resident_cards_USA.png",
}


def _load(name: str) -> Any:
    path = SPECIMENS / name
    if not path.exists():
        return None
    return json.loads(path.read_text())


LABELS: list[dict[str, Any]] = _load("labels.json") or []
VECTORS: dict[str, Any] = _load("mrz_vectors.json") or {}
needs_labels = pytest.mark.skipif(not LABELS, reason="shared/specimens/labels.json not available")
needs_vectors = pytest.mark.skipif(not VECTORS, reason="shared/specimens/mrz_vectors.json absent")


def _ids(entries: list[dict[str, Any]], key: str) -> list[str]:
    return [str(e[key]) for e in entries]


def _expected_type(label: str) -> MRZType:
    return MRZType.TD2 if label == "FRA_NATIONAL_ID_2x36" else MRZType(label)


@needs_labels
@pytest.mark.parametrize("entry", LABELS, ids=_ids(LABELS, "file"))
def test_label_parses_to_its_type_with_the_labelled_checks(entry: dict[str, Any]) -> None:
    parsed = parse_mrz(entry["mrz"], today=TODAY)
    assert parsed is not None
    expected_type = MRZType.TD2 if entry["file"] == "images/imagejs_id1.jpg" else entry["type"]
    assert parsed.type == expected_type
    assert parsed.checks == {LABEL_CHECK_KEYS[k]: v for k, v in entry["check_detail"].items()}
    assert list(parsed.lines) == entry["mrz"]
    assert parsed.valid == entry["check_digits_valid_as_printed"]


@needs_labels
@pytest.mark.parametrize("entry", LABELS, ids=_ids(LABELS, "file"))
def test_clean_label_needs_no_correction(entry: dict[str, Any]) -> None:
    parsed = parse_mrz(entry["mrz"], today=TODAY)
    assert parsed is not None
    assert parsed.corrections == ()


@needs_labels
def test_three_wrong_printed_check_digits_stay_invalid() -> None:
    wrong = [e for e in LABELS if e["file"] in WRONG_PRINTED_CHECKS]
    assert len(wrong) == 3
    for entry in wrong:
        parsed = parse_mrz(entry["mrz"], today=TODAY)
        assert parsed is not None
        assert not parsed.valid
        assert list(parsed.lines) == entry["mrz"]  # printed text returned, not "corrected"
        assert all(c.rule != "check_digit_choice" for c in parsed.corrections)


@needs_labels
@pytest.mark.parametrize("entry", LABELS, ids=_ids(LABELS, "file"))
def test_label_survives_a_filler_dropped_from_the_last_line(entry: dict[str, Any]) -> None:
    lines = list(entry["mrz"])
    last = lines[-1]
    cut = last.rfind("<<")
    if cut < 0:
        pytest.skip("no filler run to drop from")
    lines[-1] = last[:cut] + last[cut + 1 :]
    parsed = parse_mrz(lines, today=TODAY)
    assert parsed is not None
    assert len(parsed.lines[-1]) == LINE_SHAPE[parsed.type][1]
    assert parsed.check_score == parse_mrz(entry["mrz"], today=TODAY).check_score  # type: ignore[union-attr]


@needs_vectors
@pytest.mark.parametrize("vector", VECTORS.get("full_mrz_vectors", []), ids=lambda v: v["lines"][0])
def test_full_vector_checks_match_recomputed_checks(vector: dict[str, Any]) -> None:
    parsed = parse_mrz(vector["lines"], today=TODAY)
    assert parsed is not None
    assert parsed.type == _expected_type(vector["type"])
    expected = {VECTOR_CHECK_KEYS[k]: c["valid"] for k, c in vector["computed_checks"].items()}
    assert parsed.checks == expected


@needs_vectors
@pytest.mark.parametrize("pair", VECTORS.get("ocr_noise_pairs", []), ids=lambda p: p["clean"][0])
def test_ocr_noise_is_corrected_to_the_clean_mrz(pair: dict[str, Any]) -> None:
    noisy = parse_mrz(pair["noisy"], today=TODAY)
    clean = parse_mrz(pair["clean"], today=TODAY)
    assert noisy is not None and clean is not None
    assert list(noisy.lines) == pair["clean"]
    assert noisy.valid and clean.valid
    assert (noisy.surname, noisy.given_names, noisy.birth_date, noisy.expiry_date) == (
        clean.surname,
        clean.given_names,
        clean.birth_date,
        clean.expiry_date,
    )
    assert noisy.corrections  # every change is recorded


# A valid rest of the MRZ for each name-vector context, so the name line can be parsed alone.
_REST = {
    "TD3": ["L898902C36UTO7408122F1204159ZE184226B<<<<<10"],
    "MRVA": ["L8988901C4XXX4009078F96121096ZE184226B<<<<<<"],
    "TD2": ["D231458907UTO7408122F1204159<<<<<<<6"],
    "MRVB": ["L8988901C4XXX4009078F9612109<<<<<<<<"],
}


def _name_vector_lines(vector: dict[str, Any]) -> tuple[list[str], str]:
    line = vector["mrz"]
    if vector["context"].startswith("TD1"):
        return ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", line], line
    long_line = abs(len(line) - 44) <= 1  # one ICAO vector has a 45-character line
    kind = "TD3" if long_line else "TD2"
    if line.startswith("V"):
        kind = "MRVA" if long_line else "MRVB"
    return [line, *_REST[kind]], line[5:]


@needs_vectors
@pytest.mark.parametrize("vector", VECTORS.get("name_field_vectors", []), ids=lambda v: v["mrz"])
def test_name_vector_splits_names_and_flags_truncation(vector: dict[str, Any]) -> None:
    lines, name_field = _name_vector_lines(vector)
    parsed = parse_mrz(lines, today=TODAY)
    assert parsed is not None
    truncated = name_field[-1] != "<"
    assert ("name_possibly_truncated" in parsed.warnings) == truncated
    if truncated:
        return
    primary, _, secondary = vector["viz"].partition(", ")
    if "," not in vector["viz"] and "<<" not in name_field.rstrip("<"):
        primary, secondary = vector["viz"], ""
    primary = primary.replace("-", " ").replace("’", "").replace("'", "")
    assert parsed.surname == primary
    assert parsed.given_names == secondary
