"""The glyph reader: fixed-pitch cells of a rectified MRZ line and the shipped OCR-B classifier."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from docproc.reading.ocr.glyphs import (
    CELL_H,
    CELL_W,
    MODEL_FILE,
    CellGrid,
    GlyphClassifier,
    cut_cells,
    drifts_agree,
    fit_grid,
    frame_x,
    get_classifier,
    ink_cells,
    line_ink,
    model_info,
    print_runs,
)
from docproc.synth.render import MRZ_CAP_MM, MRZ_PITCH_MM, font, ocrb_size_for_cap

LINE = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
DIGITS = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
LOOKALIKES = "O0O0I1I1B8B8S5S5Z2Z2G6G6<K<K<C<C0OOO00D0Q0O"


def render_line(text: str, pitch: float = 26.0, margin: int = 20) -> np.ndarray:
    """A clean OCR-B line at the ICAO proportions (2.54 mm pitch, ~2.4 mm capitals), 48 px high
    like the reader's crops, every glyph centred in its cell."""
    cap = pitch * MRZ_CAP_MM / MRZ_PITCH_MM
    f = font("ocrb", ocrb_size_for_cap(cap))
    width = round(2 * margin + pitch * len(text))
    img = Image.new("L", (width, 64), 235)
    draw = ImageDraw.Draw(img)
    for i, ch in enumerate(text):
        cx = margin + (i + 0.5) * pitch
        draw.text((cx, 32 + cap / 2), ch, font=f, fill=25, anchor="ms")
    out = np.asarray(img.resize((round(width * 48 / 64), 48), Image.Resampling.LANCZOS))
    return np.ascontiguousarray(out, dtype=np.uint8)


def test_frame_x_maps_recogniser_frames_to_crop_pixels() -> None:
    # a crop fed at its own height (48) keeps its width: frame k covers pixels 8k..8k+8
    assert frame_x(0, 480, 48) == pytest.approx(4.0)
    assert frame_x(10, 480, 48) == pytest.approx(84.0)
    # a 96 px high crop is halved on the way in, so a frame covers 16 of its pixels
    assert frame_x(10, 960, 96) == pytest.approx(168.0)


@pytest.mark.parametrize("text", [LINE, DIGITS, LOOKALIKES[:30]])
def test_grid_from_ink_alone_finds_the_pitch(text: str) -> None:
    gray = render_line(text)
    grid = fit_grid(gray, len(text))
    assert grid is not None
    true_pitch = 26.0 * 48 / 64
    assert grid.pitch == pytest.approx(true_pitch, rel=0.03)
    # every cell centre within a fifth of a pitch of where the glyph was drawn
    margin = 20 * 48 / 64
    for i in range(len(text)):
        assert abs(grid.centre(i) - (margin + (i + 0.5) * true_pitch)) < 0.2 * true_pitch


