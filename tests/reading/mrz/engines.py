"""A spy on the real PP-OCR engine for the reader's tests: what the reader asked of it."""

from __future__ import annotations

from typing import Any

from docproc.reading.ocr.ppocr import MRZ_ALPHABET, PPOCR, Quad, get_engine


class CountingEngine(PPOCR):
    """The process's real engine (its loaded models shared), recording the side of every text
    detection and counting the line images it recognises (and their widths)."""

    def __init__(self) -> None:
        self.__dict__.update(get_engine(1).__dict__)
        self.sides: list[int] = []
        self.loose_sides: list[int] = []  # the sides of loose detections (also in ``sides``)
        self.lines = 0
        self.widths: list[int] = []
        self.heights: list[int] = []  # the height each line was recognised at

    @property
    def detections(self) -> int:
        return len(self.sides)

    def detect(self, image: Any, max_side: int, *, loose: bool = False) -> list[Quad]:
        self.sides.append(max_side)
        if loose:
            self.loose_sides.append(max_side)
        return super().detect(image, max_side, loose=loose)

    def recognise_matrices(self, lines: Any, alphabet: str = MRZ_ALPHABET, height: int = 48) -> Any:
        self.lines += len(lines)
        self.widths.extend(int(ln.shape[1]) for ln in lines)
        self.heights.extend([height] * len(lines))
        return super().recognise_matrices(lines, alphabet, height)
