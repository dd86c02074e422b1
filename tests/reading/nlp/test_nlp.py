"""docproc.reading.nlp: the shipped NER pipeline, the ruler, titles, languages and scripts."""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator

import pytest
import spacy

from docproc.reading.nlp import detect_script, guess_language, load_pipeline, model_path, tag
from docproc.reading.nlp.components import customize_tokenizer, trim_person_span
from docproc.reading.nlp.pipeline import DEFAULT_MODEL_DIR, TagResult
from tests.paths import REPO

REPO = REPO
NER_DIR = REPO / "models" / "ner"


@pytest.fixture(scope="module", autouse=True)
def no_network() -> Iterator[None]:
    """Loading and tagging must not touch the network."""
    real_connect = socket.socket.connect

    def refuse(self: socket.socket, address: object) -> None:
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"network access attempted: {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    socket.socket.connect = refuse  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return load_pipeline()


def ents(result: TagResult, label: str) -> list[str]:
    return [e["text"] for e in result["entities"] if e["label"] == label]


# --- the packaged model -----------------------------------------------------------------------


def test_packaged_model_ships_in_the_package_and_is_small() -> None:
    path = DEFAULT_MODEL_DIR
    assert path == REPO / "docproc" / "reading" / "assets" / "ner" / "docproc_ner"
    assert model_path() == path or "DOCPROC_NER_MODEL" in os.environ
    assert (path / "config.cfg").is_file()
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    assert size < 12_000_000, f"packaged model is {size / 1e6:.1f} MB"


def test_model_loads_with_custom_components(nlp: spacy.language.Language) -> None:
    assert nlp.pipe_names == [
        "tok2vec",
        "ner",
        "docproc_case_filter",
        "docproc_gazetteer",
        "docproc_person_context",
        "structured_ruler",
        "docproc_person_titles",
    ]
    labels = set(nlp.get_pipe("ner").labels)  # type: ignore[attr-defined]
    assert {"PERSON", "ORG", "LOC", "DATE", "NATIONALITY"} <= labels


def test_model_loads_in_a_fresh_interpreter() -> None:
    """A new process that imports only docproc.reading.nlp can load the pipeline (its factories
    are registered)."""
    import subprocess

    code = "from docproc.reading.nlp import tag; print(tag('Budi tiba di Medan.')['language'])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "id"


def test_offsets_point_into_the_text(nlp: spacy.language.Language) -> None:
    text = "Petugas UNHCR mendata Mohammad Rafiq di Pekanbaru pada 3 Juni 2024."
    result = tag(text, nlp=nlp)
    assert result["entities"]
    for e in result["entities"]:
        assert text[e["start"] : e["end"]] == e["text"]
        assert set(e) == {"start", "end", "label", "text", "sentence"}
        assert e["text"] in e.get("sentence", "")


# --- English and Indonesian -------------------------------------------------------------------


def test_english_sentence(nlp: spacy.language.Language) -> None:
    result = tag(
        "UNHCR officials registered Abdul Karim Chowdhury in Lhokseumawe after the boat landed.",
        nlp=nlp,
    )
    assert result["language"] == "en"
    assert "Abdul Karim Chowdhury" in ents(result, "PERSON")
    assert "UNHCR" in ents(result, "ORG")
    assert "Lhokseumawe" in ents(result, "LOC")


def test_indonesian_sentence(nlp: spacy.language.Language) -> None:
    result = tag(
        "Petugas Imigrasi mengamankan Zahra Ahmadi, warga negara Afghanistan, di Medan.", nlp=nlp
    )
    assert result["language"] == "id"
    assert "Zahra Ahmadi" in ents(result, "PERSON")
    assert "Imigrasi" in ents(result, "ORG")
    assert "Medan" in ents(result, "LOC")
    assert "Afghanistan" in ents(result, "NATIONALITY")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Brigjen Polisi Agus Wibowo memimpin operasi di Aceh Timur.", "Agus Wibowo"),
        ("Kombes Pol. Hendra Gunawan mengatakan kapal itu tiba.", "Hendra Gunawan"),
        ("AKBP Sutrisno menyebut tiga tersangka telah ditahan.", "Sutrisno"),
        ("Mr. Nurul Islam told the officer he was born in Cox's Bazar.", "Nurul Islam"),
        ("Bapak Supardi melaporkan kedatangan kapal kepada polisi.", "Supardi"),
        ("Ibu Siti Aminah menyediakan makanan bagi para pengungsi.", "Siti Aminah"),
        ("Haji Abdul Rahman bersedia menjadi penjamin.", "Abdul Rahman"),
    ],
)
def test_titles_are_not_part_of_person(nlp: spacy.language.Language, text: str, name: str) -> None:
    persons = ents(tag(text, nlp=nlp), "PERSON")
    assert name in persons, persons


