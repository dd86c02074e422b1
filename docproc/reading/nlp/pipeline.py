"""Load docproc's packaged NER pipeline and tag text with it."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import NotRequired, TypedDict

import spacy
from spacy.language import Language

from docproc.config import get_settings
from docproc.reading.assets import ner_model, require
from docproc.reading.nlp import components as _components  # noqa: F401  (registers the factories)
from docproc.reading.nlp import context as _context  # noqa: F401  (registers docproc_person_context)
from docproc.reading.nlp import gazetteer as _gazetteer  # noqa: F401  (registers docproc_gazetteer)
from docproc.reading.nlp.lang import detect_script, guess_language

#: Labels of the statistical NER (trained) and of the entity ruler (patterns).
NER_LABELS: tuple[str, ...] = ("PERSON", "ORG", "LOC", "DATE", "NATIONALITY")
RULER_LABELS: tuple[str, ...] = ("DOC_NUMBER", "CASE_NUMBER", "PHONE", "EMAIL")
LABELS: tuple[str, ...] = NER_LABELS + RULER_LABELS

#: Where the shipped pipeline lives in the installed package.
DEFAULT_MODEL_DIR = ner_model().path


class Entity(TypedDict):
    start: int
    end: int
    label: str
    text: str
    #: the sentence the entity was found in (so a reviewer sees it in context)
    sentence: NotRequired[str]


#: Where a sentence ends: ., ! or ? (and closing quotes) before a space and a capital, quote or
#: digit; or a line break. Abbreviations ("Mr. X", "Comr. Gen.") may cut a sentence short,
#: which only shortens the context shown.
_SENTENCE_END = re.compile(r"(?<=[.!?])([\"”’')]*)\s+(?=[\"“‘(A-Z0-9])|\n+|\f")


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` around ``text[start:end]`` (stripped; whole lines at most)."""
    left = 0
    right = len(text)
    for m in _SENTENCE_END.finditer(text):
        if m.end() <= start:
            left = m.end()
        elif m.start() >= end:
            right = m.start() + len(m.group(1) or "")  # closing quotes stay with the sentence
            break
    return text[left:right].strip()


class TagResult(TypedDict):
    language: str
    entities: list[Entity]


def model_path() -> Path:
    """``DOCPROC_NER_MODEL`` if set, else the pipeline shipped in the package."""
    return ner_model(get_settings().ner_model).path


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(path: str) -> Language:
    p = require(ner_model(Path(path)))
    # A plain directory load: no network, no installed spaCy package needed.
    return spacy.load(p)


def load_pipeline(path: Path | str | None = None) -> Language:
    """The packaged pipeline (cached per path; thread-safe first load)."""
    with _lock:
        return _load(str(path if path is not None else model_path()))


def tag(text: str, nlp: Language | None = None) -> TagResult:
    """Language guess and entities of ``text``; offsets are character offsets into ``text``.

    Entities are returned in the text's own script. The trained NER only knows Latin-script
    English and Indonesian, so in text whose dominant script is not Latin only the ruler's
    structured entities (phones, e-mails, case and document numbers) and Latin-script spans
    are kept.
    """
    language = guess_language(text)
    if not text.strip():
        return {"language": language, "entities": []}
    pipeline = nlp if nlp is not None else load_pipeline()
    doc = pipeline(text)
    latin = detect_script(text) in ("latin", "none")
    entities: list[Entity] = []
    for ent in doc.ents:
        if not latin and ent.label_ not in RULER_LABELS and detect_script(ent.text) != "latin":
            continue
        entities.append(
            {
                "start": ent.start_char,
                "end": ent.end_char,
                "label": ent.label_,
                "text": text[ent.start_char : ent.end_char],
                "sentence": sentence_at(text, ent.start_char, ent.end_char),
            }
        )
    return {"language": language, "entities": entities}
