"""Intake refuses a file cut short from its bytes (``check_complete``, ``check_file``) and a page
of noise by its busy-pixel budget (``busyness``), both before any reading."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from docproc.config import Settings
from docproc.errors import CorruptImage, ImageTooLarge
from docproc.reading import intake
from docproc.reading.intake import busyness, check_complete, check_file, load_pages
from tests.paths import REPO

SAMPLES = sorted((REPO / "samples" / "images").glob("*.jpg"))
SPECIMENS = REPO.parent / "shared" / "specimens" / "images"


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _page(width: int = 320, height: int = 200) -> Image.Image:
    """A small document-like page: paper with a few dark bars of 'text'."""
    pixels = np.full((height, width), 235, dtype=np.uint8)
    for top in range(20, height - 20, 24):
        pixels[top : top + 8, 20 : width - 40] = 30
    return Image.fromarray(pixels).convert("RGB")


def _noise(width: int, height: int, seed: int = 7) -> Image.Image:
    values = np.random.default_rng(seed).integers(0, 2, (height, width), dtype=np.uint8) * 255
    return Image.fromarray(values)


def _pdf(image: Image.Image) -> bytes:
    return _encode(image, "PDF", resolution=200.0)


WHOLE = {
    "jpeg": lambda: _encode(_page(), "JPEG", quality=90),
    "png": lambda: _encode(_page(), "PNG"),
    "tiff": lambda: _encode(_page(), "TIFF"),
    "webp": lambda: _encode(_page(), "WEBP", lossless=True),
    "bmp": lambda: _encode(_page(), "BMP"),
    "pdf": lambda: _pdf(_page()),
}


@pytest.mark.parametrize("fmt", sorted(WHOLE))
def test_a_whole_file_passes_and_so_does_trailing_junk(fmt: str) -> None:
    data = WHOLE[fmt]()
    check_complete(data, filename=f"page.{fmt}")
    assert check_file(data, filename=f"page.{fmt}", settings=Settings()) == fmt
    if fmt in ("jpeg", "png", "pdf"):  # bytes after the end (phones, scanners) are tolerated
        check_complete(data + b"\x00" * 100, filename=f"page.{fmt}")


@pytest.mark.parametrize("fmt", sorted(WHOLE))
@pytest.mark.parametrize("keep", [0.5, 0.9, -2])
def test_a_file_cut_short_is_refused_as_truncated(fmt: str, keep: float) -> None:
    """Cut at half, at 90 % and by the last two bytes (a JPEG's end marker, the end of a PNG's
    IEND, of %%EOF): refused from the bytes alone, with the existing ``corrupt_image`` code."""
    data = WHOLE[fmt]()
    cut = data[: int(len(data) * keep)] if keep > 0 else data[: int(keep)]
    with pytest.raises(CorruptImage) as caught:
        check_file(cut, filename=f"cut.{fmt}", settings=Settings())
    assert caught.value.reason == "corrupt_image"
    assert caught.value.message.startswith(f"cut.{fmt}: ")
    with pytest.raises(CorruptImage):
        load_pages(cut, filename=f"cut.{fmt}")  # the reading path says the same


def test_the_truncated_jpeg_of_the_probe_is_named() -> None:
    """The probe's case: a JPEG whose tail is gone parses (its header is whole) and used to be
    accepted at upload; now the message says what is missing."""
    data = WHOLE["jpeg"]()
    with pytest.raises(CorruptImage) as caught:
        check_complete(data[: len(data) - 300], filename="photo.jpg")
    assert "truncated" in caught.value.message and "end marker" in caught.value.message
    assert caught.value.fix  # the catalogue's "scan or export it again"


def test_a_pdf_that_pdfium_still_opens_when_cut_is_refused() -> None:
    data = _pdf(_page())
    cut = data[: data.rindex(b"%%EOF")]  # everything but the end marker
    with pytest.raises(CorruptImage, match="%%EOF"):
        check_file(cut, filename="cut.pdf", settings=Settings())


def test_a_multipage_tiff_with_its_last_page_cut_names_that_page() -> None:
    pages = [_page(), _page(200, 320)]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:])
    data = buffer.getvalue()
    offsets = []
    image = Image.open(io.BytesIO(data))
    for index in range(2):
        image.seek(index)
        offsets.append(max(image.tag_v2[273]))  # type: ignore[attr-defined]
    cut = data[: max(offsets) + 10]  # the second page's strips end past the cut
    with pytest.raises(CorruptImage, match="TIFF page") as caught:
        check_complete(cut, filename="two.tif")
    assert "truncated" in caught.value.message


# --- the busy-pixel budget ------------------------------------------------------------------------


def test_noise_is_about_one_bit_per_pixel_and_documents_far_less() -> None:
    noise = np.asarray(_noise(2000, 64))
    assert busyness([noise]) > 0.95
    grey_noise = np.random.default_rng(3).integers(0, 256, (64, 2000), dtype=np.uint8)
    assert busyness([grey_noise]) > 0.95
    assert busyness([np.asarray(_page(2000, 64).convert("L"))]) < 0.1
    assert busyness([]) == 0.0


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_scan_is_far_from_noise_and_loads(path: object) -> None:
    image = Image.open(str(path))
    image.load()
    bits = busyness(intake._pil_strips(image))
    assert bits < intake.NOISE_BITS / 2, bits
    assert load_pages(open(str(path), "rb").read(), filename="sample.jpg")  # noqa: SIM115


@pytest.mark.skipif(not SPECIMENS.is_dir(), reason="no shared specimens")
def test_real_specimen_photos_are_under_the_noise_line() -> None:
    values = []
    for path in sorted(SPECIMENS.iterdir()):
        try:
            image = Image.open(path)
            image.load()
        except OSError:
            continue
        values.append(busyness(intake._pil_strips(image)))
    assert values and max(values) < intake.NOISE_BITS, max(values)


@pytest.mark.parametrize("mode", ["1", "L"])
def test_a_page_of_noise_is_refused_as_too_large_before_reading(mode: str) -> None:
    """A 1,000 × 1,000 PNG of noise (under every header limit; the readers spent 39 s of OCR
    timeouts on it, 70-90 s at 9 to 79 megapixels) is refused by the intake itself."""
    data = _encode(_noise(1000, 1000).convert(mode), "PNG")
    assert check_file(data, filename="noise.png", settings=Settings()) == "png"  # headers pass
    with pytest.raises(ImageTooLarge) as caught:
        load_pages(data, filename="noise.png", settings=Settings())
    assert caught.value.reason == "image_too_large"
    assert "of noise, not a document" in caught.value.message
    assert caught.value.message.startswith("noise.png: 1,000,000 pixels (1,000×1,000)")


def test_a_pdf_page_of_noise_is_refused() -> None:
    data = _encode(_noise(1200, 1200).convert("L"), "PDF", resolution=200.0)
    with pytest.raises(ImageTooLarge, match=r"page 1: .* of noise"):
        load_pages(data, filename="noise.pdf", settings=Settings())


def test_busy_pixels_over_the_budget_are_refused_and_the_budget_can_be_off() -> None:
    data = _encode(_page(1200, 900), "PNG")  # 1.08 Mpx, not noise
    assert load_pages(data, filename="page.png", settings=Settings())
    with pytest.raises(ImageTooLarge, match="busy pixels exceed the limit of 1,000"):
        load_pages(data, filename="page.png", settings=Settings(max_busy_pixels=1_000))
    noise = _encode(_noise(700, 700), "PNG")
    pages = load_pages(noise, filename="noise.png", settings=Settings(max_busy_pixels=0))
    assert pages[0].image.shape == (700, 700, 3)


def test_a_small_page_is_not_sampled() -> None:
    """At most 250,000 pixels, noise or not, a page is left to the time limits."""
    pages = load_pages(_encode(_noise(500, 500), "PNG"), filename="small.png")
    assert pages[0].image.shape == (500, 500, 3)
