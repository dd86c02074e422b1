"""docproc.reading.nlp imports spaCy without pulling in torch (thinc would, when installed)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.paths import REPO

_SNIPPET = """
import sys
import docproc.reading.nlp
import thinc.compat
print("torch" in sys.modules, thinc.compat.has_torch)
"""


def _printed(snippet: str) -> list[str]:
    """What a fresh interpreter running ``snippet`` prints, word by word."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-c", snippet],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    ).stdout.split()


def test_the_tagger_imports_spacy_without_torch() -> None:
    out = _printed(_SNIPPET)
    # torch was not imported (nor left marked absent: a None entry would count as "in"), and
    # thinc knows it has no torch
    assert out == ["False", "False"]


def test_torch_stays_importable_after_the_tagger_when_installed() -> None:
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (the train extra)")
    out = _printed("import docproc.reading.nlp, torch; print(torch.tensor([1, 2]).sum().item())")
    assert out == ["3"]