def slanted(
    gray: np.ndarray, n: int, drift: float, pitch: float = 19.5
) -> tuple[np.ndarray, CellGrid]:
    """A line of ``n`` characters from :func:`render_line` (``pitch`` px a cell, 15 px before
    the first) redrawn so that its pitch grows by ``drift`` of itself a cell, as a line
    photographed at a slant does: the border before cell ``k`` lands at
    ``15 + pitch * (k + drift * k**2 / 2)``; and that grid."""
    margin = 15.0
    truth = CellGrid(margin, pitch, n, 0.0, 48.0, drift)
    width = round(float(truth.border(n)) + margin)
    u = np.arange(width, dtype=np.float64)
    # the cell position k(u) of each output column (the quadratic border inverted)
    t = (u - margin) / pitch
    k = (np.sqrt(1.0 + 2.0 * drift * t) - 1.0) / drift if drift else t
    map_x = np.broadcast_to((margin + k * pitch).astype(np.float32), (48, width))
    map_y = np.broadcast_to(np.arange(48, dtype=np.float32)[:, None], (48, width))
    out = cv2.remap(
        gray,
        np.ascontiguousarray(map_x),
        np.ascontiguousarray(map_y),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.ascontiguousarray(out, dtype=np.uint8), truth


def test_a_grid_moved_by_cells_keeps_its_borders() -> None:
    grid = CellGrid(10.0, 20.0, 44, 0.0, 30.0, drift=0.004)
    for cells in (-1, 1, 3):
        moved = grid.moved(cells)
        for j in range(-1, 45):
            assert moved.border(j) == pytest.approx(grid.border(j + cells))
    assert CellGrid(10.0, 20.0, 44, 0.0, 30.0).moved(2).x0 == pytest.approx(50.0)


@pytest.mark.parametrize("text", [LINE, DIGITS, LOOKALIKES[:30]])
def test_a_line_printed_straight_keeps_a_fixed_pitch(text: str) -> None:
    grid = fit_grid(render_line(text), len(text))
    assert grid is not None and grid.drift == 0.0


@pytest.mark.parametrize("drift", [0.004, -0.003])
def test_a_line_seen_at_a_slant_is_cut_on_a_drifting_grid(drift: float) -> None:
    """A TD3 line whose last cell is 17 % wider (or 13 % narrower) than its first: one fixed
    pitch puts the cells at its ends a third of a glyph off; the drifting grid centres them."""
    gray, truth = slanted(render_line(LINE), len(LINE), drift)
    grid = fit_grid(gray, len(LINE))
    assert grid is not None and grid.drift * drift > 0
    for i in range(len(LINE)):
        local = float(truth.border(i + 1) - truth.border(i))
        assert abs(grid.centre(i) - truth.centre(i)) < 0.2 * local
    assert _read(gray, len(LINE)) == LINE


def test_a_slant_shrinks_every_line_of_a_zone_alike() -> None:
    def grid(drift: float) -> CellGrid:
        return CellGrid(10.0, 20.0, 44, 0.0, 30.0, drift)

    assert drifts_agree([grid(0.0), grid(0.0)])
    assert drifts_agree([grid(0.003), grid(0.004)])
    assert drifts_agree([grid(-0.004), grid(-0.003), grid(-0.005)])
    assert not drifts_agree([grid(0.003), grid(0.0)])  # one line alone: its box cut short
    assert not drifts_agree([grid(0.003), grid(-0.003)])
    assert not drifts_agree([grid(0.001), grid(0.006)])


def _read(gray: np.ndarray, n: int) -> str:
    grid = fit_grid(gray, n)
    assert grid is not None
    clf = get_classifier()
    return "".join(clf.alphabet[k] for k in clf.classify(cut_cells(gray, grid)).argmax(axis=1))


def test_a_dark_block_beside_the_line_is_not_taken_for_its_glyphs() -> None:
    """A box found from ink alone can run past the page's edge onto a dark background: the
    block fills the rows above and below the glyphs and reaches the crop's end. The grid still
    spans the glyphs alone, and the line reads right."""
    line = render_line(LINE)
    block = np.full((48, 60), 40, np.uint8)  # the background past the page's edge
    gap = np.full((48, 12), 235, np.uint8)
    gray = np.ascontiguousarray(np.hstack([block, gap, line, gap, block]))
    assert _read(gray, len(LINE)) == LINE
    grid = fit_grid(gray, len(LINE))
    assert grid is not None
    pitch = 26.0 * 48 / 64
    first = 72 + 20 * 48 / 64 + 0.5 * pitch  # where the first glyph was drawn
    assert abs(grid.centre(0) - first) < 0.2 * pitch


def test_a_rule_set_apart_from_the_line_is_dropped_a_glyph_is_not() -> None:
    """A card's edge (a thin dark rule) with clear paper between it and the first glyph is not
    part of the line; an ``L``, whose foot is faint in the column profile, starting the line is
    never set apart from its neighbour."""
    line = render_line(DIGITS)
    rule = np.full((48, 4), 235, np.uint8)
    rule[:, 1:3] = 30
    gray = np.ascontiguousarray(np.hstack([rule, np.full((48, 40), 235, np.uint8), line]))
    assert _read(gray, len(DIGITS)) == DIGITS
    names = "LESTARI<<SITI<<<<<<<<<<<<<<<<<"
    assert _read(render_line(names), len(names)) == names


def test_a_light_pattern_before_the_line_does_not_stretch_its_grid() -> None:
    """A guilloche's fine lines touching the line's start are strokes too, but lighter than
    print: the grid starts at the first glyph. A gradient across the page that leaves the
    line's first glyphs lighter than its last keeps them on the grid."""
    line = render_line(LINE)
    pattern = np.full((48, 50), 195, np.uint8)  # a tint, and fine lines on it
    for x in range(-12, 50, 5):
        cv2.line(pattern, (x, 0), (x + 12, 47), 160, 1)
    gray = np.ascontiguousarray(np.hstack([pattern, line]))
    assert _read(gray, len(LINE)) == LINE
    shade = np.linspace(0.45, 1.0, line.shape[1])[None, :]  # ink at 45 % at the start
    shaded = np.asarray(235 - (235 - line.astype(np.float64)) * shade, np.uint8)
    assert _read(shaded, len(LINE)) == LINE


@pytest.mark.parametrize(
    "text",
    [LINE, DIGITS, "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"],
)
def test_print_runs_tell_a_36_character_line_from_a_44(text: str) -> None:
    """The MRZ reader reads a two-line zone as 36 characters first when its lines show at most
    40 runs of print (one a glyph, fillers included)."""
    runs = print_runs(line_ink(render_line(text)))
    if len(text) == 36:
        assert 36 <= runs <= 40
    else:
        assert runs >= 44


def test_anchors_fix_the_grid_when_given() -> None:
    gray = render_line(LINE)
    pitch = 26.0 * 48 / 64
    margin = 20 * 48 / 64
    anchors = [(i, margin + (i + 0.5) * pitch + 1.0) for i in range(len(LINE)) if i % 3]
    grid = fit_grid(gray, len(LINE), anchors)
    assert grid is not None
    assert grid.pitch == pytest.approx(pitch, rel=0.02)
    assert abs(grid.centre(0) - (margin + 0.5 * pitch)) < 0.15 * pitch


def test_cells_have_the_classifier_shape_and_hold_ink() -> None:
    gray = render_line(DIGITS)
    grid = fit_grid(gray, len(DIGITS))
    assert grid is not None
    cells = cut_cells(gray, grid)
    assert cells.shape == (len(DIGITS), CELL_H, CELL_W)
    assert cells.dtype == np.float32
    assert float(cells.min()) >= 0.0 and float(cells.max()) <= 1.0
    assert all(float(c.sum()) > 5 for c in cells)  # no empty cell: every one holds a glyph


def test_cells_are_the_grid_boxes_scaled_to_the_cell_size() -> None:
    """One remap cuts every cell: each the same as an affine warp of its own box (1.1 pitches
    wide, the glyph's height plus a fifth above and below) to CELL_W x CELL_H."""
    gray = render_line(DIGITS)
    grid = fit_grid(gray, len(DIGITS))
    assert grid is not None
    ink = line_ink(gray)
    cells = ink_cells(ink, grid)
    h = max(4.0, grid.bottom - grid.top)
    y0, y1, half = grid.top - 0.2 * h, grid.bottom + 0.2 * h, 0.55 * grid.pitch
    dst = np.array([[0, 0], [CELL_W, 0], [CELL_W, CELL_H]], np.float32)
    for i in range(grid.n):
        c = grid.centre(i)
        src = np.array([[c - half, y0], [c + half, y0], [c + half, y1]], np.float32)
        alone = cv2.warpAffine(ink, cv2.getAffineTransform(src, dst), (CELL_W, CELL_H))
        np.testing.assert_allclose(cells[i], alone, atol=2e-3)
    assert ink_cells(ink, replace(grid, n=0)).shape == (0, CELL_H, CELL_W)


def test_grid_refuses_a_line_too_short_for_its_characters() -> None:
    assert fit_grid(np.full((48, 40), 200, np.uint8), 44) is None


def test_the_classifier_ships_with_its_figures() -> None:
    """The reader runs the classifier quantised to 8 bits; its recipe measured it beside the
    float model on the same validation cells (models/glyphs/quantize.py)."""
    assert MODEL_FILE.exists(), "ocrb_cells_int8.onnx must ship with the package"
    info = model_info()
    assert info["alphabet"] == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
    assert info["validation"]["accuracy"] >= 0.99
    assert "train.py" in info["command"] and "quantize.py" in info["quantise_command"]
    int8 = info["int8_validation"]["documents"]
    assert int8["int8"]["accuracy"] >= int8["float"]["accuracy"] - 0.002
    assert int8["same_top_class"] >= 0.995


@pytest.mark.parametrize("text", [LINE, DIGITS, LOOKALIKES])
def test_classifier_reads_clean_ocrb_cells(text: str) -> None:
    clf = get_classifier()
    assert clf is not None
    gray = render_line(text)
    grid = fit_grid(gray, len(text))
    assert grid is not None
    probs = clf.classify(cut_cells(gray, grid))
    assert probs.shape == (len(text), len(clf.alphabet))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-4)
    read = "".join(clf.alphabet[k] for k in probs.argmax(axis=1))
    assert read == text


