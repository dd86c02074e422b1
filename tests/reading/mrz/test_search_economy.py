"""Work the reader does not do: zones a whole MRZ outdoes, lines two recognisers agree on, a step
the CPU budget cannot finish. With the real engines on generated pages."""

from __future__ import annotations

import random
import time
from typing import Any

import numpy as np

from docproc.reading.mrz.budget import PageWork
from docproc.reading.mrz.detect import LineBox, ZoneCandidate, find_zones
from docproc.reading.mrz.lines import Image
from docproc.reading.mrz.locate import line_quads
from docproc.reading.mrz.model import MRZType
from docproc.reading.mrz.readings import _Reading
from docproc.reading.mrz.search import _agreed, _first_pass, _outdone, _whole
from docproc.reading.mrz.tuning import DEFAULT_TUNING
from docproc.reading.ocr.ppocr import get_engine
from docproc.synth.generate import make_sample
from docproc.synth.mrzgen import random_document


def _burn(seconds: float) -> None:
    """Spend CPU time (not wall time: the budget counts the process's CPU)."""
    end = time.process_time() + seconds
    x = 0
    while time.process_time() < end:
        x += 1


def test_a_step_as_long_as_the_last_is_not_started_past_the_budget() -> None:
    image = np.zeros((8, 8, 3), np.uint8)
    work = PageWork(image, budget=0.3)
    assert not work.out_of_time()
    _burn(0.2)  # 0.2 s spent; a next step as long would end past 0.3 s
    assert work.out_of_time() and work.ran_out
    free = PageWork(image, budget=None)
    free.out_of_time()
    _burn(0.05)
    assert not free.out_of_time()


def test_a_large_detection_that_would_overrun_the_budget_is_not_started() -> None:
    """A 1600 px detection costs about (1600/640)^2 times a 640 px one: forecast from the
    detections made of the page, it is not started when it would end past the budget."""
    image = np.zeros((1000, 1600, 3), np.uint8)
    work = PageWork(image, budget=1.0)
    assert work.detection_fits(1600)  # nothing to go by yet
    work.detect_seconds[640] = 0.1  # as PageWork.detect records it
    assert work.detection_fits(1600)  # 0.625 s forecast, nothing spent
    _burn(0.5)
    assert not work.detection_fits(1600)  # 0.5 + 0.625 > 1.0
    assert work.detection_fits(800)  # 0.156 s forecast still fits
    assert PageWork(image, budget=None).detection_fits(1600)
    small = PageWork(np.zeros((500, 600, 3), np.uint8), budget=1.0)
    small.detect_seconds[600] = 0.3  # a small page is detected at its own size
    assert small._effective(1600) == 600
    _burn(0.5)
    assert small.detection_fits(1600)  # 0.3 s forecast: the page is never enlarged


def _td1_zone(name: str) -> tuple[Image, ZoneCandidate]:
    """A clean generated TD1 page and its three-line zone as the full search detects it."""
    doc = random_document(random.Random(name), MRZType.TD1)
    image, _, _ = make_sample(doc, seed=3, opts=None)
    quads = get_engine(1).detect(image, DEFAULT_TUNING.detect_side)
    zones = find_zones(quads, max_candidates=8)
    return image, next(z for z in zones if len(z.lines) == 3)


def test_a_whole_mrz_outdoes_its_own_windows_and_shorter_lines() -> None:
    image, zone = _td1_zone("economy")
    attempt = _first_pass(image, zone, get_engine(1), DEFAULT_TUNING)
    assert attempt is not None and _whole(attempt)
    assert _outdone(ZoneCandidate(zone.lines[1:], 1.0), attempt)  # a window of the same lines
    first = zone.lines[0]
    far = np.array([0.0, 10 * first.thickness])
    short = LineBox(first.center - far, first.u, first.length / 3, first.thickness)
    long = LineBox(first.center - far, first.u, first.length * 1.2, first.thickness)
    assert _outdone(ZoneCandidate((short,), 1.0), attempt)  # other, shorter text of the page
    assert not _outdone(ZoneCandidate((long,), 1.0), attempt)  # longer lines may be the MRZ


