"""Finding and reading the zone: the glance (a small detection read by glyphs alone), the full
search (every candidate zone of a full-size detection read once: glyph-first, else PP-OCR and
glyphs voted), confirming a settled zone's names, and reading an unsettled zone harder."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from docproc.errors import EngineFailed, EngineTimeout
from docproc.reading.mrz.budget import PageWork
from docproc.reading.mrz.confidence import (
    _CORRECTION_CAP,
    _doubtful_code,
    _good_enough,
    _name_agreement,
    known_by_a_slip,
    lookalike_codes,
)
from docproc.reading.mrz.countries import is_known_code
from docproc.reading.mrz.detect import LineBox, ZoneCandidate, find_zones, line_from_quad
from docproc.reading.mrz.lines import Image, _complete_lines, _crop, _neighbour_lines
from docproc.reading.mrz.locate import line_quads
from docproc.reading.mrz.model import Correction, ParsedMRZ
from docproc.reading.mrz.parse import RULE_COUNTRY, field_spans, mrz_likelihood, parse_mrz
from docproc.reading.mrz.readings import (
    Window,
    _add_glyph_readings,
    _cells_zone,
    _decode_lines,
    _filler_sides,
    _from_ppocr,
    _glyph_zone,
    _GlyphZone,
    _greedy,
    _levelled_lines,
    _looks_like_mrz,
    _orient,
    _Reading,
    _reread,
    _target_width,
    _tesseract_lines,
)
from docproc.reading.mrz.tuning import ReaderTuning
from docproc.reading.mrz.vote import _choose, _glyph_of, _ZoneRead
from docproc.reading.ocr.glyphs import print_runs
from docproc.reading.ocr.ppocr import LOOKALIKE, PPOCR


@dataclass
class _Attempt:
    """A zone after the first, cheap reading: enough to rank zones before reading harder."""

    zone: ZoneCandidate
    lines: list[LineBox]
    readings: list[list[_Reading]]
    result: _ZoneRead | None
    likelihood: float
    # final as printed: its only faults (an unknown country code with every check digit passing,
    # or check digits that do not match) read alike by both recognisers; more readings cannot
    # change it (:func:`_codes_as_printed`, :func:`_checks_as_printed`)
    as_printed: bool = False
    # read glyph-first: the zone's lines cut to the glyph cells read (``_cells_zone``), where
    # the zone is reported to lie while its reading is this zone's
    extent: ZoneCandidate | None = None


# ------------------------------------------------------------------------------------------------
# Finding the zone: the glance and the full search


def first_side(image: Image, tuning: ReaderTuning) -> int:
    """The side the reader detects a page at first: the glance's on a large page, else the full
    search's (a small page is detected at its own size)."""
    if max(image.shape[:2]) > tuning.glance_side * tuning.glance_over:
        return tuning.glance_side
    return tuning.detect_side


def _quick_look(work: PageWork, engine: PPOCR, tuning: ReaderTuning) -> _Attempt | None:
    """The cheapest look, before any network: MRZ-like lines found by morphology
    (:func:`docproc.reading.mrz.locate.line_quads`, about 30 ms), the best
    ``quick_zones`` zones read glyph-first (:func:`_glyph_first`, with its second readings of
    names and codes). The first zone that settles with both readings of its names alike, else
    None: the text detector follows."""
    if tuning.quick_zones <= 0:
        return None
    zones = find_zones(line_quads(work.image), max_candidates=tuning.quick_zones)
    return _first_final(work, zones, engine, tuning, names_agree=True)


def _first_final(
    work: PageWork,
    zones: list[ZoneCandidate],
    engine: PPOCR,
    tuning: ReaderTuning,
    *,
    names_agree: bool = False,
) -> _Attempt | None:
    """The first of ``zones`` that the glyph-first path makes final (and, with ``names_agree``,
    whose names both recognisers read alike), while the budget lasts; None otherwise."""
    for n, zone in enumerate(zones):
        if n and work.out_of_time():
            break
        attempt = _glyph_first(work.image, zone, engine, tuning)
        if attempt is not None and _final(attempt) and (not names_agree or _names_agree(attempt)):
            return attempt
    return None


def _names_agree(attempt: _Attempt) -> bool:
    """PP-OCR read the names as the glyph reader did. The quick look's boxes come from ink
    alone: a mark beside a line can move its cell grid, which the check digits of the other
    line do not see but the names' two readings do. Where they differ, the detector's boxes
    read the page again."""
    zr = attempt.result
    assert zr is not None
    return _name_agreement(zr, field_spans(zr.parsed)["surname"][0][0]) >= 1.0


def _glance(work: PageWork, engine: PPOCR, tuning: ReaderTuning) -> _Attempt | None:
    """The quickest look at a large page: text lines detected at a small size, zones read by the
    glyph reader alone (:func:`_glyph_first`), the most MRZ-like ``tuning.glance_zones`` of them
    (one by default). The first settled zone, else None."""
    if first_side(work.image, tuning) != tuning.glance_side:
        return None  # small pages are detected at their own size anyway
    zones = find_zones(work.detect(engine, tuning.glance_side), max_candidates=tuning.glance_zones)
    return _first_final(work, zones, engine, tuning)


