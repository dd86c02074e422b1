"""Intake: the bytes of one uploaded file -> upright BGR page images, within limits.

Files come from registration desks, phones and archives; some are corrupt and some are hostile.
So intake

* decides the format by magic bytes, never by the file name;
* enforces every limit (bytes, pixels per page, pages per file) from headers *before* decoding,
  so a decompression bomb is refused without allocating its pixels;
* refuses a file that was cut short (:func:`check_complete`: no JPEG end marker, no PNG ``IEND``,
  image data past the end of a TIFF, WebP or BMP, no PDF ``%%EOF``), also from the bytes alone,
  so an upload can be refused before it is stored (:func:`check_file`);
* keeps a budget of *busy* pixels once a page of more than 250,000 pixels is decoded
  (:func:`busyness`): a page whose content is noise -- which no scan of a document is, and
  which costs the readers minutes and gigabytes -- is refused as ``image_too_large`` before any
  reading, and so is a page whose pixels × busyness exceed ``DOCPROC_MAX_BUSY_PIXELS``;
* decodes the commonest pages (a JPEG, RGB or grey, no EXIF turn) with OpenCV straight into
  BGR, the same pixels as Pillow's path in half the CPU, and every other page, and any OpenCV
  cannot decode, with Pillow;
* turns every decoder failure into a :class:`~docproc.errors.DocprocError` with a reason code and a
  message naming the file and what was found -- never a Pillow or PDFium traceback.

Pillow's own bomb check (``Image.MAX_IMAGE_PIXELS``) is left as it is: images are opened through
the format plugins directly, so ``settings.max_pixels`` is the limit that counts, it is checked for
every page, and no ``DecompressionBombWarning`` is emitted for files that pass it.
"""

from __future__ import annotations

import io
import math
import os
import stat
import struct
import threading
import warnings
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

import cv2
import numpy as np
import numpy.typing as npt
from PIL import (
    BmpImagePlugin,
    ExifTags,
    Image,
    ImageFile,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
    features,
)

from docproc.config import Settings, get_settings
from docproc.errors import (
    CorruptImage,
    EmptyFile,
    FileNotReadable,
    ImageTooLarge,
    MissingDependency,
    TooManyPages,
    UnsupportedFormat,
)

__all__ = [
    "SUPPORTED_FORMATS",
    "PageImage",
    "busyness",
    "check_complete",
    "check_file",
    "detect_format",
    "iter_pages",
    "load_pages",
    "load_path",
]

SUPPORTED_FORMATS: Final = ("jpeg", "png", "tiff", "pdf", "webp", "bmp")

BGRImage = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class PageImage:
    """One page of an input file, ready for the MRZ and OCR stages."""

    index: int  # 0-based page number in the file
    image: BGRImage  # BGR uint8, HxWx3, EXIF orientation applied
    source_format: str  # one of SUPPORTED_FORMATS
    dpi: float | None  # horizontal resolution the file declares (PDF: the render dpi)


# Exceptions Pillow's decoders raise on bad data (ImageFile turns some into SyntaxError).
_DECODE_ERRORS: Final = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    OverflowError,
    Warning,  # Pillow's "corrupt data" warnings, when the interpreter runs with -W error
)

_PLUGINS: Final[dict[str, type[ImageFile.ImageFile]]] = {
    "jpeg": JpegImagePlugin.JpegImageFile,
    "png": PngImagePlugin.PngImageFile,
    "tiff": TiffImagePlugin.TiffImageFile,
    "webp": WebPImagePlugin.WebPImageFile,
    "bmp": BmpImagePlugin.BmpImageFile,
}

# PDFium is not thread-safe; every call into it holds this lock.
_PDFIUM_LOCK: Final = threading.Lock()

_WHITE: Final = (255, 255, 255)
_ALPHA_MODES: Final = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_HIGH_DEPTH_MODES: Final = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})
_BMP_HEADER_SIZES: Final = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


# --- format detection ----------------------------------------------------------------------------


