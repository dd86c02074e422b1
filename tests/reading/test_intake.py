"""Intake: every format to BGR pages, every limit and every kind of bad file to its reason code."""

from __future__ import annotations

import io
import struct
import time
import warnings
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, TiffImagePlugin

from docproc.config import Settings
from docproc.errors import (
    CorruptImage,
    DocprocError,
    EmptyFile,
    FileNotReadable,
    ImageTooLarge,
    TooManyPages,
    UnsupportedFormat,
)
from docproc.reading import intake
from docproc.reading.intake import PageImage, detect_format, iter_pages, load_pages, load_path
from tests.paths import REPO

ERRORS_DOC = REPO / "docs" / "errors.md"
RED_BGR = (0, 0, 255)
BLUE_BGR = (255, 0, 0)
WHITE_BGR = (255, 255, 255)


# --- building test files -------------------------------------------------------------------------


def marked_image(width: int = 60, height: int = 40) -> Image.Image:
    """Blue page with a red top-left quadrant, so orientation and channel order can be checked."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[:, :] = (0, 0, 255)  # RGB blue
    pixels[: height // 2, : width // 2] = (255, 0, 0)  # RGB red
    return Image.fromarray(pixels)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def multipage(fmt: str, sizes: list[tuple[int, int]], **options: object) -> bytes:
    pages = [marked_image(w, h) for w, h in sizes]
    buffer = io.BytesIO()
    pages[0].save(buffer, format=fmt, save_all=True, append_images=pages[1:], **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_bomb(width: int = 20_000, height: int = 10_000) -> bytes:
    """A valid-looking PNG of under 100 bytes whose header claims ``width``×``height`` RGB."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def tiff_bomb(width: int = 20_000, height: int = 10_000) -> bytes:
    """A hand-made uncompressed greyscale TIFF whose single strip is far too short."""
    entries = [
        (256, 4, 1, width),  # ImageWidth, LONG
        (257, 4, 1, height),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # Photometric: black is zero
        (273, 4, 1, 8),  # StripOffsets
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, width * height),  # StripByteCounts
    ]
    ifd_offset = 8 + 16
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", ifd_offset) + b"\0" * 16 + ifd


def patched(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


def jpeg_bomb() -> bytes:
    data = encode(marked_image(16, 16), "JPEG")
    sof = data.index(b"\xff\xc0")
    return patched(data, sof + 5, struct.pack(">HH", 10_000, 20_000))  # height, width


def bmp_bomb() -> bytes:
    data = encode(marked_image(16, 16), "BMP")
    return patched(data, 18, struct.pack("<ii", 20_000, 10_000))


def webp_bomb() -> bytes:
    # VP8L (lossless) header: 14-bit width-1 and height-1 after the 0x2f signature byte.
    data = encode(marked_image(16, 16), "WEBP", lossless=True)
    assert data[12:16] == b"VP8L"
    bits = (16_000 - 1) | ((16_000 - 1) << 14)
    return patched(data, 21, struct.pack("<I", bits | (data[24] & 0xF0) << 24))


def page_colour(page: PageImage, y: float, x: float) -> tuple[int, int, int]:
    """The BGR colour at a relative position, as a tuple."""
    height, width = page.image.shape[:2]
    b, g, r = page.image[int(y * height), int(x * width)]
    return int(b), int(g), int(r)


def close_to(actual: tuple[int, int, int], expected: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - e) <= tol for a, e in zip(actual, expected, strict=True))


def assert_bgr_page(page: PageImage) -> None:
    assert page.image.dtype == np.uint8
    assert page.image.ndim == 3
    assert page.image.shape[2] == 3
    assert page.image.flags["C_CONTIGUOUS"]


# --- formats -------------------------------------------------------------------------------------

LOSSLESS: list[tuple[str, Callable[[], bytes]]] = [
    ("png", lambda: encode(marked_image(), "PNG")),
    ("bmp", lambda: encode(marked_image(), "BMP")),
    ("tiff", lambda: encode(marked_image(), "TIFF")),
    ("tiff", lambda: encode(marked_image(), "TIFF", compression="tiff_lzw")),
    ("webp", lambda: encode(marked_image(), "WEBP", lossless=True)),
]