def _search(
    work: PageWork, engine: PPOCR, tuning: ReaderTuning, *, loose: bool = True
) -> _Attempt | None:
    """Every candidate zone of a full-size detection gets one cheap reading (:func:`_first_pass`):
    the first settled zone, else the most MRZ-like one (None when nothing read like an MRZ). A
    large page is detected again at a larger size only when nothing MRZ-like was seen and its
    text was small at the first size (:func:`_text_large`), and within the budget (its CPU
    forecast from the page's first detections). When no zone read parses (and ``loose``),
    the zones of lines only a loose scoring of the same detections finds are read too (a bent
    or tilted line's box scores low inside its rectangle). Once the budget is spent, no
    further zone is read (the first one always is)."""
    image = work.image
    attempts: list[_Attempt] = []
    sides = [tuning.detect_side]
    if max(image.shape[:2]) > tuning.detect_side * tuning.large_over:
        sides.append(tuning.detect_side_large)
    tried = 0
    for side in sides:
        if side != sides[0] and _text_large(work, sides[0], tuning):
            break  # text this large was found at the first size: so would an MRZ be
        if side != sides[0] and (work.out_of_time() or not work.detection_fits(side)):
            work.ran_out = True
            break  # a page that has not shown an MRZ-like zone within the budget has none
        zones = find_zones(work.detect(engine, side), max_candidates=tuning.zones_per_detection)
        final, tried = _first_passes(work, zones, attempts, tried, engine, tuning)
        if final is not None:
            return final
        if attempts:
            break  # a larger detection size only when nothing MRZ-like was seen
    if loose and not any(a.result is not None for a in attempts) and not work.out_of_time():
        # nothing parsed: the MRZ may be among the lines the strict detection dropped (a bent
        # booklet page, a tilt): the zones those lines make, from the same map, scored loosely
        for side in [s for s in sides if s in work.detections]:
            extra = work.detect_loose(engine, side)
            if not extra:
                continue
            strict = work.detections[side]
            known = {_zone_key(z) for z in find_zones(strict, tuning.zones_per_detection)}
            zones = [
                z
                for z in find_zones(strict + extra, max_candidates=tuning.zones_per_detection)
                if _zone_key(z) not in known
            ]
            final, tried = _first_passes(work, zones, attempts, tried, engine, tuning)
            if final is not None:
                return final
    if not attempts:
        return None
    return max(attempts, key=lambda a: (a.result.rank if a.result else (-1.0,), a.likelihood))


def _first_passes(
    work: PageWork,
    zones: list[ZoneCandidate],
    attempts: list[_Attempt],
    tried: int,
    engine: PPOCR,
    tuning: ReaderTuning,
) -> tuple[_Attempt | None, int]:
    """:func:`_first_pass` of each of ``zones`` not outdone by one of ``attempts`` (which this
    extends), while the budget lasts (the first zone of the page is always read): the first
    final attempt, if one is, and how many zones have been read now."""
    for zone in zones:
        if tried and work.out_of_time():
            break
        if any(_outdone(zone, a) for a in attempts):
            continue
        tried += 1
        attempt = _first_pass(work.image, zone, engine, tuning)
        if attempt is None:
            continue
        if _final(attempt):
            return attempt, tried
        attempts.append(attempt)
    return None, tried


def _zone_key(zone: ZoneCandidate) -> tuple[tuple[int, ...], ...]:
    """A zone's lines, to the pixel: the same zone found in two detections has one key."""
    return tuple((round(ln.center[0]), round(ln.center[1]), round(ln.length)) for ln in zone.lines)


def _text_large(work: PageWork, side: int, tuning: ReaderTuning) -> bool:
    """The page's text lines detected at ``side`` are ``large_text_px`` thick or more (median,
    in pixels at that side): an MRZ printed at the size of the page's text was there to be
    found, and a larger detection finds nothing more."""
    lines = [line_from_quad(q) for q in work.detections.get(side, [])]
    lines = [ln for ln in lines if ln.aspect >= 4]
    if len(lines) < 3:
        return False
    scale = min(1.0, side / float(max(work.image.shape[:2])))
    return bool(float(np.median([ln.thickness for ln in lines])) * scale >= tuning.large_text_px)


# A zone whose every line reads at least this MRZ-like, as many lines as its format has, is a
# whole MRZ: no other zone sharing a line with it, and no zone of shorter lines, is read after it.
_WHOLE_ZONE_LIKELIHOOD = 0.5
# ...shorter: a zone whose longest line is below this share of the whole zone's longest line (the
# detector may stop a line short where its fillers start, never past its end).
_SHORTER_LINES = 0.8