def test_a_zone_read_in_part_outdoes_nothing() -> None:
    """A zone whose first reading misses a line (a TD1 read as two lines) is not whole."""
    image, zone = _td1_zone("economy-part")
    part = _first_pass(image, ZoneCandidate(zone.lines[:2], 1.0), get_engine(1), DEFAULT_TUNING)
    assert part is None or not _whole(part)


def test_only_lines_the_recognisers_read_otherwise_are_open() -> None:
    dist = np.zeros((3, 37), np.float32)
    ppocr = _Reading("P<U", [0.9] * 3, "ppocr0")
    glyph = _Reading("P<U", [0.9] * 3, "glyph", dist=dist)
    assert _agreed([ppocr, glyph])
    assert not _agreed([ppocr, _Reading("P<0", [0.9] * 3, "glyph", dist=dist)])
    assert not _agreed([ppocr])  # one recogniser alone


def test_a_page_of_large_text_is_not_detected_again_at_a_larger_size() -> None:
    """A form page's text is found at the full search's size; an MRZ printed like it would be
    too, so the 1600 px detection (0.6-0.7 s) is not made. A small document far in a large
    photograph shows small text there: it is."""
    import cv2

    from docproc.reading.mrz.search import _search, _text_large
    from docproc.synth.form_layouts import render_random_form

    engine = get_engine(1)
    form = np.ascontiguousarray(render_random_form(7).image[:, :, ::-1])
    work = PageWork(form)
    assert _search(work, engine, DEFAULT_TUNING) is None  # a form has no MRZ
    assert DEFAULT_TUNING.detect_side in work.detections
    assert DEFAULT_TUNING.detect_side_large not in work.detections
    assert _text_large(work, DEFAULT_TUNING.detect_side, DEFAULT_TUNING)

    doc = random_document(random.Random("far"), MRZType.TD3)
    page, _, _ = make_sample(doc, seed=5, opts=None)
    small = cv2.resize(page, None, fx=0.35, fy=0.35, interpolation=cv2.INTER_AREA)
    photo = np.full((2200, 3000, 3), 120, np.uint8)
    photo[900 : 900 + small.shape[0], 1200 : 1200 + small.shape[1]] = small
    far = PageWork(photo)
    far.detect(engine, DEFAULT_TUNING.detect_side)
    assert not _text_large(far, DEFAULT_TUNING.detect_side, DEFAULT_TUNING)


def _glyph_read_td3(name: str, seed: int) -> tuple[Image, dict[str, Any], list[LineBox], Any, Any]:
    """A clean generated TD3 page, its zone's completed lines and their glyph reading (which
    must be the truth), and a counting engine that has detected it once."""
    from docproc.reading.mrz.lines import _complete_lines
    from docproc.reading.mrz.readings import _glyph_zone
    from tests.reading.mrz.engines import CountingEngine

    doc = random_document(random.Random(name), MRZType.TD3)
    image, entry, _ = make_sample(doc, seed=seed, opts=None)
    engine = CountingEngine()
    zone = next(
        z for z in find_zones(engine.detect(image, 960), max_candidates=4) if len(z.lines) == 2
    )
    lines = _complete_lines(zone)
    gz = _glyph_zone(image, lines, 44)
    assert gz is not None
    assert [r.text for r in gz.readings] == entry["mrz"]
    return image, entry, lines, gz, engine