@pytest.mark.parametrize(("fmt", "make"), LOSSLESS, ids=["png", "bmp", "tiff", "tiff-lzw", "webp"])
def test_lossless_formats_round_trip_exactly(fmt: str, make: Callable[[], bytes]) -> None:
    pages = load_pages(make(), filename=f"scan.{fmt}")
    assert len(pages) == 1
    page = pages[0]
    assert_bgr_page(page)
    assert (page.index, page.source_format) == (0, fmt)
    assert page.image.shape == (40, 60, 3)
    assert page_colour(page, 0.1, 0.1) == RED_BGR
    assert page_colour(page, 0.9, 0.9) == BLUE_BGR


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_lossy_formats_round_trip(fmt: str) -> None:
    (page,) = load_pages(encode(marked_image(), fmt, quality=95))
    assert_bgr_page(page)
    assert page.source_format == fmt.lower()
    assert page.image.shape == (40, 60, 3)
    assert close_to(page_colour(page, 0.1, 0.1), RED_BGR)
    assert close_to(page_colour(page, 0.9, 0.9), BLUE_BGR)


def test_every_page_of_a_multipage_tiff() -> None:
    sizes = [(60, 40), (30, 20), (50, 70)]
    pages = load_pages(multipage("TIFF", sizes), filename="archive.tif")
    assert [p.index for p in pages] == [0, 1, 2]
    assert [p.image.shape[:2] for p in pages] == [(h, w) for w, h in sizes]
    assert all(p.source_format == "tiff" for p in pages)
    assert all(page_colour(p, 0.1, 0.1) == RED_BGR for p in pages)


def test_each_tiff_page_has_its_own_orientation() -> None:
    buffer = io.BytesIO()
    with TiffImagePlugin.AppendingTiffWriter(buffer, new=True) as writer:
        for orientation in (1, 6, 8):
            exif = Image.Exif()
            exif[0x0112] = orientation
            marked_image(60, 40).save(writer, "TIFF", exif=exif)
            writer.newFrame()
    upright, clockwise, anticlockwise = load_pages(buffer.getvalue())
    assert upright.image.shape == (40, 60, 3)
    assert page_colour(upright, 0.1, 0.1) == RED_BGR
    assert clockwise.image.shape == anticlockwise.image.shape == (60, 40, 3)
    assert page_colour(clockwise, 0.1, 0.9) == RED_BGR  # top-left turned to top-right
    assert page_colour(anticlockwise, 0.9, 0.1) == RED_BGR  # top-left turned to bottom-left


def test_every_page_of_a_pdf_rendered_at_the_configured_dpi() -> None:
    # Pillow writes each 200×100 px page at 100 dpi: 144×72 pt; at 50 dpi that is 100×50 px.
    data = multipage("PDF", [(200, 100), (100, 200)], resolution=100.0)
    pages = load_pages(data, filename="visa.pdf", settings=Settings(pdf_dpi=50))
    assert [p.index for p in pages] == [0, 1]
    assert [p.image.shape for p in pages] == [(50, 100, 3), (100, 50, 3)]
    for page in pages:
        assert_bgr_page(page)
        assert page.source_format == "pdf"
        assert page.dpi == 50.0
        assert close_to(page_colour(page, 0.1, 0.1), RED_BGR)
        assert close_to(page_colour(page, 0.9, 0.9), BLUE_BGR)


def test_iter_pages_yields_pdf_pages_one_by_one() -> None:
    data = multipage("PDF", [(40, 40)] * 3, resolution=72.0)
    pages = iter_pages(data, settings=Settings(pdf_dpi=72))
    first = next(pages)
    assert first.index == 0
    assert [p.index for p in pages] == [1, 2]


def test_declared_dpi_is_reported() -> None:
    (page,) = load_pages(encode(marked_image(), "PNG", dpi=(300, 300)))
    assert page.dpi == pytest.approx(300, abs=0.5)
    (page,) = load_pages(encode(marked_image(), "BMP"))
    assert page.dpi is None or page.dpi > 0


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_exif_orientation_6_is_applied(fmt: str) -> None:
    # Orientation 6: the camera was turned; the stored 60×40 picture must be turned 90° clockwise.
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(marked_image(60, 40), fmt, exif=exif.tobytes(), quality=95)
    (page,) = load_pages(data, filename=f"phone.{fmt.lower()}")
    assert page.image.shape == (60, 40, 3)
    # The red top-left quadrant ends up top-right.
    assert close_to(page_colour(page, 0.1, 0.9), RED_BGR)
    assert close_to(page_colour(page, 0.1, 0.1), BLUE_BGR)
    assert close_to(page_colour(page, 0.9, 0.9), BLUE_BGR)