def _whole(attempt: _Attempt) -> bool:
    """An attempt that read every line of its zone as an MRZ line of one format."""
    zr = attempt.result
    if zr is None or len(zr.parsed.lines) != len(attempt.lines):
        return False
    return min(mrz_likelihood(c.text) for c in zr.chosen) >= _WHOLE_ZONE_LIKELIHOOD


def _outdone(zone: ZoneCandidate, attempt: _Attempt) -> bool:
    """A zone not worth a reading after ``attempt``: that read a whole MRZ (:func:`_whole`), and
    this zone shares a line with it (a window of the same lines, one line more or less) or its
    lines are all shorter (other text of the page). Saves the recogniser's passes over zones that
    cannot read better; a whole-but-unsettled zone goes on to be read harder."""
    if not _whole(attempt):
        return False
    theirs = attempt.zone.lines
    if max(ln.length for ln in zone.lines) < _SHORTER_LINES * max(ln.length for ln in theirs):
        return True
    return any(_same_line(a, b) for a in zone.lines for b in theirs)


def _same_line(a: LineBox, b: LineBox) -> bool:
    """Two boxes of one detected line (centres within a quarter of its thickness)."""
    return float(np.linalg.norm(a.center - b.center)) < 0.25 * max(a.thickness, b.thickness)


def _first_pass(
    image: Image, zone: ZoneCandidate, engine: PPOCR, tuning: ReaderTuning
) -> _Attempt | None:
    """A zone's one cheap reading: glyph-first; else PP-OCR in the right reading direction, with
    the glyph reader beside it, voted. None when the zone does not read like an MRZ at all."""
    fast = _glyph_first(image, zone, engine, tuning)
    if fast is not None:
        return fast
    if tuning.line_reader and tuning.filler_gate:
        found, turned = _filler_sides(image, zone)
        if not (found or turned):
            return None  # no filler run either way round: not an MRZ
        if turned and not found:
            # fillers only upside down: PP-OCR reads the zone turned round at once, not first
            # the wrong way up, then a probe of both ways, then again
            zone = zone.flipped()
    zone, lines, first, readings = _orient(image, zone, engine)
    if not _looks_like_mrz(first):
        return None
    _add_glyph_readings(image, lines, readings)
    likelihood = float(np.mean([mrz_likelihood(r.text) for r in first]))
    return _Attempt(zone, lines, readings, _choose(readings, zone, lines, tuning), likelihood)


def _glyph_first(
    image: Image, zone: ZoneCandidate, engine: PPOCR, tuning: ReaderTuning
) -> _Attempt | None:
    """The fast path: read the zone's cells with the glyph reader alone (grids from the ink; a
    3-line zone is TD1, a 2-line zone TD3/MRV-A or TD2/MRV-B), the way the detector found it or,
    when that is not sure enough, turned round (the surer way wins). When that parses with
    every check digit passing, PP-OCR reads only the name line (names need a second reading),
    the codes a look-alike would turn into another valid code, a visa's optional data with
    look-alikes and the field of any character the parser had to guess (a country code from a
    look-alike digit): a name line up to its sure fillers, the rest as windows of their cells
    (:func:`_reread`). Anything less (a missed line, a failed check) returns None: the full
    path follows."""
    if len(zone.lines) not in (2, 3):
        return None
    found_lines, found_inks = _levelled_lines(image, _complete_lines(zone))
    turned_read: tuple[ZoneCandidate, list[LineBox], list[npt.NDArray[np.float32]]] | None = None
    for width in (30,) if len(zone.lines) == 3 else _two_line_widths(found_inks):
        placed, lines = zone, found_lines
        gz = _glyph_zone(image, lines, width, found_inks)
        if gz is not None and gz.mean < tuning.glyph_first_mean:
            # too unsure as found: the zone may be upside down (turned OCR-B reads as noise,
            # though its fillers and symmetric glyphs keep the mean up to about 0.7); the
            # surer way round is read on
            if turned_read is None:  # made once, for whichever widths need it
                turned = zone.flipped()
                turned_lines, turned_inks = _levelled_lines(image, _complete_lines(turned))
                turned_read = (turned, turned_lines, turned_inks)
            turned, turned_lines, turned_inks = turned_read
            other = _glyph_zone(image, turned_lines, width, turned_inks)
            if other is not None and other.mean > gz.mean:
                placed, lines, gz = turned, turned_lines, other
        if gz is None or gz.mean < tuning.glyph_first_mean:
            continue
        parsed = parse_mrz([r.text for r in gz.readings])
        realigned = False
        if parsed is None or not parsed.valid:
            found = _realigned(gz)
            if found is None:
                if tuning.as_printed:
                    printed = _checks_as_printed(image, placed, lines, gz, parsed, engine, tuning)
                    if printed is not None:
                        return printed
                continue
            (gz, parsed), realigned = found, True
        capped = [c for c in parsed.corrections if c.rule in _CORRECTION_CAP]
        if any(c.rule != RULE_COUNTRY for c in capped):
            continue  # a check-digit choice or a length repair: the full path reads it better
        name_line = field_spans(parsed)["surname"][0][0]
        windows = _second_readings(gz, placed, lines, parsed, capped, tuning)
        if realigned:  # a grid moved by a cell: PP-OCR reads every line
            windows = dict.fromkeys(range(len(lines)), (0, None))
        readings = _reread(image, lines, gz, windows, engine, tuning)
        zr = _choose(readings, placed, lines, tuning)
        if zr is None or not zr.parsed.valid:
            continue
        as_printed = False
        if _doubtful_code(zr.parsed):
            if not tuning.as_printed:
                continue
            zr = _codes_as_printed(image, lines, readings, zr, engine, tuning)
            if zr is None:
                continue
            as_printed = True
        if realigned and not _recognisers_agree(zr):
            continue
        if gz.mean < tuning.glyph_sure_mean and _name_agreement(zr, name_line) < 1.0:
            continue  # a less sure reading whose names PP-OCR disputes: read it all again
        return _Attempt(
            placed, lines, readings, zr, 1.0, as_printed, _cells_zone(placed, lines, gz)
        )
    return None


