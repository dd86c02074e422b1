"""Document warnings (facts about the document) apart from review reasons (doubts about the
reading), and the installation setting that routes some warnings to review."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from docproc.config import Settings
from docproc.db.models import DocumentStatus
from docproc.processing.outcome import routed_warnings, summarise
from docproc.reading.document import read_file
from tests.paths import REPO

SAMPLES = REPO / "samples"
REGISTRATION_DAY = date(2026, 11, 29)


def _read(name: str) -> Any:
    entry = next(e for e in json.loads((SAMPLES / "labels.json").read_text()) if name in e["file"])
    result = read_file(SAMPLES / entry["file"])
    assert result.mrz is not None and list(result.mrz.parsed.lines) == entry["mrz"]
    return result


def test_an_expired_document_read_right_is_accepted_with_the_warning() -> None:
    result = _read("04_mrva_clean_idn")  # expires 2025-04-23
    outcome = summarise(result, frozenset({"mrz_viz_mismatch"}), REGISTRATION_DAY)
    assert outcome.status is DocumentStatus.done and outcome.reason is None
    assert outcome.warnings == ("expired",)
    assert outcome.mrz_json is not None and outcome.mrz_json["document_warnings"] == ["expired"]


def test_a_minor_is_flagged_and_an_installation_may_route_minors_to_review() -> None:
    result = _read("03_td2_clean")  # born 2017-12-26
    flagged = summarise(result, frozenset(), REGISTRATION_DAY)
    assert "minor" in flagged.warnings and flagged.status is DocumentStatus.done
    routed = summarise(result, frozenset({"minor"}), REGISTRATION_DAY)
    assert routed.status is DocumentStatus.needs_review and routed.reason == "minor"


@pytest.mark.parametrize(
    ("value", "kinds"),
    [
        ("mrz_viz_mismatch", {"mrz_viz_mismatch"}),
        ("expired, minor", {"expired", "minor"}),
        ("", set()),
    ],
)
def test_the_review_warnings_setting(value: str, kinds: set[str]) -> None:
    assert routed_warnings(Settings(review_warnings=value)) == kinds


def test_by_default_only_a_mismatch_goes_to_review() -> None:
    assert routed_warnings(Settings()) == {"mrz_viz_mismatch"}
