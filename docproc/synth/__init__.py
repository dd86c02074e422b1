"""Synthetic passports, ID cards and visas with exact ground truth (MRZ, fields, boxes).

``generate(count, seed, out_dir, degraded=True, types=None)`` writes a data set;
``python -m docproc.synth`` is its command line; ``python -m docproc.synth.samples`` rebuilds
the committed ``samples/`` set. Everything is deterministic from the seed.
"""

from __future__ import annotations

from docproc.synth.generate import generate
from docproc.synth.mrzgen import SynthDoc, generate_documents, random_document

__all__ = ["SynthDoc", "generate", "generate_documents", "random_document"]