def _photo(mode: str) -> Image.Image:
    """A page-like picture with fine detail (a gradient, print-sized marks and noise), so that any
    difference between two decoders' rounding or upsampling shows."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:240, 0:360]
    base = np.stack([180 + 40 * np.sin(x / 23.0), 200 - y / 4.0, 150 + x / 5.0], axis=-1)
    base[60:180:12, 30:330] -= 120  # rows of dark marks
    pixels = np.clip(base + rng.normal(0, 9, base.shape), 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).convert(mode)


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_jpeg_pages_decoded_by_opencv_carry_pillows_pixels(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JPEG pages, RGB or grey, go straight to BGR through OpenCV: the very pixels Pillow's path
    gives (which every other page takes), chroma upsampling included."""
    data = encode(_photo(mode), "JPEG", quality=85)
    assert intake._opencv_decodes(data, intake._open_raster(data, "jpeg", "x"), "jpeg")
    (fast,) = load_pages(data, filename="desk.img")
    monkeypatch.setattr(intake, "_opencv_decodes", lambda *_: False)
    (pillow,) = load_pages(data, filename="desk.img")
    assert_bgr_page(fast)
    assert fast.image.shape == pillow.image.shape == (240, 360, 3)
    assert np.array_equal(fast.image, pillow.image)
    assert (fast.source_format, fast.dpi) == (pillow.source_format, pillow.dpi)


def _exif_turned_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(marked_image(), "JPEG", exif=exif.tobytes())


@pytest.mark.parametrize(
    ("fmt", "make"),
    [
        ("jpeg", _exif_turned_jpeg),
        ("png", lambda: encode(_photo("RGB"), "PNG")),  # Pillow inflates it faster
        ("png", lambda: encode(marked_image().convert("RGBA"), "PNG")),
        ("png", lambda: encode(marked_image().convert("P"), "PNG")),
        ("png", lambda: encode(Image.fromarray(np.full((8, 8), 40000, np.uint16)), "PNG")),
        ("jpeg", lambda: encode(marked_image().convert("CMYK"), "JPEG")),
    ],
    ids=["exif-turned", "png", "alpha", "palette", "16-bit", "cmyk"],
)
def test_pages_opencv_would_decode_otherwise_take_pillows_path(
    fmt: str, make: Callable[[], bytes]
) -> None:
    data = make()
    assert not intake._opencv_decodes(data, intake._open_raster(data, fmt, "x"), fmt)


# --- colour modes --------------------------------------------------------------------------------


def test_16_bit_greyscale_png_keeps_its_tones() -> None:
    ramp = np.array([[0, 0x4000, 0x8000, 0xFFFF]] * 4, dtype=np.uint16)
    source = Image.fromarray(ramp)
    assert source.mode.startswith("I;16")
    (page,) = load_pages(encode(source, "PNG"))
    assert_bgr_page(page)
    assert page.image[0, :, 0].tolist() == [0, 0x40, 0x80, 0xFF]
    assert np.array_equal(page.image[:, :, 0], page.image[:, :, 2])


def test_16_bit_greyscale_tiff_keeps_its_tones() -> None:
    ramp = np.array([[0, 0x4000, 0x8000, 0xFFFF]] * 4, dtype=np.uint16)
    (page,) = load_pages(encode(Image.fromarray(ramp), "TIFF"))
    assert page.image[0, :, 1].tolist() == [0, 0x40, 0x80, 0xFF]


def test_float_tiff_is_scaled() -> None:
    values = np.array([[0.0, 0.5, 1.0]] * 3, dtype=np.float32)
    (page,) = load_pages(encode(Image.fromarray(values, mode="F"), "TIFF"))
    assert page.image[0, :, 0].tolist() == [0, 127, 255]


