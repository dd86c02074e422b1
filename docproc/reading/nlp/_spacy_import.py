"""Import spaCy without PyTorch: the pipeline is a small CNN run by thinc's NumPy ops.

thinc (spaCy's model library) imports ``torch`` at import time whenever it is installed, to
offer PyTorch-backed layers and GPU detection. docproc's NER never uses them, but a ``torch``
install (the ``train`` extra, for the glyph classifier) adds 1-3 s to every ``import spacy``
and so to ``docproc tag``'s cold start. While spaCy is first imported, ``torch`` is marked as
absent (``sys.modules["torch"] = None`` makes ``import torch`` raise ImportError, which thinc
handles); the mark is removed right after, so code that imports torch later still gets it.
If torch was imported before, nothing is changed.
"""

from __future__ import annotations

import sys


def import_spacy_without_torch() -> None:
    """Import spaCy (and thinc) with ``torch`` hidden, unless spaCy or torch is loaded already."""
    if "spacy" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy  # noqa: F401
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


import_spacy_without_torch()