# A two-line zone whose lines show at most this many runs of print is read as 36 characters
# before 44 (:func:`_two_line_widths`).
_SHORT_LINE_RUNS = 40


def _two_line_widths(inks: Sequence[npt.NDArray[np.float32]]) -> tuple[int, int]:
    """The order a two-line zone's lengths are tried in: 44 (TD3, MRV-A) first, unless no line
    shows more than :data:`_SHORT_LINE_RUNS` runs of print (:func:`print_runs`): then 36 (TD2,
    MRV-B) first. On 158 two-line zones of specimens and synthetic pages, every 44-character
    line showed at least 44 runs and most 36-character ones 36-40. An order only: the other
    length is read when the first does not settle."""
    if max(print_runs(ink) for ink in inks) <= _SHORT_LINE_RUNS:
        return (36, 44)
    return (44, 36)


_COUNTRY_FIELDS = ("issuing_country", "nationality")


# A zone with more than this share of cells the glyph reader is less than ``glyph_decisive`` sure
# of is not taken for a clean print of wrong digits, and PP-OCR is not asked (on the specimens: a
# print with wrong digits has at most 2 such cells of 90, a misread zone about 30).
_UNSURE_CELLS = 0.05


def _checks_as_printed(
    image: Image,
    zone: ZoneCandidate,
    lines: list[LineBox],
    gz: _GlyphZone,
    parsed: ParsedMRZ | None,
    engine: PPOCR,
    tuning: ReaderTuning,
) -> _Attempt | None:
    """A zone the glyph reader reads whole, sure of it, whose only fault is check digits that do
    not match (a void specimen, a card printed with a wrong digit): PP-OCR reads every line, and
    when it reads every character as the glyph reader did, the digits are printed so and no
    further reading changes them. The attempt is final (``as_printed``): the record goes to
    review for its failed checks at once. A look-alike PP-OCR read otherwise (``0`` for ``O``)
    counts as alike where the glyph reader is ``glyph_decisive`` sure of its character. None
    otherwise: the full path reads the zone."""
    if parsed is None or len(parsed.lines) != len(lines) or all(parsed.checks.values()):
        return None
    if any(
        w.startswith(("invalid_", "illegal_", "ambiguous_", "guessed_")) for w in parsed.warnings
    ):
        return None  # not only the check digits: a misread date, sex or format
    if any(c.rule in _CORRECTION_CAP for c in parsed.corrections):
        return None  # the parser chose or inserted a character: not read alike
    cells = [p for r in gz.readings for p in r.probs]
    if sum(p < tuning.glyph_decisive for p in cells) > _UNSURE_CELLS * len(cells):
        return None  # a misread (a grid off by a cell, a truncated line), not a clean print
    whole: dict[int, Window] = dict.fromkeys(range(len(lines)), (0, None))
    readings = _reread(image, lines, gz, whole, engine, tuning)
    zr = _choose(readings, zone, lines, tuning)
    if zr is None or zr.parsed.valid or zr.parsed.lines != parsed.lines:
        return None
    for per, final in zip(readings, zr.parsed.lines, strict=True):
        glyph = _glyph_of(per)
        if glyph is None or glyph.text != final:
            return None
        for r in per:
            if len(r.text) != len(final):
                return None
            for col, (ch, want) in enumerate(zip(r.text, final, strict=True)):
                # PP-OCR's O/0-style slips are the glyph reader's to settle, when it is sure
                if ch != want and not (
                    LOOKALIKE.get(ch) == want and glyph.probs[col] >= tuning.glyph_decisive
                ):
                    return None
    return _Attempt(zone, lines, readings, zr, 1.0, as_printed=True)