def test_mononym_is_a_person(nlp: spacy.language.Language) -> None:
    text = "Menurut Sukarno, kapal itu tiba pada malam hari di Bireuen."
    persons = ents(tag(text, nlp=nlp), "PERSON")
    assert persons == ["Sukarno"]


def test_trimmer_strips_titles_and_degrees_but_keeps_mononyms() -> None:
    blank = customize_tokenizer(spacy.blank("id"))
    doc = blank("Kombes Pol. Budi Hartono, S.H., M.Si. hadir")
    trimmed = trim_person_span(doc[0:9])
    assert trimmed is not None and trimmed.text == "Budi Hartono"
    doc = blank("Brigjen Polisi Sukarno hadir")
    trimmed = trim_person_span(doc[0:3])
    assert trimmed is not None and trimmed.text == "Sukarno"
    doc = blank("Mayor hadir")  # a single token is kept: it may be a name
    trimmed = trim_person_span(doc[0:1])
    assert trimmed is not None and trimmed.text == "Mayor"
    doc = blank("Bapak hadir")
    assert trim_person_span(doc[0:1]) is not None


# --- the entity ruler -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Hubungi +62 812-3456-7890 segera.", "PHONE", "+62 812-3456-7890"),
        ("Nomor HP 081234567890 milik pelapor.", "PHONE", "081234567890"),
        ("Call 0812-3456-7890 after 5 pm.", "PHONE", "0812-3456-7890"),
        ("Nomor rumah 0812 3456 7890 tidak aktif.", "PHONE", "0812 3456 7890"),
        ("Write to protection@unhcr.org today.", "EMAIL", "protection@unhcr.org"),
        ("UNHCR case IDN-15C01234 was reopened.", "CASE_NUMBER", "IDN-15C01234"),
        ("Nomor kasus 125-15C00123 sudah aktif.", "CASE_NUMBER", "125-15C00123"),
        ("IOM ref. IOM-IDN-2023-0456 covers the return.", "CASE_NUMBER", "IOM-IDN-2023-0456"),
        ("Laporan LP/B/123/VI/2023/SPKT diterima.", "CASE_NUMBER", "LP/B/123/VI/2023/SPKT"),
        ("Passport BA1234567 was seized.", "DOC_NUMBER", "BA1234567"),
        ("NIK 3171012345678901 tercatat.", "DOC_NUMBER", "3171012345678901"),
    ],
)
def test_ruler_finds_structured_entities(
    nlp: spacy.language.Language, text: str, label: str, expected: str
) -> None:
    assert expected in ents(tag(text, nlp=nlp), label)


# --- language and script ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The boat arrived at the beach early in the morning and the police were there.", "en"),
        ("Kapal itu tiba di pantai pada pagi hari dan polisi sudah berada di sana.", "id"),
        ("Yang bersangkutan mengaku berangkat dari Cox's Bazar.", "id"),
        ("He says he was born in Kabul in 1990.", "en"),
        ("نام من محمد است و از کابل آمده‌ام", "ar"),
        ("আমার নাম রহিম, আমি কক্সবাজার থেকে এসেছি", "bn"),
        ("我叫王伟，来自云南。", "zh"),
        ("", "und"),
        ("12345 ---", "und"),
    ],
)
def test_language_guess(text: str, lang: str) -> None:
    assert guess_language(text) == lang


