"""The form layout randomiser: eight families, reproducible pages, truth a reader can meet."""

from __future__ import annotations

import re

import numpy as np
import pytest

from docproc.synth.form_layouts import FAMILIES, LABELS, render_random_form


def test_there_are_at_least_eight_families() -> None:
    assert len(FAMILIES) >= 8 and len(set(FAMILIES)) == len(FAMILIES)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_renders_a_reproducible_a4_page(family: str) -> None:
    a = render_random_form(31, family)
    b = render_random_form(31, family)
    assert a.family == family and a.image.shape == (2339, 1654, 3)
    assert np.array_equal(a.image, b.image) and a.expected == b.expected
    assert {"name", "sex", "nationality", "birth_date", "place_of_birth"} <= set(a.expected)
    assert a.expected["sex"] in ("M", "F")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", a.expected["birth_date"])
    assert re.fullmatch(r"[A-Z]{3}", a.expected["nationality"])
    if "phone" in a.expected:
        assert re.fullmatch(r"\+62\d{9,12}", a.expected["phone"])
    assert set(a.labels) <= set(LABELS)


def test_layouts_vary_within_a_family() -> None:
    labels = {tuple(render_random_form(seed, "table").labels.values()) for seed in range(6)}
    languages = {render_random_form(seed).language for seed in range(12)}
    assert len(labels) == 6 and languages == {"en", "id", "bi"}


def test_stateless_applicants_are_printed_as_words() -> None:
    stateless = [
        f
        for f in (render_random_form(seed) for seed in range(60))
        if f.expected["nationality"] == "XXA"
    ]
    assert stateless
    assert all(
        f.printed["nationality"] in ("Stateless", "Tanpa kewarganegaraan") for f in stateless
    )
