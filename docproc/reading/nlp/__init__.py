"""Named entities in English and Indonesian papers: docproc's own spaCy pipeline.

``tag(text)`` returns ``{"language": ..., "entities": [{"start", "end", "label", "text"}]}``.
See docs/ner.md for the labels, the title convention and how the model is trained.
"""

from __future__ import annotations

# First: spaCy imported with torch hidden (thinc would import it: 1-3 s; see the module).
from docproc.reading.nlp import _spacy_import  # noqa: F401
from docproc.reading.nlp.lang import detect_script, guess_language
from docproc.reading.nlp.pipeline import (
    LABELS,
    NER_LABELS,
    RULER_LABELS,
    Entity,
    TagResult,
    load_pipeline,
    model_path,
    sentence_at,
    tag,
)

__all__ = [
    "LABELS",
    "NER_LABELS",
    "RULER_LABELS",
    "Entity",
    "TagResult",
    "detect_script",
    "guess_language",
    "load_pipeline",
    "model_path",
    "sentence_at",
    "tag",
]