def test_rgba_is_composited_onto_white() -> None:
    pixels = np.zeros((10, 30, 4), dtype=np.uint8)
    pixels[:, :10] = (255, 0, 0, 255)  # opaque red
    pixels[:, 10:20] = (0, 0, 0, 0)  # fully transparent
    pixels[:, 20:] = (0, 0, 0, 128)  # half-transparent black
    (page,) = load_pages(encode(Image.fromarray(pixels), "PNG"))
    assert page_colour(page, 0.5, 0.1) == RED_BGR
    assert page_colour(page, 0.5, 0.5) == WHITE_BGR
    assert close_to(page_colour(page, 0.5, 0.9), (127, 127, 127), tol=2)


def test_palette_with_transparency_is_composited_onto_white() -> None:
    image = Image.new("P", (8, 8), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * (254 * 3))
    image.paste(1, (0, 0, 4, 8))
    (page,) = load_pages(encode(image, "PNG", transparency=0))
    assert page_colour(page, 0.5, 0.1) == RED_BGR
    assert page_colour(page, 0.5, 0.9) == WHITE_BGR


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("L", "PNG"), ("L", "JPEG"), ("1", "PNG"), ("1", "TIFF"), ("LA", "PNG"), ("P", "BMP")],
)
def test_grey_bilevel_and_palette_become_three_equal_channels(mode: str, fmt: str) -> None:
    image = marked_image().convert("L").point(lambda v: 0 if v < 60 else 255).convert(mode)
    (page,) = load_pages(encode(image, fmt))
    assert_bgr_page(page)
    assert page.image.shape == (40, 60, 3)
    assert np.array_equal(page.image[:, :, 0], page.image[:, :, 1])
    assert np.array_equal(page.image[:, :, 1], page.image[:, :, 2])


def test_cmyk_jpeg_becomes_bgr() -> None:
    image = Image.new("CMYK", (40, 40), (0, 255, 255, 0))  # red in CMYK
    (page,) = load_pages(encode(image, "JPEG", quality=95), filename="print.jpg")
    assert_bgr_page(page)
    assert close_to(page_colour(page, 0.5, 0.5), RED_BGR)


# --- format detection ----------------------------------------------------------------------------


def test_format_is_decided_by_content_not_name() -> None:
    (page,) = load_pages(encode(marked_image(), "PNG"), filename="scan.jpg")
    assert page.source_format == "png"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe0rest", "jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "png"),
        (b"II*\x00rest", "tiff"),
        (b"MM\x00*rest", "tiff"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"BM" + b"\0" * 12 + struct.pack("<I", 40) + b"\0" * 8, "bmp"),
        (b"%PDF-1.7\n", "pdf"),
        (b"\r\n junk from a scanner %PDF-1.4\n", "pdf"),
    ],
)
def test_detect_format_by_magic_bytes(data: bytes, expected: str) -> None:
    assert detect_format(data) == expected


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"Name: JOHN SMITH\nPassport: X1234567\n", "text file"),
        (b"GIF89a\x01\x00\x01\x00", "GIF"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC"),
        (b"PK\x03\x04\x14\x00", "ZIP"),
        (b"<!DOCTYPE html><html>", "HTML"),
        (b"BM not really a bitmap", "text file"),
        (bytes(range(200, 256)), "unrecognised data starting with c8 c9"),
    ],
)
def test_unsupported_content_is_named(data: bytes, found: str) -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        load_pages(data, filename="passport.jpg")
    assert caught.value.message.startswith("passport.jpg: ")
    assert found in caught.value.message
    assert caught.value.reason == "unsupported_format"


def test_empty_bytes() -> None:
    with pytest.raises(EmptyFile, match=r"^empty\.png: the file is empty"):
        load_pages(b"", filename="empty.png")


# --- corrupt files -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "WEBP", "BMP"])
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_truncated_image_is_corrupt(fmt: str, keep: float) -> None:
    data = encode(marked_image(120, 80), fmt)
    with pytest.raises(CorruptImage, match=r"^cut\.img: ") as caught:
        load_pages(data[: max(16, int(len(data) * keep))], filename="cut.img")
    assert caught.value.reason == "corrupt_image"


def test_truncated_pdf_is_corrupt() -> None:
    data = multipage("PDF", [(40, 40)] * 2)
    with pytest.raises(CorruptImage, match="the PDF cannot be opened"):
        load_pages(data[:60], filename="cut.pdf")


