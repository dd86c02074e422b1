"""Named entities in English and Indonesian papers: docproc's own spaCy pipeline.

``tag(text)`` returns ``{"language": ..., "entities": [{"start", "end", "label", "text"}]}``.
See docs/ner.md for the labels, the title convention and how the model is trained.
"""

from __future__ import annotations

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