def test_detect_script() -> None:
    assert detect_script("Budi") == "latin"
    assert detect_script("محمد") == "arabic"
    assert detect_script("রহিম") == "bengali"
    assert detect_script("王伟") == "han"
    assert detect_script("123") == "none"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("اسم: محمد رحیم، تلفن: +62 812-3456-7890، کابل", "ar"),
        ("নাম: মোহাম্মদ রহিম উদ্দিন, ফোন +62 812-3456-7890, কক্সবাজার", "bn"),
        ("姓名：王伟，电话 +62 812-3456-7890，邮箱 wang.wei@example.com，云南昆明", "zh"),
    ],
)
def test_other_scripts_kept_in_script(nlp: spacy.language.Language, text: str, lang: str) -> None:
    result = tag(text, nlp=nlp)
    assert result["language"] == lang
    for e in result["entities"]:
        assert text[e["start"] : e["end"]] == e["text"]
    assert "+62 812-3456-7890" in ents(result, "PHONE")
    if lang == "zh":
        assert "wang.wei@example.com" in ents(result, "EMAIL")


def test_empty_and_whitespace_text(nlp: spacy.language.Language) -> None:
    empty = tag("", nlp=nlp)
    assert (empty["language"], empty["entities"]) == ("und", [])
    assert tag("   \n", nlp=nlp)["entities"] == []


# --- the held-out set stays held out ----------------------------------------------------------


def _heldout() -> list[dict[str, str]]:
    lines = (NER_DIR / "assets" / "heldout.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_heldout_set_shape() -> None:
    rows = _heldout()
    assert len(rows) >= 60
    langs = [r["lang"] for r in rows]
    assert abs(langs.count("en") - langs.count("id")) <= 4
    assert {r["style"] for r in rows} == {"news", "case"}


def test_heldout_names_are_not_in_generator_pools() -> None:
    sys.path.insert(0, str(NER_DIR / "scripts"))
    try:
        import pools  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    full_names = set(
        pools.INDONESIAN_FULL
        + pools.INDONESIAN_MONONYMS
        + pools.CHINESE_NAMES
        + pools.UYGHUR_NAMES
        + pools.OTHER_FOREIGN
        + pools.ENGLISH_NAMES
        + pools.BURMESE_NAMES
        + pools.BANGLADESHI_EXTRA
        + pools.AFGHAN_EXTRA
        + pools.CHINESE_EXTRA
        + pools.ROHINGYA_EXTRA
    )
    import re

    persons = [
        m.group(1)
        for r in _heldout()
        for m in re.finditer(r"\[([^\]]+)\]\(PERSON\)", r["annotated"])
    ]
    assert persons
    composed = {f"{a} {b}" for a in pools.INDONESIAN_FIRST for b in pools.INDONESIAN_LAST}
    composed |= {f"{a} {b}" for a in pools.AFGHAN_FIRST for b in pools.AFGHAN_LAST}
    composed |= {f"{a} {b}" for a in pools.BANGLADESHI_FIRST for b in pools.BANGLADESHI_LAST}
    composed |= {f"{a} {b}" for a in pools.ROHINGYA_FIRST for b in pools.ROHINGYA_LAST}
    shared = [p for p in persons if p in full_names or p in composed]
    assert not shared, f"held-out names also in the generator pools: {shared}"


def test_heldout_f1_floor(nlp: spacy.language.Language) -> None:
    """Regression guard: the shipped model keeps entity-level F1 on the held-out set."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import ner as bench  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    overall = bench.bench_heldout(None, verbose=False)["heldout"]["OVERALL"]
    assert overall["f"] >= 0.80, overall


def test_real_text_set_is_sourced_annotated_and_split() -> None:
    """Every real passage names its published source, parses, and is dev, dev2, dev3 or test."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import ner as bench
    finally:
        sys.path.pop(0)
    rows = bench.load_real("all")
    assert len(rows) >= 30
    assert {r["split"] for r in rows} == {"dev", "dev2", "dev3", "test"}
    assert sum(r["split"] == "test" for r in rows) >= 14
    for row in rows:
        assert str(row["source"]).startswith("http"), row["id"]
        text, gold = str(row["text"]), row["gold"]
        assert isinstance(gold, set) and gold, row["id"]
        assert "](" not in text, row["id"]
        assert {label for _, _, label in gold} <= set(bench.REAL_LABELS), row["id"]
        for start, end, _ in gold:
            assert text[start:end] == text[start:end].strip(), (row["id"], text[start:end])