def small_grey(gray: np.ndarray, pitch: float) -> np.ndarray:
    """The line as a small, grey, soft picture holds it (``pitch`` px a character, faint ink on
    grey paper, blurred, JPEG), stretched back to the reader's 48 px strip."""
    h, w = gray.shape
    f = pitch / 19.5  # render_line's pitch on its 48 px strip
    small = cv2.resize(gray, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small.astype(np.float32), (0, 0), 0.6)
    small = 170 - (170 - 110) * (235 - small) / (235 - 25)  # ink 110 on paper 170
    ok, buf = cv2.imencode(
        ".jpg", np.clip(small, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 60]
    )
    decoded = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    assert ok and decoded is not None
    return np.asarray(cv2.resize(decoded, (w, h), interpolation=cv2.INTER_LINEAR), np.uint8)


@pytest.mark.parametrize("text", [LINE, DIGITS])
def test_classifier_reads_small_grey_print(text: str) -> None:
    """Real specimens are often read at 8-10 px a character in grey ink (a 272 px wide passport
    photo); the model is trained on such print too (``models/glyphs/print_lines.py``)."""
    clf = get_classifier()
    gray = small_grey(render_line(text), pitch=9.0)
    grid = fit_grid(gray, len(text))
    assert grid is not None
    read = "".join(clf.alphabet[k] for k in clf.classify(cut_cells(gray, grid)).argmax(axis=1))
    right = sum(a == b for a, b in zip(read, text, strict=True))
    assert right >= len(text) - 1, read