def test_a_digit_the_glyph_reader_gives_for_a_letter_of_a_name_is_settled_by_the_line_reader() -> (
    None
):
    """The glyph reader often gives OCR-B's O as 0 in a name (a real specimen's ``ERIKSS0N``);
    on the name line, which holds letters only, the parser reads that 0 as O, and so does the
    line reader's agreement test: the line recogniser's ``ERIKSSON`` settles it, with no PP-OCR
    reading. On a line with digits the same slip still goes to PP-OCR."""
    import dataclasses

    from docproc.reading.mrz.parse import LETTER_FOR_DIGIT
    from docproc.reading.mrz.readings import _reread

    image, entry, lines, gz, engine = _glyph_read_td3("line-reader", 17)
    truth = entry["mrz"][0]
    digit_for = {letter: digit for digit, letter in LETTER_FOR_DIGIT.items()}
    at = next(i for i in range(5, len(truth)) if truth[i] in digit_for)
    slipped = truth[:at] + digit_for[truth[at]] + truth[at + 1 :]
    gz.readings[0] = dataclasses.replace(gz.readings[0], text=slipped)
    readings = _reread(image, lines, gz, {0: (0, None)}, engine, DEFAULT_TUNING)
    assert engine.lines == 0
    assert any(r.source == "line0" and r.text == truth for r in readings[0])

    second = entry["mrz"][1]
    at = next(i for i in range(10, 13) if second[i] in digit_for)  # the nationality's letters
    gz.readings[1] = dataclasses.replace(
        gz.readings[1], text=second[:at] + digit_for[second[at]] + second[at + 1 :]
    )
    _reread(image, lines, gz, {1: (10, 21)}, engine, DEFAULT_TUNING)
    assert engine.lines == 1


def test_a_code_window_is_read_alone_and_set_into_the_glyph_reading() -> None:
    """On the glyph-first path PP-OCR reads only the cells a second reading is needed for: a
    TD3's nationality and sex are a window of its second line, about a quarter of its width,
    and the glyph reading supplies the rest of the line."""
    import dataclasses

    from docproc.reading.mrz.readings import _reread

    image, entry, lines, gz, engine = _glyph_read_td3("window", 7)
    ppocr_only = dataclasses.replace(DEFAULT_TUNING, line_reader=False)
    readings = _reread(image, lines, gz, {0: (0, None), 1: (10, 21)}, engine, ppocr_only)
    _name_crop, window_crop = engine.widths
    assert window_crop < 0.35 * gz.crop_widths[1]  # the whole line's crop
    glyph = gz.readings[1]
    ppocr = [r for r in readings[1] if r.source.startswith("ppocr")]
    assert ppocr and readings[1][-1] is glyph
    for r in ppocr:
        assert len(r.text) == 44
        assert r.text[:10] + r.text[21:] == glyph.text[:10] + glyph.text[21:]
        assert r.probs[:10] == glyph.probs[:10]
    assert ppocr[0].text[10:21].replace("0", "O") == entry["mrz"][1][10:21].replace("0", "O")


def test_the_line_reader_settles_a_name_line_and_ppocr_reads_what_it_disputes() -> None:
    """On the glyph-first path the small line recogniser reads the name line's head first: where
    it reads what the glyph reader read, that is the second reading and PP-OCR reads nothing;
    where it reads otherwise (here the glyph reading of one letter is spoiled, as a misread
    cell would be), PP-OCR reads that line as before and its reading goes to the vote beside the
    glyph reading."""
    import dataclasses

    from docproc.reading.mrz.readings import _reread

    image, entry, lines, gz, engine = _glyph_read_td3("line-reader", 17)
    readings = _reread(image, lines, gz, {0: (0, None)}, engine, DEFAULT_TUNING)
    assert engine.lines == 0
    assert {r.source for r in readings[0]} >= {"line0", "glyph"}
    assert all(r.text == entry["mrz"][0] for r in readings[0])

    truth = entry["mrz"][0]
    at = 6  # a letter of the surname
    wrong = "B" if truth[at] != "B" else "D"
    spoiled = dataclasses.replace(gz.readings[0], text=truth[:at] + wrong + truth[at + 1 :])
    gz.readings[0] = spoiled
    readings = _reread(image, lines, gz, {0: (0, None)}, engine, DEFAULT_TUNING)
    assert engine.lines >= 1  # PP-OCR was asked
    sources = {r.source.rstrip("L") for r in readings[0]}
    assert "ppocr0" in sources and "glyph" in sources
    assert any(r.text == truth for r in readings[0] if r.source.startswith("ppocr"))