def _codes_as_printed(
    image: Image,
    lines: list[LineBox],
    readings: list[list[_Reading]],
    zr: _ZoneRead,
    engine: PPOCR,
    tuning: ReaderTuning,
) -> _ZoneRead | None:
    """A zone whose every check digit passes but whose country code the ICAO list does not know
    (a specimen's made-up state, ``D<<``'s older ``BDR``, a placeholder): when PP-OCR or the line
    recogniser (PP-OCR reading the line now if neither has) and the glyph reader (at least
    ``printed_code_glyph`` sure) read
    every character of the country fields as chosen, the code is printed so and no further
    reading changes it. The zone then goes to review with its ``unknown_country`` reason at
    once, instead of after the whole search and every harder reading. None otherwise (a
    document code its format does not allow is never taken as printed: it is a misread format
    more often than a printed one).

    A code no second reading could make known is taken at once, PP-OCR not asked
    (:func:`_unknown_as_read`)."""
    if _misread_format(zr):
        return None
    if _unknown_as_read(zr, readings, tuning):
        return zr
    spans = field_spans(zr.parsed)
    cells = [
        (ln, col)
        for name in _COUNTRY_FIELDS
        for ln, s, e in spans.get(name, ())
        for col in range(s, e)
    ]
    width = len(zr.parsed.lines[0])

    def second(ln: int, col: int) -> list[_Reading]:
        # PP-OCR's readings of the line, or the line recogniser's that read this cell itself
        return [
            r
            for r in readings[ln]
            if len(r.text) == width
            and (r.source.startswith("ppocr") or (r.source.startswith("line") and r.saw(col)))
        ]

    unread = sorted({ln for ln, col in cells if not second(ln, col)})
    if unread:
        mats, chars = engine.recognise_matrices([_crop(image, lines[i], 0) for i in unread])
        for i, per in zip(unread, _decode_lines(mats, chars, "ppocr0", width), strict=True):
            readings[i][:0] = per
        chosen = _choose(readings, zr.zone, lines, tuning)
        if chosen is None or not chosen.parsed.valid or _misread_format(chosen):
            return None
        zr = chosen
    for ln, col in cells:
        final = zr.parsed.lines[ln][col]
        glyph = _glyph_of(readings[ln])
        if glyph is None or len(glyph.text) != width or glyph.text[col] != final:
            return None
        if glyph.probs[col] < tuning.printed_code_glyph:
            return None
        others = second(ln, col)
        if not others or any(r.text[col] != final for r in others):
            return None
    return zr


def _unknown_as_read(zr: _ZoneRead, readings: list[list[_Reading]], tuning: ReaderTuning) -> bool:
    """Every country code of the zone that the ICAO list does not know was read by the glyph
    reader at least ``unknown_code_glyph`` sure in each character, and no look-alike slip turns it
    into a known code (:func:`~docproc.reading.mrz.confidence.known_by_a_slip`): a second
    reading could only confirm it or misread it, and the record goes to review for the code
    either way (a specimen's made-up ``COU``, ``SI<``; ``D<<``'s older ``BDR``)."""
    spans = field_spans(zr.parsed)
    unknown = 0
    for name in _COUNTRY_FIELDS:
        for ln, s, e in spans.get(name, ()):
            code = zr.parsed.lines[ln][s:e]
            if is_known_code(code):
                continue
            glyph = _glyph_of(readings[ln])
            if glyph is None or glyph.text[s:e] != code or known_by_a_slip(code):
                return False
            if min(glyph.probs[s:e]) < tuning.unknown_code_glyph:
                return False
            unknown += 1
    return unknown > 0


def _second_readings(
    gz: _GlyphZone,
    zone: ZoneCandidate,
    lines: list[LineBox],
    parsed: ParsedMRZ,
    guessed: Sequence[Correction],
    tuning: ReaderTuning,
) -> dict[int, Window]:
    """What PP-OCR reads of a zone the glyph reader read valid: every name line (from its start:
    names need a second reading; on a 2x36 French card the given names have their own line),
    and on other lines a window over the codes :func:`_code_cells` names and the whole field of
    each character the parser ``guessed``."""
    spans = field_spans(parsed)
    cells = _code_cells(gz, zone, lines, tuning)
    for c in guessed:
        for ln, s, e in itertools.chain.from_iterable(spans.values()):
            if ln == c.line and s <= c.column < e:
                cells.setdefault(ln, set()).update(range(s, e))
    windows: dict[int, Window] = {
        ln: (0, None) for key in ("surname", "given_names") for ln, _, _ in spans.get(key, ())
    }
    for ln, cols in cells.items():
        if ln not in windows:  # a name line is read from its start anyway
            windows[ln] = (min(cols), max(cols) + 1)
    return windows


def _code_cells(
    gz: _GlyphZone, zone: ZoneCandidate, lines: list[LineBox], tuning: ReaderTuning
) -> dict[int, set[int]]:
    """Cells (by line) holding a code (document code, country, sex) that the glyph reader alone
    leaves open to a look-alike giving another valid code, or a visa's optional data (no check
    digit) with look-alike characters: PP-OCR reads them too (two readings)."""
    alone = _choose([[r] for r in gz.readings], zone, lines, tuning)
    if alone is None or len(alone.parsed.lines) != len(lines):
        return {}
    spans = field_spans(alone.parsed)
    out: dict[int, set[int]] = {}
    for name in lookalike_codes(alone, tuning):
        for ln, s, e in spans[name]:
            out.setdefault(ln, set()).update(range(s, e))
    if alone.parsed.type.value in ("MRVA", "MRVB"):
        for ln, s, e in spans.get("optional_data", ()):
            if any(ch in LOOKALIKE for ch in alone.parsed.lines[ln][s:e]):
                out.setdefault(ln, set()).update(range(s, e))
    return out