def test_the_grid_search_samples_the_ink_profile_as_np_interp_does() -> None:
    from docproc.reading.ocr.glyphs import _sampled

    rng = np.random.default_rng(7)
    prof = rng.random(300).astype(np.float32)
    xs = np.concatenate([rng.uniform(-20.0, 320.0, 5000), [0.0, 299.0, 298.5, -0.001, 299.001]])
    want = np.interp(xs, np.arange(300, dtype=np.float64), prof, left=0.0, right=0.0)
    assert np.array_equal(_sampled(prof, xs), want)


def test_the_8_bit_classifier_answers_as_the_float_one_on_this_cpu() -> None:
    """The reader's thresholds were calibrated on the classifier's probabilities. The 8-bit
    model must give the float model's answers on whatever CPU runs it: with 8-bit weights a CPU
    without VNNI (AVX2 only) saturates 16-bit pair sums, and the model read printed cells
    otherwise than the float one (the same top class on 97.9 % of them, top probabilities 0.033
    apart on average, up to 0.59); its recipe keeps weights to 7 bits
    (models/glyphs/quantize.py)."""
    cells = []
    for text in (LINE, DIGITS, LOOKALIKES):
        for pitch in (8.0, 9.0, 11.0, 14.0):
            gray = small_grey(render_line(text), pitch=pitch)
            grid = fit_grid(gray, len(text))
            assert grid is not None
            cells.append(cut_cells(gray, grid))
        gray = render_line(text)
        grid = fit_grid(gray, len(text))
        assert grid is not None
        cells.append(cut_cells(gray, grid))
    batch = np.concatenate(cells)

    p8 = GlyphClassifier(MODEL_FILE).classify(batch)
    p32 = GlyphClassifier(MODEL_FILE.with_name("ocrb_cells.onnx")).classify(batch)
    assert (p8.argmax(1) == p32.argmax(1)).mean() >= 0.99
    change = np.abs(p8.max(1) - p32.max(1))
    assert float(change.mean()) < 0.01 and float(change.max()) < 0.2, (change.mean(), change.max())