def test_a_window_reading_is_set_into_the_glyph_reading_at_its_cells() -> None:
    from docproc.reading.mrz.readings import _spliced

    glyph = _Reading("ABCDEFGHIJ", [0.9] * 10, "glyph", [0.01] * 10)
    part = _Reading("xyz", [0.5, 0.6, 0.7], "ppocr0", [0.2] * 3)
    joined = _spliced(part, glyph, 4)
    assert joined.text == "ABCDxyzHIJ"
    assert joined.probs == [0.9] * 4 + [0.5, 0.6, 0.7] + [0.9] * 3
    assert joined.lookalike == [0.01] * 4 + [0.2] * 3 + [0.01] * 3
    assert joined.source == "ppocr0"


def test_a_clean_name_line_is_confirmed_at_the_quick_height() -> None:
    """PP-OCR reads a name line's head at ``quick_height`` first; where that reading is the
    glyph reader's, no full-height reading follows. With ``quick_height=0`` it is read at 48 px.
    (PP-OCR's path, without the line recogniser that would settle the name line first.)"""
    import dataclasses

    from docproc.reading.mrz.search import _glyph_first
    from tests.reading.mrz.engines import CountingEngine

    doc = random_document(random.Random("quick"), MRZType.TD3)
    image, entry, _ = make_sample(doc, seed=11, opts=None)
    ppocr_only = dataclasses.replace(DEFAULT_TUNING, line_reader=False)
    for tuning, heights in (
        (ppocr_only, [32]),
        (dataclasses.replace(ppocr_only, quick_height=0), [48]),
    ):
        engine = CountingEngine()
        zones = find_zones(engine.detect(image, 960), max_candidates=4)
        attempt = next(
            a for z in zones if (a := _glyph_first(image, z, engine, tuning)) is not None
        )
        assert attempt.result is not None
        assert attempt.result.parsed.lines == tuple(entry["mrz"])
        assert engine.heights == heights


def test_a_page_with_no_mrz_is_not_detected_larger_past_its_budget() -> None:
    """A large page of small print with no MRZ is detected again at ``detect_side_large`` only
    while the budget holds that detection's forecast cost: with none left it says ``no MRZ``
    without it (it used to start the larger detection whenever no zone had been read yet)."""
    import cv2

    from docproc.reading.mrz.reader import read_page
    from tests.reading.mrz.engines import CountingEngine

    page = np.full((1800, 2600, 3), 255, np.uint8)
    for i in range(12):
        cv2.putText(
            page,
            f"Registration of arrivals, district office {i}",
            (150, 150 + 120 * i),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.6,
            (40, 40, 40),
            1,
        )
    free = CountingEngine()
    assert read_page(page, engine=free, budget=None) is None
    assert DEFAULT_TUNING.detect_side_large in free.sides  # small print: looked at larger
    tight = CountingEngine()
    assert read_page(page, engine=tight, budget=0.05) is None
    assert DEFAULT_TUNING.detect_side_large not in tight.sides


def _small_blurred_td3() -> tuple[Image, dict[str, Any], float]:
    """A generated TD3 page shrunk to 360 px, blurred a little and saved as a poor JPEG: small
    print whose zone, as given, parses nothing."""
    import cv2

    doc = random_document(random.Random("b"), MRZType.TD3)
    image, entry, _ = make_sample(doc, seed=11, opts=None)
    scale = 360 / max(image.shape[:2])
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 0.6)
    jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 25])[1]
    return np.asarray(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), np.uint8), entry, scale


