"""The holder's portrait: found on a real data page, not found where there is no face."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from docproc.reading.intake import load_path
from docproc.reading.portrait import find_portrait, portrait_jpeg
from tests.paths import REPO

SPECIMENS = REPO.parent / "shared/specimens/images"
SAMPLES = REPO / "samples"


def _specimen(name: str) -> np.ndarray:
    path = SPECIMENS / name
    if not path.exists():
        pytest.skip("shared/specimens not available")
    return load_path(path)[0].image


@pytest.mark.parametrize(
    ("name", "inside"),
    [
        # (file, a point of the printed photo: x, y in page pixels)
        ("pe_100_pass-fin.png", (110, 160)),
        ("yushulx_passport.jpg", (180, 600)),
    ],
)
def test_the_holders_photo_on_a_passport_page_is_found(name: str, inside: tuple[int, int]) -> None:
    image = _specimen(name)
    found = find_portrait(image, page=0)
    assert found is not None
    x, y, w, h = found.box
    assert x <= inside[0] <= x + w and y <= inside[1] <= y + h
    height, width = image.shape[:2]
    assert x >= 0 and y >= 0 and x + w <= width and y + h <= height
    assert h > w  # a portrait photo is taller than wide
    assert w * h < 0.25 * width * height  # the photo, not the page
    crop = cv2.imdecode(np.frombuffer(portrait_jpeg(image, found), np.uint8), cv2.IMREAD_COLOR)
    assert crop is not None and crop.shape[:2] == (h, w)
    assert found.to_json() == {
        "page": 0,
        "box": [x, y, w, h],
        "confidence": round(found.confidence, 3),
    }


def test_a_page_without_a_face_has_no_portrait() -> None:
    """A synthetic passport (its photo box holds no face) and a payment card have none."""
    sample = load_path(SAMPLES / "images" / "01_td3_clean_idn.jpg")
    assert find_portrait(sample[0].image) is None
    assert find_portrait(_specimen("neg_fastmrz_nomrz.jpg")) is None


def test_a_blank_or_tiny_page_has_no_portrait() -> None:
    assert find_portrait(np.full((600, 400, 3), 255, np.uint8)) is None
    assert find_portrait(np.zeros((10, 10, 3), np.uint8)) is None
