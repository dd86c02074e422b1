"""Passed to ``spacy train --code``: registers docproc's tokenizer callback and components."""

from __future__ import annotations

import sys
from pathlib import Path

_REPO = Path(__file__).resolve().parents[3]
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

import docproc.reading.nlp.components  # noqa: E402  (registers on import)
import docproc.reading.nlp.context  # noqa: E402  (registers docproc_person_context)
import docproc.reading.nlp.gazetteer  # noqa: E402,F401  (registers docproc_gazetteer)
