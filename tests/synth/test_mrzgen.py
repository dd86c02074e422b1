"""Generated MRZ text: shape, charset, every check digit (recomputed here), determinism."""

from __future__ import annotations

import random
from datetime import date

import pytest

from docproc.reading.mrz.checkdigit import check_digit
from docproc.reading.mrz.model import LINE_SHAPE, MRZType
from docproc.synth.mrzgen import (
    ALL_TYPES,
    SynthDoc,
    decode_name,
    generate_documents,
    mrz_name,
    random_document,
)

CHARSET = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")


def _cd_ok(field: str, digit: str) -> bool:
    if digit == "<":  # ICAO: '<' allowed for an all-filler optional field, reads as 0
        return set(field) == {"<"} and check_digit(field) == "0"
    return check_digit(field) == digit


def mrz_problems(t: str, lines: list[str] | tuple[str, ...]) -> list[str]:
    """Independent ICAO 9303 check of one MRZ; returns what is wrong (empty when valid)."""
    mt = MRZType(t)
    n, width = LINE_SHAPE[mt]
    errs: list[str] = []
    if len(lines) != n or any(len(x) != width for x in lines):
        return [f"shape {[len(x) for x in lines]}"]
    if any(ch not in CHARSET for x in lines for ch in x):
        errs.append("charset")
    if mt is MRZType.TD1:
        u, m, _ = lines
        checks = {
            "docnum": (u[5:14], u[14]),
            "dob": (m[0:6], m[6]),
            "exp": (m[8:14], m[14]),
            "composite": (u[5:30] + m[0:7] + m[8:15] + m[18:29], m[29]),
        }
        first = u
    else:
        first, low = lines
        checks = {
            "docnum": (low[0:9], low[9]),
            "dob": (low[13:19], low[19]),
            "exp": (low[21:27], low[27]),
        }
        if mt is MRZType.TD3:
            checks["personal"] = (low[28:42], low[42])
            checks["composite"] = (low[0:10] + low[13:20] + low[21:43], low[43])
        elif mt is MRZType.TD2:
            checks["composite"] = (low[0:10] + low[13:20] + low[21:35], low[35])
    for name, (fld, digit) in checks.items():
        if not _cd_ok(fld, digit):
            errs.append(name)
    expected_first = {"TD1": "IAC", "TD2": "IAC", "TD3": "P", "MRVA": "V", "MRVB": "V"}[t]
    if first[0] not in expected_first:
        errs.append("document code")
    return errs


@pytest.mark.parametrize("t", ALL_TYPES)
def test_every_generated_mrz_is_valid(t: MRZType) -> None:
    for i in range(300):
        doc = random_document(random.Random(f"t:{i}"), t)
        assert mrz_problems(t.value, doc.mrz) == [], (doc.mrz, mrz_problems(t.value, doc.mrz))


def _lower(doc: SynthDoc) -> str:
    return doc.mrz[1]


@pytest.mark.parametrize("t", ALL_TYPES)
def test_fields_match_the_mrz(t: MRZType) -> None:
    for i in range(100):
        doc = random_document(random.Random(f"f:{i}"), t)
        f = doc.fields
        birth, expiry = date.fromisoformat(f["birth_date"]), date.fromisoformat(f["expiry_date"])
        issue = date.fromisoformat(f["issue_date"])
        assert birth < issue < expiry
        if t is MRZType.TD1:
            u, m, name = doc.mrz
            assert u[5:14].rstrip("<") == f["document_number"]
            assert m[0:6] == birth.strftime("%y%m%d")
            assert m[8:14] == expiry.strftime("%y%m%d")
            assert m[15:18].rstrip("<") == f["nationality"]
            assert u[2:5].rstrip("<") == f["issuing_country"]
            assert u[15:30].rstrip("<") == f["optional_data"]
        else:
            low = _lower(doc)
            name = doc.mrz[0][5:]
            assert low[0:9].rstrip("<") == f["document_number"]
            assert low[13:19] == birth.strftime("%y%m%d")
            assert low[21:27] == expiry.strftime("%y%m%d")
            assert low[10:13].rstrip("<") == f["nationality"]
            assert doc.mrz[0][2:5].rstrip("<") == f["issuing_country"]
        assert decode_name(name) == (f["surname"], f["given_names"])
        assert f["sex"] in ("M", "F", "X")


def test_deterministic_from_seed() -> None:
    a = generate_documents(40, 11)
    b = generate_documents(40, 11)
    c = generate_documents(40, 12)
    assert a == b
    assert [d.mrz for d in a] != [d.mrz for d in c]


def test_types_cycle_and_subset() -> None:
    docs = generate_documents(6, 1, [MRZType.TD1, MRZType.MRVB])
    assert [d.type for d in docs] == [MRZType.TD1, MRZType.MRVB] * 3


def test_name_conventions() -> None:
    assert mrz_name("", "SUHARTO", 30) == ("<<SUHARTO" + "<" * 21, False)
    assert mrz_name("AUNG SAN", "", 30) == ("AUNG<SAN" + "<" * 22, False)
    assert mrz_name("AL-JUBOURI", "ALI", 30)[0].startswith("AL<JUBOURI<<ALI<")
    field, truncated = mrz_name("WICKRAMASINGHE ARACHCHIGE", "MOHAMMAD ABDUL RAHIM", 30)
    assert truncated and len(field) == 30 and field[-1] != "<"


def test_population_covers_the_brief() -> None:
    docs = generate_documents(1500, 3)
    codes = {d.fields["nationality"] for d in docs} | {d.fields["issuing_country"] for d in docs}
    for c in (
        "BGD",
        "MMR",
        "AFG",
        "CHN",
        "IDN",
        "PAK",
        "IRN",
        "IRQ",
        "SOM",
        "LKA",
        "XXA",
        "XXB",
        "XXC",
        "D",
        "UTO",
    ):
        assert c in codes, c
    assert any(d.mrz[0].startswith("D<<") or "D<<" in d.mrz[0][2:5] for d in docs)
    assert any(d.name_truncated for d in docs)
    assert any(not d.fields["surname"] for d in docs)  # <<NAME
    assert any(not d.fields["given_names"] for d in docs)  # NAME<<
    assert any("<" in d.fields["optional_data"] for d in docs)  # inner filler
    assert any(len(d.fields["given_names"].split()) >= 2 for d in docs)
    confusable = set("O0I1S5B8")
    assert sum(bool(confusable & set(d.fields["document_number"])) for d in docs) > 1000
    doc_codes = {d.document_code for d in docs}
    assert {"P<", "PT", "I<", "ID", "AC", "V<"} <= doc_codes
    assert any(d.mrz[1][42] == "<" for d in docs if d.type is MRZType.TD3)