def detect_format(data: bytes, *, filename: str = "") -> str:
    """Return the format of ``data`` (one of :data:`SUPPORTED_FORMATS`) from its magic bytes.

    Raises :class:`EmptyFile` for no bytes and :class:`UnsupportedFormat`, saying what the bytes
    look like, for anything else.
    """
    label = _label(filename)
    if not data:
        raise EmptyFile(f"{label}: the file is empty (0 bytes)")
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] in TiffImagePlugin.PREFIXES:
        return "tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM" and len(data) >= 18 and _le_u32(data, 14) in _BMP_HEADER_SIZES:
        return "bmp"
    # Readers accept a PDF header anywhere in the first KiB (some scanners prepend junk).
    if b"%PDF-" in data[:1024]:
        return "pdf"
    raise UnsupportedFormat(
        f"{label}: {_describe_unsupported(data)}, not a JPEG, PNG, TIFF, WebP, BMP or PDF file"
    )


def _le_u32(data: bytes, offset: int) -> int:
    value: int = struct.unpack_from("<I", data, offset)[0]
    return value


def _describe_unsupported(data: bytes) -> str:
    """A short human description of bytes docproc cannot read, for the error message."""
    head = data[:64]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF image"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"):
            return "a HEIC/HEIF photo (the iPhone camera format)"
        if brand in (b"avif", b"avis"):
            return "an AVIF image"
        return "a video or ISO media file"
    if head.startswith((b"\x00\x00\x00\x0cjP  ", b"\xff\x4f\xff\x51")):
        return "a JPEG 2000 image"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (or a Word/Office document)"
    if head.startswith(b"AT&TFORM"):
        return "a DjVu document"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Microsoft Office document"
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<?xml", b"<svg", b"<!doctype", b"<html")):
        return "an HTML, XML or SVG document"
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if all(ch.isprintable() or ch in "\r\n\t" for ch in text):
            return "a text file"
    return f"unrecognised data starting with {data[:8].hex(' ')}"


# --- public entry points -------------------------------------------------------------------------


def load_path(path: str | Path, settings: Settings | None = None) -> list[PageImage]:
    """Read one file (refusing it before reading if it is over ``max_file_bytes``) and load it."""
    settings = settings if settings is not None else get_settings()
    data = _read_capped(Path(path), settings.max_file_bytes)
    return load_pages(data, filename=str(path), settings=settings)


def load_pages(
    data: bytes, *, filename: str = "", settings: Settings | None = None
) -> list[PageImage]:
    """Decode every page of ``data`` into upright BGR images.

    ``filename`` is only used in error messages; the format is decided by the bytes. Raises an
    :class:`~docproc.errors.InputError` subclass for every problem with the file.
    """
    return list(iter_pages(data, filename=filename, settings=settings))


def iter_pages(
    data: bytes, *, filename: str = "", settings: Settings | None = None
) -> Iterator[PageImage]:
    """Like :func:`load_pages`, but decode (or render) one page at a time.

    Every limit -- bytes, page count, pixels of each page -- and the file's completeness are
    checked before this returns, so a file that is refused is refused before any page is
    produced. Decoding errors of a page, and a large page whose content is noise (the busy-pixel
    budget), are raised when that page is reached.
    """
    settings = settings if settings is not None else get_settings()
    label = _label(filename)
    _check_bytes(data, label, settings)
    fmt = detect_format(data, filename=filename)
    if fmt == "pdf":
        return _pdf_pages(data, label, settings)
    return _raster_pages(data, fmt, label, settings)


def check_file(data: bytes, *, filename: str = "", settings: Settings | None = None) -> str:
    """Every check intake makes without decoding a pixel, for an upload before it is stored:
    format, bytes, pages, pixels of each page, and that the file is whole (:func:`check_complete`).
    Returns the format; raises the :class:`~docproc.errors.InputError` a read would end with."""
    settings = settings if settings is not None else get_settings()
    label = _label(filename)
    _check_bytes(data, label, settings)
    fmt = detect_format(data, filename=filename)
    if fmt == "pdf":
        document, _count = _open_pdf(data, label, settings)
        with _PDFIUM_LOCK:
            document.close()
    else:
        _raster_pages(data, fmt, label, settings).close()  # headers only: nothing decoded
    return fmt