def _recognisers_agree(zr: _ZoneRead) -> bool:
    """Every reading of every line, parsed with the other lines chosen, gives the same record:
    a zone read on a grid moved by a cell is taken on the glyph-first path only then (the moved
    cells can read 1 as L, which no check digit sees: both count 1)."""
    want = zr.parsed
    for line, per in enumerate(zr.readings):
        for r in per:
            texts = [c.text for c in zr.chosen]
            texts[line] = r.text
            alt = parse_mrz(texts)
            if alt is None or (alt.lines, alt.valid) != (want.lines, want.valid):
                return False
    return True


def _realigned(gz: _GlyphZone) -> tuple[_GlyphZone, ParsedMRZ] | None:
    """The zone with its line grids moved by a cell where that makes it parse valid (the
    combination with the most check digits passing), else None."""
    best: tuple[int, _GlyphZone, ParsedMRZ] | None = None
    for other in gz.shifted():
        parsed = parse_mrz([r.text for r in other.readings])
        if parsed is not None and parsed.valid and (best is None or parsed.check_score > best[0]):
            best = (parsed.check_score, other, parsed)
    return (best[1], best[2]) if best else None


# ------------------------------------------------------------------------------------------------
# Finishing a zone: confirm a settled one's names, read an unsettled one harder


def _misread_format(zr: _ZoneRead) -> bool:
    """A document code its format does not allow: never taken as printed."""
    return any(w.startswith("invalid_document_code") for w in zr.parsed.warnings)


def _final(attempt: _Attempt) -> bool:
    """Settled, or read as printed: no further reading of the page can change the record."""
    return attempt.as_printed or _settled(attempt)


def _settled(attempt: _Attempt) -> bool:
    zr = attempt.result
    return (
        zr is not None and zr.parsed.valid and (attempt.as_printed or not _doubtful_code(zr.parsed))
    )


def _confirmed(
    image: Image, attempt: _Attempt, engine: PPOCR, tuning: ReaderTuning
) -> _ZoneRead | None:
    """A settled attempt, with its names read once more unless two recognisers agree on them."""
    assert attempt.result is not None
    if _names_confirmed(attempt.result):
        return attempt.result
    return _confirm_names(image, attempt, engine, tuning)


def _names_confirmed(zr: _ZoneRead) -> bool:
    """The names already rest on two independent recognisers that agree (the glyph reader and
    PP-OCR or the line recogniser)."""
    line = field_spans(zr.parsed)["surname"][0][0]
    per = zr.readings[line]
    return (
        _glyph_of(per) is not None
        and any(r.source.startswith(("ppocr", "line")) for r in per)
        and _name_agreement(zr, line) == 1.0
    )


def _confirm_names(
    image: Image, attempt: _Attempt, engine: PPOCR, tuning: ReaderTuning
) -> _ZoneRead | None:
    """Every check digit passes, but names have none: read the name line once more from a
    differently scaled crop, so that their confidence rests on two readings."""
    zr = attempt.result
    assert zr is not None
    name_line = field_spans(zr.parsed)["surname"][0][0]
    line_box = zr.zone.lines[name_line]
    index = next(i for i, ln in enumerate(attempt.lines) if ln is line_box)
    mats, chars = engine.recognise_matrices([_crop(image, line_box, 2)])
    width = len(zr.parsed.lines[0])
    attempt.readings[index].extend(_decode_lines(mats, chars, "ppocr2", width)[0])
    return _choose(attempt.readings, attempt.zone, attempt.lines, tuning)


