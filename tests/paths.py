"""Where the tests find the repository's own files (samples, docs, docker)."""

from pathlib import Path

#: The repository's root (a checkout; the tests run from one).
REPO = Path(__file__).resolve().parents[1]