def test_tiff_with_a_bad_page_names_it() -> None:
    data = multipage("TIFF", [(60, 40), (60, 40)])
    with pytest.raises(DocprocError) as caught:
        load_pages(data[: len(data) - 400], filename="two.tif")
    assert isinstance(caught.value, CorruptImage)


# --- limits --------------------------------------------------------------------------------------

BOMBS: list[tuple[str, Callable[[], bytes]]] = [
    ("png", png_bomb),
    ("tiff", tiff_bomb),
    ("jpeg", jpeg_bomb),
    ("bmp", bmp_bomb),
    ("webp", webp_bomb),
]


@pytest.mark.parametrize(("fmt", "make"), BOMBS, ids=[fmt for fmt, _ in BOMBS])
def test_header_only_bomb_is_refused_before_decoding(fmt: str, make: Callable[[], bytes]) -> None:
    data = make()
    assert len(data) < 2_000
    before = Image.MAX_IMAGE_PIXELS
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even Pillow's DecompressionBombWarning
        with pytest.raises(ImageTooLarge) as caught:
            iter_pages(data, filename=f"photo.{fmt}", settings=Settings())  # refused eagerly
    assert time.perf_counter() - started < 0.5  # 200 Mpx RGB would take seconds to allocate
    assert "exceeds the limit of 80,000,000" in caught.value.message
    assert caught.value.message.startswith(f"photo.{fmt}")
    assert before == Image.MAX_IMAGE_PIXELS


def test_bomb_message_names_file_and_counts() -> None:
    with pytest.raises(ImageTooLarge) as caught:
        load_pages(png_bomb(), filename="photo.png", settings=Settings(max_pixels=80_000_000))
    assert caught.value.message == (
        "photo.png: 200,000,000 pixels (20,000×10,000) exceeds the limit of 80,000,000"
    )


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "JPEG", "WEBP", "BMP"])
def test_pillows_global_limit_does_not_warn_and_is_not_changed(
    monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    # docproc's limit decides: a 2,400-pixel image within it loads without Pillow's
    # DecompressionBombWarning although Pillow's own (warning) limit is lower.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (page,) = load_pages(encode(marked_image(), fmt), settings=Settings(max_pixels=10_000))
    assert page.image.shape == (40, 60, 3)
    assert Image.MAX_IMAGE_PIXELS == 2_000


def test_pillows_hard_tiff_limit_still_gives_image_too_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pillow's TIFF loader refuses more than twice its global limit; that stays a reason code.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    with pytest.raises(ImageTooLarge, match=r"^scan.tif: "):
        load_pages(
            encode(marked_image(), "TIFF"), filename="scan.tif", settings=Settings(max_pixels=10**6)
        )


def test_pixel_limit_applies_to_every_tiff_page() -> None:
    data = multipage("TIFF", [(10, 10), (10, 10), (200, 100)])
    with pytest.raises(ImageTooLarge, match=r"^big.tif page 3: 20,000 pixels"):
        load_pages(data, filename="big.tif", settings=Settings(max_pixels=10_000))


def test_pdf_page_size_times_dpi_is_limited() -> None:
    # One 100×100 px image at 1 dpi is a 7200×7200 pt page: 20,000×20,000 px at 200 dpi.
    data = encode(marked_image(100, 100), "PDF", resolution=1.0)
    started = time.perf_counter()
    with pytest.raises(ImageTooLarge, match=r"^poster.pdf page 1 at 200 dpi: 400,000,000 pixels"):
        load_pages(data, filename="poster.pdf", settings=Settings(pdf_dpi=200))
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("fmt", ["PDF", "TIFF"])
def test_too_many_pages(fmt: str) -> None:
    data = multipage(fmt, [(20, 20)] * 5)
    with pytest.raises(TooManyPages, match=r"^long\.file: ") as caught:
        iter_pages(data, filename="long.file", settings=Settings(max_pages=3))
    assert caught.value.reason == "too_many_pages"
    assert len(load_pages(data, settings=Settings(max_pages=5))) == 5


def test_too_many_bytes_in_memory() -> None:
    data = encode(marked_image(), "PNG")
    with pytest.raises(ImageTooLarge, match=rf"^big.png: {len(data):,} bytes exceeds the limit"):
        load_pages(data, filename="big.png", settings=Settings(max_file_bytes=100))


# --- load_path -----------------------------------------------------------------------------------


def test_load_path_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpeg"
    path.write_bytes(encode(marked_image(), "PNG"))
    (page,) = load_path(path)
    assert page.source_format == "png"
    (page,) = load_path(str(path))
    assert page.image.shape == (40, 60, 3)


def test_load_path_refuses_a_big_file_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.tif"
    with path.open("wb") as fh:
        fh.truncate(10_000_000)  # sparse: its size is known without reading
    with pytest.raises(
        ImageTooLarge, match=r"huge.tif: 10,000,000 bytes exceeds the limit of 1,000"
    ):
        load_path(path, settings=Settings(max_file_bytes=1_000))


def test_load_path_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.jpg"
    path.write_bytes(b"")
    with pytest.raises(EmptyFile, match=r"blank\.jpg"):
        load_path(path)


@pytest.mark.parametrize("name", ["missing.jpg", "dir"])
def test_load_path_unreadable(tmp_path: Path, name: str) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(FileNotReadable, match=name) as caught:
        load_path(tmp_path / name)
    assert caught.value.reason == "file_not_found"


def test_hostile_file_name_cannot_forge_log_lines() -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        load_pages(b"hello", filename="a.jpg\nERROR fake entry")
    assert "\n" not in caught.value.message
    assert caught.value.message.startswith("a.jpg?ERROR fake entry: ")


# --- arbitrary and mutated bytes -----------------------------------------------------------------

SAMPLES = [
    encode(marked_image(24, 16), "JPEG"),
    encode(marked_image(24, 16), "PNG"),
    encode(marked_image(24, 16).convert("RGBA"), "PNG"),
    multipage("TIFF", [(24, 16), (16, 24)]),
    encode(marked_image(24, 16), "TIFF", compression="tiff_deflate"),
    encode(marked_image(24, 16), "WEBP"),
    encode(marked_image(24, 16), "BMP"),
    multipage("PDF", [(24, 16), (16, 24)]),
]
SMALL_LIMITS = Settings(max_pixels=1_000_000, max_pages=5, pdf_dpi=72)


def load_or_docproc_error(data: bytes) -> None:
    try:
        pages = load_pages(data, filename="fuzz.bin", settings=SMALL_LIMITS)
    except DocprocError as exc:
        assert exc.message.startswith("fuzz.bin")
        return
    for page in pages:
        assert_bgr_page(page)
        assert page.image.shape[0] * page.image.shape[1] <= SMALL_LIMITS.max_pixels


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's notes on corrupt TIFF/EXIF metadata
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2_000))
def test_arbitrary_bytes_give_pages_or_a_docproc_error(data: bytes) -> None:
    load_or_docproc_error(data)


