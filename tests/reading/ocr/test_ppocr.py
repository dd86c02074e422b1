"""CTC decoding (pure) and the PP-OCR engine on rendered MRZ text (real ONNX models)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docproc.reading.ocr.ppocr import MRZ_ALPHABET, ctc_fixed_length, ctc_greedy, get_engine

CHARS = MRZ_ALPHABET
OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"


def _matrix(frames: list[tuple[str, float]]) -> np.ndarray:
    """A probability matrix: per frame the given character ('' = blank) with prob p."""
    m = np.full((len(frames), len(CHARS) + 1), 0.0, dtype=np.float32)
    for t, (ch, p) in enumerate(frames):
        k = 0 if ch == "" else CHARS.index(ch) + 1
        m[t, :] = (1 - p) / len(CHARS)
        m[t, k] = p
    return m


def test_greedy_collapses_repeats_and_drops_blanks() -> None:
    m = _matrix([("P", 0.9), ("P", 0.9), ("", 0.9), ("<", 0.9), ("", 0.9), ("<", 0.9)])
    assert ctc_greedy(m, CHARS).text == "P<<"


def test_fixed_length_recovers_a_character_the_blank_swallowed() -> None:
    # 'C' is weakly present in frame 3 where the blank wins: greedy drops it.
    m = _matrix([("A", 0.9), ("", 0.9), ("B", 0.9), ("", 0.9), ("", 0.9), ("D", 0.9)])
    m[3, CHARS.index("C") + 1] = 0.3
    m[3, 0] = 0.6
    assert ctc_greedy(m, CHARS).text == "ABD"
    fixed = ctc_fixed_length(m, CHARS, 4)
    assert fixed is not None
    assert fixed.text == "ABCD"


def test_fixed_length_keeps_a_reading_that_already_has_the_length() -> None:
    m = _matrix([("L", 0.95), ("", 0.9), ("8", 0.95), ("", 0.9), ("9", 0.95)])
    fixed = ctc_fixed_length(m, CHARS, 3)
    assert fixed is not None and fixed.text == "L89"


def test_fixed_length_is_none_when_too_few_frames() -> None:
    assert ctc_fixed_length(_matrix([("A", 0.9)] * 3), CHARS, 10) is None


@pytest.mark.parametrize(
    "text",
    [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ],
)
def test_engine_reads_a_rendered_ocr_b_line(text: str) -> None:
    font = ImageFont.truetype(OCRB, 40)
    img = Image.new("RGB", (1400, 70), "white")
    ImageDraw.Draw(img).text((20, 10), text, font=font, fill="black")
    arr = np.asarray(img)[:, :, ::-1].copy()
    reading = get_engine().recognise([arr])[0]
    # the OCR engine alone may confuse O and 0; that is the parser's job to repair
    assert reading.text.replace("0", "O") == text.replace("0", "O")
    assert reading.mean_prob > 0.8


def _rendered(text: str) -> np.ndarray:
    font = ImageFont.truetype(OCRB, 40)
    img = Image.new("RGB", (40 + 26 * len(text), 70), "white")
    ImageDraw.Draw(img).text((20, 10), text, font=font, fill="black")
    return np.asarray(img)[:, :, ::-1].copy()


def test_a_short_crop_is_not_padded_to_a_long_lines_width() -> None:
    """Lines of very different widths run in separate batches: a short crop read beside a full
    line gives exactly what it gives read alone (padding would change it and cost time)."""
    engine = get_engine()
    short = _rendered("UTO7408122F")
    long = _rendered("L898902C36UTO7408122F1204159ZE184226B<<<<<10")
    together, _ = engine.recognise_matrices([short, long])
    alone, _ = engine.recognise_matrices([short])
    assert together[0].shape[0] < together[1].shape[0] / 2
    np.testing.assert_allclose(together[0], alone[0], atol=1e-5)
    assert engine.recognise([short, long])[0].text.replace("0", "O") == "UTO74O8122F"


def test_a_loose_detection_finds_what_the_strict_one_does_and_reuses_its_map() -> None:
    """The loose detection scores each region inside its own outline: it keeps every line the
    strict one finds. Right after a detection of the same image at the same side it reuses
    that map; an image changed in place since is detected afresh, not from the stale map."""
    page = np.full((400, 900, 3), 255, np.uint8)
    for i, text in enumerate(("P<UTOERIKSSON<<ANNA<MARIA", "L898902C36UTO7408122F1204159")):
        page[60 + 120 * i : 130 + 120 * i, 20 : 20 + 40 + 26 * len(text)] = _rendered(text)
    engine = get_engine()
    strict = engine.detect(page, 960)
    assert len(strict) >= 2
    kept = engine._last_maps
    loose = engine.detect(page, 960, loose=True)
    assert engine._last_maps == kept  # the map reused, no new one made
    centres = [q.mean(axis=0) for q in loose]
    for q in strict:
        assert min(float(np.abs(c - q.mean(axis=0)).max()) for c in centres) < 3
    page[:] = 255  # the same array, blank now
    assert engine.detect(page, 960, loose=True) == []


def test_the_map_of_a_page_looked_at_before_a_turned_copy_of_it_is_kept() -> None:
    """A page detected, then a copy of it turned a quarter (a page whose lines might run up or
    down): the page's own map is still at hand for the step that looks at it again."""
    page = np.full((400, 900, 3), 255, np.uint8)
    line = _rendered("P<UTOERIKSSON<<ANNA<MARIA")
    page[60 : 60 + line.shape[0], 20 : 20 + line.shape[1]] = line
    engine = get_engine()
    first = engine.text_map(page, 640)
    turned = np.ascontiguousarray(np.rot90(page, 1))
    assert engine.text_map(turned, 640).shape != first.shape
    assert engine.text_map(page, 640) is first