def test_small_print_that_parses_nothing_is_read_enlarged_not_harder() -> None:
    """On a small page whose zone parses nothing, the reader looks at the page enlarged before
    reading that zone harder (more renderings of lines too small to read): enlarged, it parses
    with every check digit passing, and its zone is given in the small page's pixels. Read
    harder as given first, it came out with every check failing after 3 s of CPU."""
    from docproc.reading.mrz.reader import _look, read_page

    small, entry, scale = _small_blurred_td3()
    assert max(small.shape[:2]) < DEFAULT_TUNING.small_side
    _, attempt = _look(small, get_engine(1), DEFAULT_TUNING, None, time.process_time())
    assert attempt is not None and attempt.result is None  # as given: a zone, nothing parses
    read = read_page(small, budget=None)
    assert read is not None and read.parsed.valid
    assert read.parsed.lines[1] == entry["mrz"][1]  # every field a check digit covers
    quad = np.array(read.quad)
    want = np.array(entry["mrz_quad"]) * scale
    assert np.abs(quad.mean(axis=0) - want.mean(axis=0)).max() < 8


def test_no_enlarged_look_on_what_is_left_of_a_half_spent_budget() -> None:
    """The enlarged look costs more than the look at the page as given: it starts only while at
    least as much of the budget is left as was spent, and never once the budget ran out."""
    from docproc.reading.mrz.reader import _spent

    image = np.zeros((8, 8, 3), np.uint8)
    now = time.process_time()
    assert not _spent(PageWork(image, budget=2.0), 2.0, now - 0.5)
    assert _spent(PageWork(image, budget=2.0), 2.0, now - 1.2)
    assert not _spent(PageWork(image, budget=None), None, now - 100.0)
    out = PageWork(image, budget=2.0)
    out.ran_out = True
    assert _spent(out, 2.0, now)


def test_a_zone_of_ordinary_text_is_not_read_by_ppocr_on_the_full_path() -> None:
    """The lines of a letter are not an MRZ: no ``<<`` either way round to the line recogniser,
    so the full path does not spend PP-OCR's whole-line reading on them (it did, about 1 s on
    the sample letter). An MRZ, upright or upside down, shows its fillers."""
    import cv2

    from docproc.reading.mrz.readings import _filler_sides
    from tests.paths import REPO
    from tests.reading.mrz.engines import CountingEngine

    letter = np.asarray(cv2.imread(str(REPO / "samples" / "images" / "neg_letter.jpg")), np.uint8)
    engine = CountingEngine()
    zones = find_zones(engine.detect(letter, DEFAULT_TUNING.detect_side), max_candidates=4)
    assert zones
    assert not any(any(_filler_sides(letter, z)) for z in zones)
    assert all(_first_pass(letter, z, engine, DEFAULT_TUNING) is None for z in zones)
    assert engine.lines == 0  # PP-OCR read no line
    doc = random_document(random.Random("fillers"), MRZType.TD3)
    image, _entry, _ = make_sample(doc, seed=7, opts=None)
    for page in (image, np.ascontiguousarray(np.rot90(image, 2))):
        zone = find_zones(engine.detect(page, DEFAULT_TUNING.detect_side), max_candidates=1)[0]
        assert any(_filler_sides(page, zone))