def check_complete(data: bytes, *, filename: str = "") -> None:
    """Refuse (``corrupt_image``) a file that was cut short, from its bytes alone: a JPEG without
    the end marker after its image data, a PNG without its ``IEND`` chunk (or a chunk running
    past the end), a TIFF page or a BMP whose image data lies past the end, a WebP shorter than
    its RIFF header says, a PDF without ``%%EOF`` at its end. A pure function: nothing decoded."""
    label = _label(filename)
    fmt = detect_format(data, filename=filename)
    _check_whole(data, fmt, label)
    if fmt == "tiff":
        image = _open_raster(data, fmt, label)
        index = 0
        while True:
            try:
                image.seek(index)
            except EOFError:
                return
            except _DECODE_ERRORS as exc:
                raise CorruptImage(
                    f"{label}: TIFF page {index + 1} cannot be read ({_reason(exc)})"
                ) from exc
            _check_tiff_page_data(image, len(data), label, index + 1)
            index += 1


def _check_bytes(data: bytes, label: str, settings: Settings) -> None:
    if len(data) > settings.max_file_bytes:
        raise ImageTooLarge(
            f"{label}: {len(data):,} bytes exceeds the limit of {settings.max_file_bytes:,} bytes"
        )


# --- reading the file ----------------------------------------------------------------------------


