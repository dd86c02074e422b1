"""docproc_gazetteer: names by region, places and agencies as rules after the NER, and the
sentence each entity came from."""

from __future__ import annotations

import pytest
import spacy

from docproc.reading.nlp import load_pipeline, sentence_at, tag
from docproc.reading.nlp.gazetteer import RULES, Gazetteer


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return load_pipeline()


def ents(nlp: spacy.language.Language, text: str, label: str) -> list[str]:
    return [e["text"] for e in tag(text, nlp=nlp)["entities"] if e["label"] == label]


def test_the_gazetteer_ships_inside_the_pipeline_with_every_region(
    nlp: spacy.language.Language,
) -> None:
    names = nlp.pipe_names
    assert names.index("docproc_case_filter") < names.index("docproc_gazetteer")
    assert names.index("docproc_gazetteer") < names.index("docproc_person_context")
    gaz = nlp.get_pipe("docproc_gazetteer")
    assert isinstance(gaz, Gazetteer)
    assert gaz.rules == RULES
    regions = {tag.split(":")[0] for tags in gaz.names.values() for tag in tags}
    assert {"id", "rohingya", "bd", "af", "zh", "ar"} <= regions
    # provinces, regencies and cities of Indonesia, with the English directional forms
    assert gaz.places[("aceh", "timur")] == "regency"
    assert gaz.places[("west", "aceh")] == "regency"
    assert gaz.places[("nusa", "tenggara", "timur")] == "province"
    assert ("UNHCR",) in gaz.orgs and ("rudenim",) in gaz.units


@pytest.mark.parametrize(
    ("text", "org"),
    [
        ("Ia berada dalam binaan Organisasi Internasional untuk Migrasi (IOM) di Medan.",
         "Organisasi Internasional untuk Migrasi"),
        ("Kepala Rudenim Pusat Tanjung Pinang menuturkan ada 379 imigran.",
         "Rudenim Pusat Tanjung Pinang"),
        ("Petugas Kantor Imigrasi Kelas II TPI Atambua memeriksa dokumen mereka.",
         "Kantor Imigrasi Kelas II TPI Atambua"),
        ("The men were taken to Sampang Police for questioning.", "Sampang Police"),
    ],
)  # fmt: skip
def test_agencies_and_units_with_their_place_are_one_organisation(
    nlp: spacy.language.Language, text: str, org: str
) -> None:
    assert org in ents(nlp, text, "ORG")


def test_a_job_title_is_cut_from_a_known_organisation(nlp: spacy.language.Language) -> None:
    text = "Ditemui terpisah, Associate External Relation UNHCR, Dewi Kartika mengatakan itu."
    assert ents(nlp, text, "ORG") == ["UNHCR"]


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ('"Mereka sudah sepuluh hari di laut," kata Rahmat Hidayat kepada wartawan.',
         "Rahmat Hidayat"),
        ("Kepala Rudenim Kupang, Yosef Nahak, mengatakan tiga deteni dipindahkan.",
         "Yosef Nahak"),
        ("The suspects were handed to prosecutors, Sutrisno said on Monday.", "Sutrisno"),
        ("Bersama petugas, Kasubsi Keamanan, Yance K. Manafe, memantau lokasi.",
         "Yance K. Manafe"),
    ],
)  # fmt: skip
def test_speakers_and_people_named_after_their_role_are_persons(
    nlp: spacy.language.Language, text: str, person: str
) -> None:
    assert person in ents(nlp, text, "PERSON")


def test_offence_and_job_words_are_not_entities(nlp: spacy.language.Language) -> None:
    found = tag(
        "Bareskrim Polri membantu Polda Aceh menangani kasus TPPO ini. Pelaksana Harian "
        "Kanwil Kemenkumham NTT hadir.",
        nlp=nlp,
    )["entities"]
    texts = {e["text"] for e in found}
    assert "TPPO" not in texts and "Pelaksana Harian" not in texts
    assert {"Bareskrim Polri", "Polda Aceh"} <= texts