def _read_harder(
    work: PageWork, attempt: _Attempt, engine: PPOCR, deep: bool, tuning: ReaderTuning
) -> _ZoneRead | None:
    """More readings of a zone whose checks do not pass yet: a line cut short stretched, a
    missed line, the renderings of ``tuning.harder_renderings`` (none by default) and
    (``deep``) a second engine, tesseract, unless a line the two recognisers read far apart
    (:func:`_disputed_share`) leaves the record in doubt whatever it reads; each step only
    while the budget lasts."""
    image = work.image
    if work.out_of_time():
        return attempt.result
    attempt = _stretch_truncated(work, attempt, engine, tuning) or attempt
    lines, readings, zone = attempt.lines, attempt.readings, attempt.zone
    if len(lines) < 3 and not work.out_of_time():
        lines, readings = _add_missed_line(image, lines, readings, engine)
    open_lines = [i for i, per in enumerate(readings) if not _agreed(per)]
    for v in tuning.harder_renderings:
        if work.out_of_time() or not open_lines:
            break
        mats, chars = engine.recognise_matrices([_crop(image, lines[i], v) for i in open_lines])
        width = _target_width([_greedy(per).text for per in readings])
        for i, per in zip(open_lines, _decode_lines(mats, chars, f"ppocr{v}", width), strict=True):
            readings[i].extend(per)
    zr = _choose(readings, zone, lines, tuning)
    if not (deep and tuning.harder_tesseract) or work.out_of_time():
        return zr
    if zr is not None and _good_enough(zr, tuning):
        return zr
    # a line both recognisers read alike gains nothing
    open_lines = [i for i in range(len(lines)) if not _agreed(readings[i])]
    if any(_disputed_share(readings[i]) > tuning.tesseract_dispute for i in open_lines):
        # a line the two recognisers read this differently stays in doubt whatever a third
        # reading says (its votes split three ways): the record goes to review as it stands
        return zr
    crops = [_crop(image, lines[i], 0) for i in open_lines]
    try:
        votes = _tesseract_lines(crops)
    except (EngineFailed, EngineTimeout):
        # the last vote, on a reading that goes to review without it: a tesseract that fails
        # or hangs on these crops costs the vote, not the page's reading
        return zr
    for i, reading in zip(open_lines, votes, strict=True):
        readings[i].append(reading)
    return _choose(readings, zone, lines, tuning)


# A 36-character reading (TD2, MRV-B) may be an MRV-A or a TD3 whose lines the detector cut
# short where their fillers run: the 28 characters the check digits cover stand alike in both
# layouts, so every check passes. Such a zone's ink goes on past its end: at least _RUNS_BEYOND
# character-sized runs (a fifth to a whole pitch wide) in the next _CELLS_BEYOND cells of a line.
_CELLS_BEYOND = 6
_RUNS_BEYOND = 4


def _goes_on(image: Image, zr: _ZoneRead) -> bool:
    """Whether a 36-character reading's lines go on past their end in characters: the zone is
    a 44-character one cut short (:func:`_widened` reads it whole)."""
    if len(zr.parsed.lines[0]) != 36:
        return False
    for line in zr.zone.lines:
        pitch = _pitch(line, 36)
        extent = _CELLS_BEYOND * pitch
        beyond = LineBox(
            line.center + line.u * (line.length + extent) / 2, line.u, extent, line.thickness
        )
        own = cv2.cvtColor(_crop(image, line, 0), cv2.COLOR_BGR2GRAY)
        paper, dark = float(np.percentile(own, 90)), float(np.percentile(own, 3))
        if paper - dark < 32:
            return False  # no contrast to tell ink from paper by
        ink = cv2.cvtColor(_crop(image, beyond, 0), cv2.COLOR_BGR2GRAY) < (paper + dark) / 2
        cell = pitch * ink.shape[0] / line.thickness  # a character's pitch in the crop
        columns = ink.mean(axis=0) >= 0.15
        edges = np.flatnonzero(np.diff(np.concatenate([[0], columns.astype(np.int8), [0]])))
        widths = (edges[1::2] - edges[0::2]) / cell
        runs = int(np.sum((widths >= 0.2) & (widths <= 1.0)))
        if runs < _RUNS_BEYOND and _glyphs(ink, cell) < _RUNS_BEYOND:
            return False
    return True


