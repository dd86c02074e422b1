"""Percentiles of 8-bit grey levels from the histogram: numpy's figures, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from docproc.reading.ocr.levels import percentiles


@pytest.mark.parametrize("seed", range(6))
def test_the_histogram_gives_numpys_percentiles_exactly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for size in (1, 2, 7, 333, 48 * 1100):
        uniform = rng.integers(0, 256, size).astype(np.uint8)
        printed = np.clip(rng.normal(170, 60, size), 0, 255).astype(np.uint8)  # paper and ink
        for gray in (uniform, printed, uniform.reshape(1, -1)):
            for qs in ((90.0, 3.0), (2.0, 98.0), (0.0, 50.0, 100.0)):
                want = [float(v) for v in np.percentile(gray.astype(np.float32), qs)]
                assert percentiles(gray, qs) == want


def test_a_flat_crop_has_its_one_level_everywhere() -> None:
    assert percentiles(np.full((40, 300), 201, np.uint8), (3, 90)) == [201.0, 201.0]


def test_only_8_bit_levels_and_some_pixels_are_taken() -> None:
    with pytest.raises(TypeError, match="8-bit"):
        percentiles(np.zeros((4, 4), np.float32), (50,))
    with pytest.raises(ValueError, match="no pixels"):
        percentiles(np.zeros((0, 4), np.uint8), (50,))
