"""The models docproc ships as package data, found through the installed package.

``glyphs/ocrb_cells_int8.onnx`` (+ ``.json``) is the OCR-B cell classifier of the MRZ reader
(quantised to 8 bits from ``ocrb_cells.onnx``, the float model its recipe trains),
``lines/mrz_lines.onnx`` (+ ``.json``) its small line recogniser;
``ppocr/ppocr_det.onnx`` and ``ppocr/ppocr_rec.onnx`` (+ ``.json``) PP-OCRv4's text detector and
recogniser from the ``rapidocr-onnxruntime`` wheel with their elementwise chains folded
(``models/ppocr/fold.py``: the same functions, about a quarter less CPU);
``ner/docproc_ner/`` the spaCy NER pipeline. All are made by the recipes in the repository's
``models/`` folder (trained, quantised or folded), which write here; a wheel, a plain
``pip install .`` and the Docker image all carry them. A missing model is an error
(:class:`~docproc.errors.MissingModel`), never a silent fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from docproc.errors import MissingModel

__all__ = [
    "ModelFile",
    "glyph_model",
    "line_model",
    "models",
    "ner_model",
    "ppocr_detector",
    "ppocr_recogniser",
    "require",
]


@dataclass(frozen=True)
class ModelFile:
    """A shipped model: its name, where it should be, and the file that proves it is there."""

    name: str
    path: Path
    marker: str  # a file inside ``path`` (or ``path`` itself when empty) that must exist

    @property
    def present(self) -> bool:
        return (self.path / self.marker).is_file() if self.marker else self.path.is_file()


def _root() -> Path:
    # A regular (not zipped) package: every supported install path unpacks it to a folder.
    return Path(str(resources.files(__name__)))


def glyph_model() -> ModelFile:
    return ModelFile("glyph classifier", _root() / "glyphs" / "ocrb_cells_int8.onnx", "")


def line_model() -> ModelFile:
    return ModelFile("MRZ line recogniser", _root() / "lines" / "mrz_lines.onnx", "")


def ppocr_detector() -> ModelFile:
    return ModelFile("PP-OCR text detector", _root() / "ppocr" / "ppocr_det.onnx", "")


def ppocr_recogniser() -> ModelFile:
    return ModelFile("PP-OCR text recogniser", _root() / "ppocr" / "ppocr_rec.onnx", "")


def ner_model(override: Path | None = None) -> ModelFile:
    """The NER pipeline directory: ``override`` (``DOCPROC_NER_MODEL``) or the shipped one."""
    path = override if override is not None else _root() / "ner" / "docproc_ner"
    return ModelFile("NER pipeline", path, "config.cfg")


def models(ner_override: Path | None = None) -> tuple[ModelFile, ...]:
    """Every model the full pipeline needs (``docproc doctor`` checks them all)."""
    return (
        glyph_model(),
        line_model(),
        ppocr_detector(),
        ppocr_recogniser(),
        ner_model(ner_override),
    )


def require(model: ModelFile) -> Path:
    """``model.path``, or :class:`MissingModel` saying which model is missing and where."""
    if not model.present:
        raise MissingModel(f"docproc's {model.name} is not at {model.path}")
    return model.path