def test_every_entity_carries_the_sentence_it_came_from(nlp: spacy.language.Language) -> None:
    text = (
        "Sebanyak 50 pengungsi Rohingya mendarat di Aceh Timur. "
        '"Mereka kami amankan," ujar Andi Saputra.\nKontak: 0812-3456-7890.'
    )
    found = tag(text, nlp=nlp)["entities"]
    assert found
    for e in found:
        sentence = e.get("sentence", "")
        assert e["text"] in sentence and sentence in text
    by_text = {e["text"]: e.get("sentence") for e in found}
    assert by_text["Aceh Timur"] == "Sebanyak 50 pengungsi Rohingya mendarat di Aceh Timur."
    assert by_text["0812-3456-7890"] == "Kontak: 0812-3456-7890."


@pytest.mark.parametrize(
    ("text", "span", "sentence"),
    [
        ("One. Two words here! Three?", "words", "Two words here!"),
        ("Line one\nline two has it\nline three", "has", "line two has it"),
        ('He said "yes." Then left.', "yes", 'He said "yes."'),
    ],
)
def test_sentence_at_cuts_at_sentence_ends_and_line_breaks(
    text: str, span: str, sentence: str
) -> None:
    start = text.index(span)
    assert sentence_at(text, start, start + len(span)) == sentence


@pytest.mark.parametrize(
    ("text", "label", "want"),
    [
        # demonyms the model reads as people; plurals it leaves out
        ("Police said 14 Syrians were found on the beach.", "NATIONALITY", "Syrians"),
        ("Nine Sri Lankans and two Iraqis were held in Kupang.", "NATIONALITY", "Sri Lankans"),
        ("Nine Sri Lankans and two Iraqis were held in Kupang.", "NATIONALITY", "Iraqis"),
        # a country after "warga negara" is the citizenship, whatever the model said
        ("Ia seorang warga negara Banglades yang ditangkap di Medan.", "NATIONALITY", "Banglades"),
        # job words before a unit: the unit is the organisation
        ("Hal itu dikatakan Darmawan, Kasi Keamanan Rudenim.", "ORG", "Rudenim"),
        # a long name, its acronym in brackets and a place: one unit
        (
            "Mereka ditampung di Rumah Detensi Imigrasi (Rudenim) Pekanbaru sejak Mei.",
            "ORG",
            "Rumah Detensi Imigrasi (Rudenim) Pekanbaru",
        ),
        # capitalised admin words belong to the place; "the village of X" is a place
        (
            "Mereka mendarat di Provinsi Sulawesi Tengah pada malam hari.",
            "LOC",
            "Provinsi Sulawesi Tengah",
        ),
        ("The boat was found near the village of Tanjung Luar.", "LOC", "Tanjung Luar"),
        # lower-case words at the end of a place are cut
        ("The men were taken from Bogor south of the capital.", "LOC", "Bogor"),
        # a news agency
        ("The figure was reported by Antara news agency on Monday.", "ORG", "Antara"),
        # ranks and offices before a name
        ("Foreign Minister Retno Marsudi met the envoy.", "PERSON", "Retno Marsudi"),
        ("Menurut Hendrawan, para imigran sudah diperiksa.", "PERSON", "Hendrawan"),
    ],
)
def test_rules_added_after_the_third_dev_split(
    nlp: spacy.language.Language, text: str, label: str, want: str
) -> None:
    assert want in ents(nlp, text, label)


def test_a_name_and_its_acronym_without_a_place_stay_two_organisations(
    nlp: spacy.language.Language,
) -> None:
    text = "Mereka dibina Organisasi Internasional untuk Migrasi (IOM) di Medan."
    assert "IOM" in ents(nlp, text, "ORG")
    assert "Organisasi Internasional untuk Migrasi (IOM)" not in ents(nlp, text, "ORG")
