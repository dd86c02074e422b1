"""Images the app serves, made on request from the original: the MRZ crop and a page view.

Nothing is cached on disk or given a public URL: every image is made from the original in the
store by an auth-checked route. The quad comes from ``derived/<id>/mrz.json`` and is in the
coordinates of the page as :func:`docproc.reading.intake.iter_pages` produces it (EXIF
orientation applied).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from docproc.config import Settings
from docproc.errors import DocprocError, ExitCode
from docproc.reading.intake import BGRImage, iter_pages
from docproc.storage import ObjectNotFound, ObjectStore, derived_key

__all__ = ["MrzInfo", "highlighted_page", "load_mrz_info", "mrz_crop", "page_image"]

_CROP_MARGIN = 0.04
_MAX_CROP_WIDTH = 1400
_MAX_PAGE_SIDE = 1600


class NoMrzImage(DocprocError):
    reason = "no_mrz_image"
    fix = "No machine-readable zone is stored for this document (or no such page); use the scan."
    http_status = 404
    exit_code = ExitCode.bad_arguments


@dataclass(frozen=True)
class MrzInfo:
    quad: list[tuple[float, float]]
    page: int
    checks: dict[str, bool]


def load_mrz_info(store: ObjectStore, document_id: uuid.UUID) -> MrzInfo | None:
    """What the pipeline stored about the MRZ of a document, or None."""
    try:
        data: dict[str, Any] = json.loads(store.get(derived_key(document_id, "mrz.json")))
    except ObjectNotFound:
        return None
    quad = [(float(x), float(y)) for x, y in data.get("quad") or []]
    checks = {str(k): bool(v) for k, v in (data.get("checks") or {}).items()}
    return MrzInfo(quad, int(data.get("page") or 0), checks)


def has_portrait(store: ObjectStore, document_id: uuid.UUID) -> bool:
    """Whether the reader found and stored the holder's photo (``portrait.jpg``)."""
    return store.exists(derived_key(document_id, "portrait.jpg"))


def page_image(data: bytes, filename: str, page: int, settings: Settings) -> BGRImage:
    for item in iter_pages(data, filename=filename, settings=settings):
        if item.index == page:
            return item.image
    raise NoMrzImage(f"the document has no page {page + 1}")


def _encode(image: BGRImage, ext: str) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, 85] if ext == ".jpg" else []
    ok, buffer = cv2.imencode(ext, image, params)
    if not ok:
        raise DocprocError(f"could not encode the image as {ext}")
    return bytes(buffer.tobytes())


def _shrink(image: BGRImage, max_side: int) -> tuple[BGRImage, float]:
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale >= 1.0:
        return image, 1.0
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return resized.astype(np.uint8, copy=False), scale


def mrz_crop(image: BGRImage, quad: list[tuple[float, float]]) -> bytes:
    """PNG of the quad's bounding box (with a small margin) cut from the page image."""
    if not quad:
        raise NoMrzImage("no MRZ position is stored for this document")
    height, width = image.shape[:2]
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    margin_x = (max(xs) - min(xs)) * _CROP_MARGIN
    margin_y = (max(ys) - min(ys)) * _CROP_MARGIN * 3
    x0, x1 = max(0, int(min(xs) - margin_x)), min(width, int(max(xs) + margin_x) + 1)
    y0, y1 = max(0, int(min(ys) - margin_y)), min(height, int(max(ys) + margin_y) + 1)
    if x1 <= x0 or y1 <= y0:
        raise NoMrzImage("the stored MRZ position lies outside the page")
    region: BGRImage = np.ascontiguousarray(image[y0:y1, x0:x1])
    crop, _ = _shrink(region, _MAX_CROP_WIDTH)
    return _encode(crop, ".png")


def highlighted_page(image: BGRImage, quad: list[tuple[float, float]] | None) -> bytes:
    """JPEG of the page (shrunk for the screen) with the MRZ quad outlined."""
    shown, scale = _shrink(image, _MAX_PAGE_SIDE)
    shown = np.ascontiguousarray(shown.copy())
    if quad:
        points = np.array([[x * scale, y * scale] for x, y in quad], dtype=np.int32)
        thickness = max(2, int(max(shown.shape[:2]) / 400))
        cv2.polylines(shown, [points], isClosed=True, color=(0, 140, 255), thickness=thickness)
    return _encode(shown, ".jpg")