@pytest.mark.parametrize("warning_action", ["ignore", "error"])  # also under `python -W error`
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_damaged_files_give_pages_or_a_docproc_error(
    warning_action: Literal["ignore", "error"],
    sample: bytes,
    flips: list[tuple[int, int]],
    keep: float,
) -> None:
    data = bytearray(sample)
    for position, value in flips:
        data[position % len(data)] = value
    with warnings.catch_warnings():
        warnings.simplefilter(warning_action)
        load_or_docproc_error(bytes(data[: max(1, int(len(data) * keep))]))


# --- concurrency and documentation ---------------------------------------------------------------


def test_pdfs_can_be_loaded_from_several_threads() -> None:
    data = multipage("PDF", [(60, 40)] * 3, resolution=72.0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda _: load_pages(data, settings=Settings(pdf_dpi=72)), range(8))
        )
    assert all([p.image.shape for p in pages] == [(40, 60, 3)] * 3 for pages in results)


def test_a_tiff_page_whose_strip_offsets_are_not_numbers_is_corrupt() -> None:
    """Found by the damaged-files property test: a strip-offsets tag damaged into bytes is a
    corrupt image with its reason, not a ValueError."""
    from types import SimpleNamespace

    from docproc.reading.intake import _check_tiff_page_data

    page: Any = SimpleNamespace(tag_v2={273: (b"\x80",), 279: (10,)})
    with pytest.raises(CorruptImage, match="unreadable strip or tile offsets"):
        _check_tiff_page_data(page, 1000, "scan.tif", 1)