def test_the_networks_see_each_grey_level_as_the_arithmetic_gives_it() -> None:
    """The detector and the recogniser are fed through a table of the 256 levels: the very
    values (v / 255 - 0.5) / 0.5 computed pixel by pixel in float32 gave, channels first; the
    detector's map of a page is the one the wheel's model makes of the arithmetic's input."""
    from docproc.reading.ocr import ppocr

    levels = np.arange(256, dtype=np.uint8)
    assert np.array_equal(ppocr._LEVELS[levels], (levels.astype(np.float32) / 255.0 - 0.5) / 0.5)
    page = np.full((300, 700, 3), 255, np.uint8)
    line = _rendered("P<UTOERIKSSON<<ANNA<MARIA")
    page[40 : 40 + line.shape[0], 10 : 10 + line.shape[1]] = line
    page[200:, :, 0] = np.arange(700, dtype=np.uint8)[None, :] // 3  # colour: channel order shows
    engine = get_engine()
    got = engine.text_map(page, 640)
    resized = cv2.resize(page, (got.shape[1], got.shape[0]), interpolation=cv2.INTER_AREA)
    blob = ((resized.astype(np.float32) / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[np.newaxis]
    want = engine._det.run(None, {engine._det.get_inputs()[0].name: np.ascontiguousarray(blob)})
    assert np.array_equal(got, want[0][0, 0])


def test_the_folded_models_compute_what_the_wheels_models_do() -> None:
    """docproc runs PP-OCRv4 as ``models/ppocr/fold.py`` rewrote it (affine blocks folded into
    the convolutions, the hard-swish as one gate): on a rendered page and its MRZ lines both
    give the same probabilities, and the folded ones are what the engine runs."""
    from docproc.reading.assets import ppocr_detector, ppocr_recogniser
    from docproc.reading.ocr.onnx import cpu_session
    from docproc.reading.ocr.ppocr import wheel_models_dir

    def run(path: Path, batch: np.ndarray) -> np.ndarray:
        s = cpu_session(path)
        return np.asarray(s.run(None, {s.get_inputs()[0].name: batch})[0])

    lines = (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    )
    page = np.full((416, 1248, 3), 235, np.uint8)
    for i, text in enumerate(lines):
        line = _rendered(text)
        page[200 + 80 * i : 270 + 80 * i, 10 : 10 + line.shape[1]] = line
    blob = (page.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[np.newaxis]
    source_map = run(wheel_models_dir() / "ch_PP-OCRv4_det_infer.onnx", blob)
    folded_map = run(ppocr_detector().path, blob)
    assert float(source_map.max()) > 0.9  # the lines are seen
    np.testing.assert_allclose(folded_map, source_map, atol=1e-3)

    crops = [_rendered(text) for text in lines]
    batch = np.stack([cv2.resize(c, (c.shape[1] * 48 // c.shape[0], 48)) for c in crops]).astype(
        np.float32
    )
    batch = (batch / 127.5 - 1.0).transpose(0, 3, 1, 2)
    source = run(wheel_models_dir() / "ch_PP-OCRv4_rec_infer.onnx", batch)
    folded = run(ppocr_recogniser().path, batch)
    np.testing.assert_allclose(folded, source, atol=1e-3)
    assert (folded.argmax(-1) == source.argmax(-1)).all()
    engine = get_engine()
    assert engine._rec._model_path == str(ppocr_recogniser().path)
    assert engine._det._model_path == str(ppocr_detector().path)