def test_a_zone_that_shows_fillers_only_turned_round_is_read_turned_round_at_once() -> None:
    """On the full path (the glyph reader made never sure enough here), a zone upside down
    shows ``<<`` only turned round, and PP-OCR reads it that way at once: each line once, as it
    reads an upright zone, instead of the wrong way up, a probe both ways and again (three
    times as many line images). Both read the MRZ as printed."""
    import dataclasses

    from docproc.reading.mrz.readings import _filler_sides
    from tests.reading.mrz.engines import CountingEngine

    never_sure = dataclasses.replace(DEFAULT_TUNING, glyph_first_mean=1.01)
    doc = random_document(random.Random("fillers-turned"), MRZType.TD3)
    image, entry, _ = make_sample(doc, seed=9, opts=None)
    counted = []
    for page in (image, np.ascontiguousarray(np.rot90(image, 2))):
        engine = CountingEngine()
        zone = find_zones(engine.detect(page, DEFAULT_TUNING.detect_side), max_candidates=1)[0]
        upright = _filler_sides(page, zone) == (True, False)
        attempt = _first_pass(page, zone, engine, never_sure)
        assert attempt is not None and attempt.result is not None
        assert attempt.result.parsed.lines == tuple(entry["mrz"])
        counted.append((upright, engine.lines))
    (as_found, upright_lines), (turned_found, turned_lines) = counted
    assert upright_lines == 2 and turned_lines == 2
    assert as_found != turned_found  # one page's zone was found the wrong way up


def test_a_two_line_zone_of_36_characters_is_read_at_36_first(monkeypatch: Any) -> None:
    """A TD2 or MRV-B zone's lines show about one run of print a glyph, fewer than a 44-character
    line's: the glyph reader reads it as 36 cells first and settles there, instead of reading it
    as 44, turned round as 44, then as 36."""
    from docproc.reading.mrz import readings, search

    widths: list[int] = []
    real = readings._glyph_zone

    def counted(image: Image, lines: Any, width: int, inks: Any = None) -> Any:
        widths.append(width)
        return real(image, lines, width, inks)

    monkeypatch.setattr(search, "_glyph_zone", counted)
    engine = get_engine(1)
    for kind, name in ((MRZType.TD2, "td2"), (MRZType.MRVB, "mrvb")):
        doc = random_document(random.Random(name), kind)
        image, _, _ = make_sample(doc, seed=5, opts=None)
        zone = next(z for z in find_zones(line_quads(image), 3) if len(z.lines) == 2)
        widths.clear()
        attempt = search._glyph_first(image, zone, engine, DEFAULT_TUNING)
        assert attempt is not None and attempt.result is not None
        assert attempt.result.parsed.valid
        assert widths == [36], (kind, widths)
        assert "".join(c.text for c in attempt.result.chosen) == "".join(doc.mrz)


def test_the_glance_and_the_quick_look_read_only_their_most_mrz_like_zones(
    monkeypatch: Any,
) -> None:
    """On the eight benchmark sets every page the glance settled, it settled on its most
    MRZ-like zone, and the quick look on its first or second: a letter, whose zones never
    settle, costs the glance one glyph-first reading and the quick look two, not one for each
    zone found (the full search that follows reads every zone of its own detection)."""
    import cv2

    from docproc.reading.mrz import search
    from tests.paths import REPO

    letter = np.asarray(cv2.imread(str(REPO / "samples" / "images" / "neg_letter.jpg")), np.uint8)
    engine = get_engine(1)
    assert search.first_side(letter, DEFAULT_TUNING) == DEFAULT_TUNING.glance_side
    glanced = find_zones(engine.detect(letter, DEFAULT_TUNING.glance_side), max_candidates=4)
    looked = find_zones(line_quads(letter), max_candidates=4)
    assert len(glanced) > DEFAULT_TUNING.glance_zones == 1
    assert len(looked) > DEFAULT_TUNING.quick_zones == 2
    read: list[ZoneCandidate] = []
    glyph_first = search._glyph_first

    def counted(image: Image, zone: ZoneCandidate, *args: Any) -> Any:
        read.append(zone)
        return glyph_first(image, zone, *args)

    monkeypatch.setattr(search, "_glyph_first", counted)
    assert search._glance(PageWork(letter), engine, DEFAULT_TUNING) is None
    key = search._zone_key
    assert [key(z) for z in read] == [key(glanced[0])]
    read.clear()
    assert search._quick_look(PageWork(letter), engine, DEFAULT_TUNING) is None
    assert [key(z) for z in read] == [key(z) for z in looked[:2]]
