"""docproc.reading.nlp.tokenizer: the fast tokenizer splits exactly like spaCy's own."""

from __future__ import annotations

import sys

import pytest
import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer  # type: ignore[import-not-found]
from spacy.util import compile_prefix_regex, compile_suffix_regex, get_lang_class

from docproc.reading.nlp import load_pipeline
from docproc.reading.nlp.components import customize_tokenizer
from docproc.reading.nlp.tokenizer import (
    FastTokenizer,
    _language_exceptions,
    affixed_words,
    make_fast_tokenizer,
)
from tests.paths import REPO

FAST = {"nlp": {"tokenizer": {"@tokenizers": "docproc.Tokenizer.v1"}}}


def _texts() -> list[str]:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import ner as bench  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    texts = [str(r["text"]) for r in bench.load_heldout()]
    texts += [str(r["text"]) for r in bench.load_real("all")]
    texts += [t for t, _ in bench.generated_examples(300, 5)]
    texts += [
        "anak-anak (anak-anak), Anak-Anak. kupu-kupu! sehari-hari; do'a Jan. 2024 :p (:",
        "PENGUNGSI-PENGUNGSI tiba 12/03/2023, IDN-15C01234 0812-3456-7890，邮箱 a@b.id",
    ]
    return texts


@pytest.fixture(scope="module")
def reference() -> Language:
    """spaCy's own Indonesian tokenizer (every exception a special case) + docproc's rules."""
    return customize_tokenizer(spacy.blank("id"))


def test_same_tokens_and_norms_as_spacys_tokenizer(reference: Language) -> None:
    fast = customize_tokenizer(spacy.blank("id", config=FAST))
    assert isinstance(fast.tokenizer, FastTokenizer)
    fast_rules = fast.tokenizer.rules
    assert len(fast_rules) < 500 < len(reference.tokenizer.rules)  # type: ignore[union-attr]
    for text in _texts():
        want = [(t.text, t.norm_, t.whitespace_) for t in reference(text)]
        got = [(t.text, t.norm_, t.whitespace_) for t in fast(text)]
        assert got == want, text


def test_shipped_pipeline_uses_the_fast_tokenizer_and_keeps_identifiers_whole() -> None:
    nlp = load_pipeline()
    assert isinstance(nlp.tokenizer, FastTokenizer)
    words = [t.text for t in nlp.tokenizer("anak-anak IDN-15C01234 12/03/2023 Jan. 2024")]
    assert words == ["anak-anak", "IDN-15C01234", "12/03/2023", "Jan.", "2024"]


def test_round_trip_through_bytes_keeps_the_exception_set() -> None:
    nlp = customize_tokenizer(spacy.blank("id", config=FAST))
    data = nlp.tokenizer.to_bytes()  # type: ignore[union-attr]
    other = make_fast_tokenizer()(spacy.blank("id"))
    other.from_bytes(data)
    assert isinstance(other, Tokenizer)
    assert len(other.rules) < 500
    assert [t.text for t in other("kupu-kupu IDN-15C01234.")] == ["kupu-kupu", "IDN-15C01234", "."]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_affix_shortcut_finds_every_affixed_exception(lang: str) -> None:
    defaults = get_lang_class(lang).Defaults
    prefix = compile_prefix_regex(defaults.prefixes or ()).search
    suffix = compile_suffix_regex(defaults.suffixes or ()).search
    whole, _ = _language_exceptions(lang)
    full = {w for w in whole if prefix(w) or suffix(w)}
    assert affixed_words(whole, prefix, suffix) == full


def test_factory_compiles_the_patterns_a_saved_pipeline_stores() -> None:
    """So loading the shipped pipeline compiles its affix regexes once (``re``'s cache)."""
    import srsly  # type: ignore[import-untyped]

    from docproc.reading.nlp import model_path

    saved = srsly.msgpack_loads((model_path() / "tokenizer").read_bytes())
    made = make_fast_tokenizer()(spacy.blank("id"))
    assert made.prefix_search.__self__.pattern == saved["prefix_search"]
    assert made.suffix_search.__self__.pattern == saved["suffix_search"]
    assert made.infix_finditer.__self__.pattern == saved["infix_finditer"]
    for name, compile_ in (("prefixes", compile_prefix_regex), ("suffixes", compile_suffix_regex)):
        entries = getattr(get_lang_class("id").Defaults, name)
        assert compile_(entries).pattern in saved[name[:6] + "_search"]