def _read_capped(path: Path, limit: int) -> bytes:
    label = _label(str(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileNotReadable(f"{label}: no such file") from None
    except (OSError, ValueError) as exc:
        raise FileNotReadable(f"{label}: cannot be read ({_reason(exc)})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise FileNotReadable(f"{label}: is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        # FIFOs, devices and sockets can block or never end.
        raise FileNotReadable(f"{label}: is not a regular file")
    if info.st_size > limit:
        raise ImageTooLarge(f"{label}: {info.st_size:,} bytes exceeds the limit of {limit:,} bytes")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)  # never more, even if the file grows meanwhile
    except OSError as exc:
        raise FileNotReadable(f"{label}: cannot be read ({_reason(exc)})") from exc
    if len(data) > limit:
        raise ImageTooLarge(f"{label}: more than {limit:,} bytes (the limit)")
    return data


# --- raster formats (Pillow) ---------------------------------------------------------------------


def _raster_pages(
    data: bytes, fmt: str, label: str, settings: Settings
) -> Generator[PageImage, None, None]:
    if fmt == "webp" and not features.check("webp"):
        raise MissingDependency("Pillow was built without WebP support; reinstall Pillow")
    if fmt == "webp" and (canvas := _webp_canvas_size(data)) is not None:
        # libwebp allocates the canvas when the file is opened, so check before opening.
        _check_pixels(canvas, label, "", settings)
    image = _open_raster(data, fmt, label)
    count = _count_frames(image, fmt, label, settings, len(data))
    _check_whole(data, fmt, label)
    if count == 1 and _opencv_decodes(data, image, fmt):
        return _decode_by_opencv(data, image, fmt, label, settings)
    return _decode_frames(image, count, fmt, label, settings)


def _open_raster(data: bytes, fmt: str, label: str) -> ImageFile.ImageFile:
    """Parse only the header. The format plugin is called directly, not through ``Image.open``,
    so Pillow's global bomb check does not warn; our own limit is checked right after."""
    try:
        return _PLUGINS[fmt](io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # the WebP plugin checks Pillow's global limit
        raise ImageTooLarge(f"{label}: {_reason(exc)}") from exc
    except _DECODE_ERRORS as exc:
        raise CorruptImage(
            f"{label}: the {fmt.upper()} header cannot be read ({_reason(exc)})"
        ) from exc


def _webp_canvas_size(data: bytes) -> tuple[int, int] | None:
    """Canvas size from a WebP header (VP8X, lossless VP8L or lossy VP8), without decoding."""
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = _le_u32(data, 21)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    return None


def _count_frames(
    image: ImageFile.ImageFile, fmt: str, label: str, settings: Settings, size: int
) -> int:
    """Check the pixel count of every page and the number of pages, from headers only.

    Only TIFF pages count as pages: the extra frames of an animated WebP/PNG or of a camera's MPO
    JPEG are not document pages, so only the first frame of those is used.
    """
    if fmt != "tiff":
        _check_pixels(image.size, label, "", settings)
        return 1
    count = 0
    while True:
        try:
            image.seek(count)
        except EOFError:
            break
        except _DECODE_ERRORS as exc:
            raise CorruptImage(
                f"{label}: TIFF page {count + 1} cannot be read ({_reason(exc)})"
            ) from exc
        if count >= settings.max_pages:
            raise TooManyPages(
                f"{label}: more than {settings.max_pages} pages (the limit is {settings.max_pages})"
            )
        _check_pixels(image.size, label, f" page {count + 1}", settings)
        _check_tiff_page_data(image, size, label, count + 1)
        count += 1
    if count == 0:
        raise CorruptImage(f"{label}: the TIFF file has no pages")
    return count


def _check_pixels(size: tuple[int, int], label: str, where: str, settings: Settings) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise CorruptImage(f"{label}{where}: the header claims an empty {width}×{height} image")
    pixels = width * height
    if pixels > settings.max_pixels:
        raise ImageTooLarge(
            f"{label}{where}: {pixels:,} pixels ({width:,}×{height:,}) exceeds the limit of "
            f"{settings.max_pixels:,}"
        )


def _decode_frames(
    image: ImageFile.ImageFile, count: int, fmt: str, label: str, settings: Settings
) -> Generator[PageImage, None, None]:
    for index in range(count):
        where = f" page {index + 1}" if count > 1 else ""
        try:
            if count > 1:
                image.seek(index)
            _load_quietly(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            # Pillow's TIFF loader enforces twice PIL.Image.MAX_IMAGE_PIXELS on its own.
            raise ImageTooLarge(f"{label}{where}: {_reason(exc)}") from exc
        except _DECODE_ERRORS as exc:
            raise CorruptImage(
                f"{label}{where}: the {fmt.upper()} image cannot be decoded ({_reason(exc)})"
            ) from exc
        _check_busy(image.size, lambda: _pil_strips(image), f"{label}{where}", settings)
        dpi = _declared_dpi(image.info)
        upright, turned = _apply_exif_orientation(image)
        yield PageImage(
            index=index,
            image=_to_bgr(upright, f"{label}{where}"),
            source_format=fmt,
            dpi=dpi[1] if turned and dpi else (dpi[0] if dpi else None),
        )


def _opencv_decodes(data: bytes, image: ImageFile.ImageFile, fmt: str) -> bool:
    """Whether OpenCV decodes this image straight into BGR with the pixels Pillow's path gives
    (the same libjpeg-turbo decoding, no copy out of Pillow, no channel swap): a JPEG in RGB or
    grey with no EXIF turn to make. On the samples and the real specimens the pixels are
    identical, at 0.4-0.5 times the CPU. A PNG is not: OpenCV's libpng inflates it slower than
    Pillow does (33 against 24 ms for a 2 MP page), whatever the copy saves."""
    if fmt != "jpeg" or image.mode not in ("RGB", "L"):
        return False
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return False  # Pillow's path ignores unreadable EXIF; it decodes this one
    return orientation not in range(2, 9)


def _decode_by_opencv(
    data: bytes, image: ImageFile.ImageFile, fmt: str, label: str, settings: Settings
) -> Generator[PageImage, None, None]:
    """The one page of a file :func:`_opencv_decodes` takes, decoded by OpenCV; where OpenCV
    gives nothing or another size, Pillow's path decodes it (and names what is wrong)."""
    flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if bgr is None or bgr.shape[:2] != (image.size[1], image.size[0]):
        yield from _decode_frames(image, 1, fmt, label, settings)
        return
    page = np.asarray(bgr, np.uint8)
    _check_busy(image.size, lambda: _array_strips(page), label, settings)
    dpi = _declared_dpi(image.info)
    yield PageImage(index=0, image=page, source_format=fmt, dpi=dpi[0] if dpi else None)


def _load_quietly(image: ImageFile.ImageFile) -> None:
    """Decode the pixels. Our limit has been checked; Pillow's TIFF loader checks its own global
    limit again and would warn if ``max_pixels`` was raised above it, so that one warning is
    silenced here (only in that case: ``catch_warnings`` is process-wide)."""
    pillow_limit = Image.MAX_IMAGE_PIXELS
    width, height = image.size
    if pillow_limit is None or width * height <= pillow_limit:
        image.load()
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image.load()


def _declared_dpi(info: dict[str | tuple[int, int], Any]) -> tuple[float, float] | None:
    raw = info.get("dpi")
    try:
        x, y = float(raw[0]), float(raw[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None
    if not (0 < x < 100_000 and 0 < y < 100_000):  # also rejects NaN
        return None
    return (x, y)


def _apply_exif_orientation(image: Image.Image) -> tuple[Image.Image, bool]:
    """Turn the image upright by its EXIF orientation; return it and whether width and height
    were swapped. Unreadable EXIF is ignored: the scan matters more than its metadata."""
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return image, False
    if orientation not in range(2, 9):
        return image, False
    try:
        upright = ImageOps.exif_transpose(image)
    except _DECODE_ERRORS:
        return image, False
    return upright, orientation >= 5


def _to_bgr(image: Image.Image, label: str) -> BGRImage:
    """Normalise any Pillow mode to BGR uint8; transparent areas become white paper."""
    if image.mode in _HIGH_DEPTH_MODES:
        image = _high_depth_to_l(image)
    elif image.mode == "1":
        image = image.convert("L")
    try:
        if image.mode in _ALPHA_MODES or "transparency" in image.info:
            rgba = image.convert("RGBA")
            rgb = Image.new("RGB", rgba.size, _WHITE)
            rgb.paste(rgba, mask=rgba.getchannel("A"))
        else:
            rgb = image if image.mode == "RGB" else image.convert("RGB")  # no copy of RGB
    except ValueError as exc:
        raise UnsupportedFormat(
            f"{label}: colour mode {image.mode} cannot be converted to RGB ({_reason(exc)})"
        ) from exc
    rgb_array = np.asarray(rgb, dtype=np.uint8)
    # OpenCV swaps the channels in one pass, several times faster than a strided numpy copy
    return np.asarray(cv2.cvtColor(rgb_array, cv2.COLOR_RGB2BGR), np.uint8)


def _high_depth_to_l(image: Image.Image) -> Image.Image:
    """16-bit, 32-bit integer and float greyscale -> 8-bit, keeping the tones (Pillow clips)."""
    values = np.asarray(image)
    if values.dtype.kind == "f":
        finite = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        peak = float(finite.max()) if finite.size else 0.0
        scaled = finite * 255.0 if peak <= 1.0 else finite
        gray = np.clip(scaled, 0, 255).astype(np.uint8)
    elif image.mode == "I" and values.size and int(values.max()) <= 255:
        gray = np.clip(values, 0, 255).astype(np.uint8)  # 8-bit data stored as 32-bit
    else:
        gray = (np.clip(values.astype(np.int64), 0, 65535) >> 8).astype(np.uint8)
    return Image.fromarray(gray)


# --- PDF (PDFium) --------------------------------------------------------------------------------


def _pdf_pages(data: bytes, label: str, settings: Settings) -> Iterator[PageImage]:
    document, count = _open_pdf(data, label, settings)
    return _render_pdf_pages(document, count, label, settings)


def _open_pdf(data: bytes, label: str, settings: Settings) -> tuple[Any, int]:
    """Open a PDF and check its pages (count, size at the dpi) and that it is whole."""
    import pypdfium2 as pdfium  # heavy native library: only loaded when a PDF arrives

    scale = settings.pdf_dpi / 72.0  # PDF user space is 1/72 inch
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if exc.err_code == pdfium.raw.FPDF_ERR_PASSWORD:
                raise UnsupportedFormat(f"{label}: the PDF is password-protected") from exc
            raise CorruptImage(f"{label}: the PDF cannot be opened ({_reason(exc)})") from exc
        try:
            count = len(document)
            if count == 0:
                raise CorruptImage(f"{label}: the PDF has no pages")
            if count > settings.max_pages:
                raise TooManyPages(
                    f"{label}: {count} pages exceeds the limit of {settings.max_pages}"
                )
            for index in range(count):
                _check_pdf_page_size(document, index, scale, label, settings)
            _check_whole(data, "pdf", label)
        except BaseException:
            document.close()
            raise
    return document, count


def _check_pdf_page_size(
    document: Any, index: int, scale: float, label: str, settings: Settings
) -> None:
    where = f" page {index + 1}"
    try:
        width_pt, height_pt = document.get_page_size(index)
    except Exception as exc:  # PdfiumError; pdfium reports no finer reason
        raise CorruptImage(f"{label}{where}: the page size cannot be read") from exc
    width_px = _render_extent(width_pt, scale)
    height_px = _render_extent(height_pt, scale)
    if width_px is None or height_px is None:
        raise CorruptImage(f"{label}{where}: invalid page size {width_pt}×{height_pt} pt")
    _check_pixels((width_px, height_px), label, where + f" at {settings.pdf_dpi} dpi", settings)


def _render_extent(points: float, scale: float) -> int | None:
    """Pixels PDFium will render for a page side (the same rounding as ``PdfPage.render``)."""
    if not math.isfinite(points) or points <= 0:
        return None
    return math.ceil(points * scale)


def _render_pdf_pages(
    document: Any, count: int, label: str, settings: Settings
) -> Iterator[PageImage]:
    import pypdfium2 as pdfium

    scale = settings.pdf_dpi / 72.0
    try:
        for index in range(count):
            with _PDFIUM_LOCK:
                try:
                    page = document[index]
                    try:
                        bitmap = page.render(scale=scale, fill_color=(*_WHITE, 255))
                        try:
                            pixels = np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
                            bitmap_mode = bitmap.mode
                        finally:
                            bitmap.close()
                    finally:
                        page.close()
                except pdfium.PdfiumError as exc:
                    raise CorruptImage(
                        f"{label} page {index + 1}: the page cannot be rendered ({_reason(exc)})"
                    ) from exc
            bgr = _pdfium_to_bgr(pixels, bitmap_mode)
            height, width = bgr.shape[:2]
            where = f"{label} page {index + 1}"
            _check_busy((width, height), partial(_array_strips, bgr), where, settings)
            yield PageImage(
                index=index, image=bgr, source_format="pdf", dpi=float(settings.pdf_dpi)
            )
    finally:
        with _PDFIUM_LOCK:
            document.close()


def _pdfium_to_bgr(pixels: BGRImage, mode: str) -> BGRImage:
    # With an opaque fill colour PDFium renders BGR; handle the other layouts defensively.
    if pixels.ndim == 2:
        return np.ascontiguousarray(np.repeat(pixels[:, :, None], 3, axis=2))
    if mode in ("RGB", "RGBA", "RGBX"):
        return np.ascontiguousarray(pixels[:, :, 2::-1])
    return np.ascontiguousarray(pixels[:, :, :3])


# --- a whole file (cut short?) --------------------------------------------------------------------


def _check_whole(data: bytes, fmt: str, label: str) -> None:
    """The format's own end, from the bytes (TIFF pages: :func:`_check_tiff_page_data`)."""
    missing = {
        "jpeg": _jpeg_missing_end,
        "png": _png_missing_end,
        "webp": _webp_missing_end,
        "bmp": _bmp_missing_end,
        "pdf": _pdf_missing_end,
    }.get(fmt)
    problem = missing(data) if missing is not None else None
    if problem is not None:
        raise CorruptImage(f"{label}: the file is truncated ({problem})")


def _jpeg_missing_end(data: bytes) -> str | None:
    """Walk the marker segments to the first scan; its image data must end with EOI (FFD9).
    (Inside entropy-coded data 0xFF is always followed by 00 or a restart marker, so the first
    FFD9 after the scan header is the end of the image.)"""
    offset = 2
    while offset < len(data):
        if data[offset] != 0xFF:
            return f"no JPEG marker at byte {offset:,}"
        while offset < len(data) and data[offset] == 0xFF:  # fill bytes
            offset += 1
        if offset >= len(data):
            break
        marker = data[offset]
        offset += 1
        if marker == 0xD9:
            return "the JPEG ends before its image data"
        if marker in (0x01, *range(0xD0, 0xD8)):  # TEM, RSTn: no length
            continue
        if offset + 2 > len(data):
            break
        length = int.from_bytes(data[offset : offset + 2], "big")
        if length < 2 or offset + length > len(data):
            return f"a JPEG segment runs past the end of the file ({len(data):,} bytes)"
        offset += length
        if marker == 0xDA:  # start of scan: the image data follows
            if data.find(b"\xff\xd9", offset) < 0:
                return f"the JPEG image data has no end marker (it ends at {len(data):,} bytes)"
            return None
    return f"the JPEG has no image data before its end ({len(data):,} bytes)"


def _png_missing_end(data: bytes) -> str | None:
    offset = 8
    while offset + 8 <= len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        end = offset + 12 + length
        if end > len(data):
            return f"the PNG chunk {_chunk_name(kind)} runs past the end ({len(data):,} bytes)"
        if kind == b"IEND":
            return None
        offset = end
    return f"the PNG has no IEND chunk (the file ends at {len(data):,} bytes)"


def _chunk_name(kind: bytes) -> str:
    return "".join(chr(b) if 0x41 <= b <= 0x7A else "?" for b in kind)


def _webp_missing_end(data: bytes) -> str | None:
    declared = _le_u32(data, 4) + 8 if len(data) >= 8 else 0
    if declared > len(data):
        return f"the WebP declares {declared:,} bytes, the file has {len(data):,}"
    return None


def _bmp_missing_end(data: bytes) -> str | None:
    if len(data) < 34:
        return f"the BMP header is cut ({len(data):,} bytes)"
    start = _le_u32(data, 10)
    header = _le_u32(data, 14)
    needed = start
    if header >= 40 and _le_u32(data, 30) == 0:  # BI_RGB: rows of known size
        width, height = struct.unpack_from("<ii", data, 18)
        bits = struct.unpack_from("<H", data, 28)[0]
        needed = start + ((bits * abs(width) + 31) // 32) * 4 * abs(height)
    elif header >= 40:
        needed = start + _le_u32(data, 34)  # compressed: biSizeImage
    if needed > len(data):
        return f"the BMP image data needs {needed:,} bytes, the file has {len(data):,}"
    return None


def _pdf_missing_end(data: bytes) -> str | None:
    # The last line of a PDF is %%EOF; readers allow some trailing bytes after it.
    if b"%%EOF" not in data[-2048:]:
        return f"the PDF has no %%EOF at its end (the file ends at {len(data):,} bytes)"
    return None


def _check_tiff_page_data(image: ImageFile.ImageFile, size: int, label: str, page: int) -> None:
    """The current TIFF page's strips or tiles must lie inside the file."""
    tags = getattr(image, "tag_v2", None)
    if tags is None:
        return
    for offsets_tag, counts_tag in ((273, 279), (324, 325)):  # strips, tiles
        offsets, counts = tags.get(offsets_tag), tags.get(counts_tag)
        if offsets is None or counts is None:
            continue
        offsets = offsets if isinstance(offsets, tuple) else (offsets,)
        counts = counts if isinstance(counts, tuple) else (counts,)
        try:
            end = max((int(o) + int(c) for o, c in zip(offsets, counts, strict=False)), default=0)
        except (TypeError, ValueError) as exc:  # a damaged tag: bytes or text where numbers go
            raise CorruptImage(
                f"{label}: TIFF page {page} has unreadable strip or tile offsets ({exc})"
            ) from exc
        if end > size:
            raise CorruptImage(
                f"{label}: the file is truncated (the image data of TIFF page {page} ends at "
                f"byte {end:,}, the file has {size:,})"
            )


# --- the busy-pixel budget ------------------------------------------------------------------------

#: :func:`busyness` samples this many strips of this many rows, spread over the page.
_STRIPS: Final = 32
_STRIP_ROWS: Final = 16
#: At or above this busyness a page is noise: scans and photos of documents measure 0.06-0.1
#: (the samples) and up to 0.41 (small, detailed specimen photos); noise 1.0.
NOISE_BITS: Final = 0.6
#: Pages of at most this many pixels (500 × 500) are not sampled: the time limits bound them.
SAMPLED_FROM: Final = 250_000


def busyness(strips: Iterable[npt.NDArray[np.uint8]]) -> float:
    """Bits per pixel that rows of a page (greyscale strips) take once binarised -- ink below
    mid-grey, paper above -- and deflated: about 1.0 for noise, far less for any scan or photo of
    a document, whose paper is paper at the scale of a pixel (the sensor's noise does not cross
    mid-grey). A pure function of the pixels it is given."""
    bits = pixels = 0
    for strip in strips:
        packed = np.packbits(np.asarray(strip) < 128, axis=-1)
        bits += 8 * len(zlib.compress(packed.tobytes(), 6))
        pixels += int(np.asarray(strip).size)
    return bits / pixels if pixels else 0.0


def _strip_rows(height: int) -> list[int]:
    if height <= _STRIPS * _STRIP_ROWS:
        return list(range(0, height, _STRIP_ROWS))
    step = (height - _STRIP_ROWS) / (_STRIPS - 1)
    return [int(i * step) for i in range(_STRIPS)]


def _pil_strips(image: Image.Image) -> Iterator[npt.NDArray[np.uint8]]:
    width, height = image.size
    for top in _strip_rows(height):
        strip = image.crop((0, top, width, min(height, top + _STRIP_ROWS)))
        if strip.mode in _HIGH_DEPTH_MODES:
            strip = _high_depth_to_l(strip)
        elif strip.mode != "L":
            strip = strip.convert("L")
        yield np.asarray(strip, dtype=np.uint8)


def _array_strips(bgr: BGRImage) -> Iterator[npt.NDArray[np.uint8]]:
    for top in _strip_rows(bgr.shape[0]):
        strip = np.ascontiguousarray(bgr[top : top + _STRIP_ROWS])
        if strip.ndim == 3:
            # the luma weights of Pillow's "L" (a level or so apart at most, OpenCV's rounding)
            strip = np.asarray(cv2.cvtColor(strip, cv2.COLOR_BGR2GRAY), np.uint8)
        yield strip


def _check_busy(
    size: tuple[int, int],
    strips: Callable[[], Iterable[npt.NDArray[np.uint8]]],
    label: str,
    settings: Settings,
) -> None:
    """Refuse a page of noise (:func:`busyness` of at least :data:`NOISE_BITS`: the readers
    spend their OCR timeouts on it, 39 s for one megapixel, 70-90 s for 9 to 79) and a page
    whose busy pixels (pixels × busyness) exceed ``DOCPROC_MAX_BUSY_PIXELS``. Pages of at most
    :data:`SAMPLED_FROM` pixels are not sampled."""
    budget = settings.max_busy_pixels
    width, height = size
    pixels = width * height
    if budget <= 0 or pixels <= SAMPLED_FROM:
        return
    bits = busyness(strips())
    busy = int(pixels * min(1.0, bits))
    if bits >= NOISE_BITS:
        raise ImageTooLarge(
            f"{label}: {pixels:,} pixels ({width:,}×{height:,}) of noise, not a document "
            f"({bits:.2f} bits per pixel once binarised; scans of documents take under "
            f"{NOISE_BITS})"
        )
    if busy > budget:
        raise ImageTooLarge(
            f"{label}: {pixels:,} pixels ({width:,}×{height:,}) at {bits:.2f} bits per pixel "
            f"once binarised: {busy:,} busy pixels exceed the limit of {budget:,}"
        )


# --- messages ------------------------------------------------------------------------------------


def _label(filename: str) -> str:
    """The file's name for messages; control characters are replaced so a hostile name cannot
    forge log lines."""
    if not filename:
        return "input"
    return "".join(ch if ch.isprintable() else "?" for ch in filename)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 200 else text[:197] + "..."