def _glyphs(ink: npt.NDArray[np.bool_], cell: float) -> int:
    """How many character-sized marks a line's ink holds: connected pieces at least 0.3 of the
    crop's height tall and a quarter to 1.1 of a ``cell`` wide. A filler's two thin strokes
    fill too little of any column for the column count of :func:`_goes_on` (an MRV-A cut
    where its fillers run was accepted as an MRV-B), but each ``<`` is one such piece."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    tall = h >= 0.3 * ink.shape[0]
    return int(np.sum(tall & (w >= 0.25 * cell) & (w <= 1.1 * cell)))


def _pitch(line: LineBox, width: int) -> float:
    """A line box's character pitch: its length less the box's margin (0.3 of its thickness at
    each end), over its characters."""
    return max(1.0, (line.length - 0.6 * line.thickness) / width)


def _widened(image: Image, zr: _ZoneRead, engine: PPOCR, tuning: ReaderTuning) -> _ZoneRead | None:
    """A zone that :func:`_goes_on` read again at 44 characters a line (its boxes lengthened by
    eight characters where they were cut), by PP-OCR and the glyph reader: the 44-character
    reading when it parses valid, else None."""
    lines = [_lengthened(ln, 8 * _pitch(ln, 36), 1.0) for ln in zr.zone.lines]
    _, wide = _read_lines(image, lines, zr.zone.score, 44, engine, tuning)
    if wide is None or not wide.parsed.valid or len(wide.parsed.lines[0]) != 44:
        return None
    return wide


def _lengthened(line: LineBox, extra: float, direction: float) -> LineBox:
    """The line box ``extra`` pixels longer at its end (``direction`` 1) or its start (-1)."""
    return LineBox(
        line.center + line.u * direction * extra / 2, line.u, line.length + extra, line.thickness
    )


def _read_lines(
    image: Image,
    lines: list[LineBox],
    score: float,
    width: int,
    engine: PPOCR,
    tuning: ReaderTuning,
) -> tuple[list[list[_Reading]], _ZoneRead | None]:
    """Lines read afresh by PP-OCR (at ``width`` characters) and the glyph reader, and voted."""
    mats, chars = engine.recognise_matrices([_crop(image, ln, 0) for ln in lines])
    readings = _decode_lines(mats, chars, "ppocr0", width)
    _add_glyph_readings(image, lines, readings)
    return readings, _choose(readings, ZoneCandidate(tuple(lines), score), lines, tuning)


def _disputed_share(per: Sequence[_Reading]) -> float:
    """How much of a line PP-OCR's plain reading and the glyph reader's read otherwise (1 less
    difflib's ratio of the two texts; 0 when the line lacks either reading)."""
    glyph, plain = _glyph_of(per), _greedy(per)
    if glyph is None or plain is glyph:
        return 0.0
    return 1.0 - difflib.SequenceMatcher(None, glyph.text, plain.text, autojunk=False).ratio()


def _agreed(per: list[_Reading]) -> bool:
    """A line that PP-OCR and the glyph reader read alike: more renderings of it add nothing."""
    texts = {r.text for r in per}
    return len(texts) == 1 and _glyph_of(per) is not None and len(per) >= 2


def _stretch_truncated(
    work: PageWork, attempt: _Attempt, engine: PPOCR, tuning: ReaderTuning
) -> _Attempt | None:
    """Lines that read far shorter than any MRZ of the zone's line count (30 characters for
    three lines, 36 for two): the detector often stops where a long run of fillers starts, and
    on a tilted page it may find only the first 29 of a visa's 44. Stretch the zone to a full
    MRZ line at the pitch read so far (to the right, where fillers run, else to the left) and
    read it again, each way only while the budget lasts."""
    image = work.image
    lines = attempt.lines
    widths = [30] if len(lines) == 3 else [44, 36]
    read = max(len(_greedy(per).text) for per in attempt.readings)
    if read == 0 or read >= min(widths) - 3:
        return None
    pitch = _reading_pitch(attempt) or lines[0].length / (read + 0.5)
    best: _Attempt | None = None
    reads = 0
    for width in widths:
        extra = width * pitch * 1.06 - lines[0].length
        if extra <= pitch:
            continue
        for direction in (1.0, -1.0):
            if reads and work.out_of_time():
                return best
            reads += 1
            moved = [_lengthened(ln, extra, direction) for ln in lines]
            readings, zr = _read_lines(image, moved, attempt.zone.score, width, engine, tuning)
            if zr is None:
                continue
            zone = ZoneCandidate(tuple(moved), attempt.zone.score)
            tried = _Attempt(zone, moved, readings, zr, attempt.likelihood)
            if best is None or best.result is None or zr.rank > best.result.rank:
                best = tried
            if zr.parsed.valid:
                return best
    return best


def _reading_pitch(attempt: _Attempt) -> float | None:
    """Character pitch in image pixels from where the recogniser peaked along the longest line."""
    r = max((_greedy(p) for p in attempt.readings), key=lambda g: len(g.text))
    if len(r.frames) < 6 or len(r.frames) != len(r.text):
        return None
    slope = float(np.polyfit(np.arange(len(r.frames)), np.array(r.frames, float), 1)[0])
    # crops are 48 px high for the line's thickness; a frame is 8 crop pixels
    return slope * 8 * attempt.lines[0].thickness / 48 if slope > 0 else None


def _add_missed_line(
    image: Image, lines: list[LineBox], readings: list[list[_Reading]], engine: PPOCR
) -> tuple[list[LineBox], list[list[_Reading]]]:
    """An MRZ has 2 or 3 lines; look one pitch beyond the zone for a line the detector missed."""
    sides = [_neighbour_lines(lines, above=True), _neighbour_lines(lines, above=False)]
    boxes = [ln for side in sides for ln in side]
    got = engine.recognise([_crop(image, ln, 0) for ln in boxes])
    typical = max(len(_greedy(r).text) for r in readings)
    lines, readings = list(lines), list(readings)
    at = 0
    for k, side in enumerate(sides):
        found = [
            (ln, r)
            for ln, r in zip(side, got[at : at + len(side)], strict=True)
            if (mrz_likelihood(r.text) >= 0.5 or "<<" in r.text) and abs(len(r.text) - typical) <= 8
        ]
        at += len(side)
        if not found or len(lines) >= 3:
            continue
        ln, r = max(found, key=lambda f: f[1].mean_prob)
        if k == 0:
            lines.insert(0, ln)
            readings.insert(0, [_from_ppocr(r, "ppocr0")])
        else:
            lines.append(ln)
            readings.append([_from_ppocr(r, "ppocr0")])
    return lines, readings
