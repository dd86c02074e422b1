"""Read the MRZ of a page: the reading path, in order, in :func:`read_page`.

The steps live in modules by concern, each importing only from those before it: ``tuning`` (the
thresholds) <- ``lines`` (geometry) <- ``readings`` (PP-OCR, glyph and tesseract readings of
lines) <- ``vote`` (choosing among readings) <- ``confidence`` (field confidence, review
reasons) <- ``search`` (detection, the glance, the glyph-first path, reading harder) <- here.
"""

from __future__ import annotations

import dataclasses
import time

from docproc.config import get_settings
from docproc.reading.mrz.bend import page_bend, unbent
from docproc.reading.mrz.budget import PageWork, enlarged, flattened, upright_work
from docproc.reading.mrz.confidence import (
    _glyph_sure,
    _lookalike_evidence,
    field_confidence,
    lookalike_codes,
    review_reasons,
)
from docproc.reading.mrz.detect import ZoneCandidate
from docproc.reading.mrz.lines import Image
from docproc.reading.mrz.model import MRZRead
from docproc.reading.mrz.search import (
    _Attempt,
    _confirmed,
    _glance,
    _goes_on,
    _quick_look,
    _read_harder,
    _search,
    _settled,
    _widened,
    first_side,
)
from docproc.reading.mrz.tuning import DEFAULT_TUNING, ReaderTuning
from docproc.reading.mrz.vote import _ZoneRead
from docproc.reading.ocr.ppocr import PPOCR, get_engine


def read_page(
    image: Image,
    page: int = 0,
    *,
    deep: bool = True,
    engine: PPOCR | None = None,
    tuning: ReaderTuning = DEFAULT_TUNING,
    budget: float | None = None,
) -> MRZRead | None:
    """The MRZ on one page image (BGR), or None when there is none. The reading path:

    0. The quick look, before any network: MRZ-like lines found by morphology on the page as
       given (across or up and down), the best zones read glyph-first as in step 1. A zone that
       settles is taken and no text detection runs. Otherwise the page is detected once at the
       first side the path needs; when its text lines lie tilted off the axes (3 degrees or
       more), it is straightened and detected again (and looked at quickly once more); when they
       run up or down, it is turned a quarter so that they run across (the detector finds lines
       on their side or tilted far worse), and every later step works on that page.
    1. Glance, on pages longer than ``glance_side * glance_over`` only: text lines detected at
       ``glance_side``, each candidate zone read glyph-first (the OCR-B glyph reader on a
       fixed-pitch cell grid, the zone turned round when that reads like noise; PP-OCR reads
       only the name line and the cells of codes that need a second reading). The first zone that
       settles (every check digit passes, a known country code) is taken. So is a zone read
       *as printed*: every check digit passes but the country code is unknown, or the only
       fault is check digits that do not match, and PP-OCR reads the characters concerned as the
       glyph reader does: no further reading changes such a record, which goes to review at
       once with its reasons instead of after the whole search (a specimen's made-up state, a
       void card's digits).
    2. Otherwise the full search: lines detected at ``detect_side`` (and, on a large page where
       nothing MRZ-like was seen, at ``detect_side_large``); each candidate zone gets one cheap
       reading, glyph-first, else PP-OCR in the right reading direction with the glyph reader
       beside it. The first zone that settles is taken, else the most MRZ-like one. After a
       zone that read whole (every line MRZ-like), zones sharing a line with it or of shorter
       lines are not read.
    3. A settled zone's names, which no check digit covers, are read once more by PP-OCR unless
       PP-OCR and the glyph reader already agree on them. An unsettled zone is read harder: a
       truncated zone stretched to a full line, a missed line looked for (other renderings of
       every line PP-OCR and the glyph reader read otherwise when ``harder_renderings`` asks
       for them) and, when ``deep`` and the result would still go to review, tesseract (not
       on a zone one of whose open lines the two recognisers read more than
       ``tesseract_dispute`` otherwise: a third reading cannot settle it).
    4. Each time readings are added they are voted again: the combination of line readings the
       parser validates best, a character re-vote over all readings, the glyph reader's say on
       look-alikes where it is sure.
    5. A 2x36 reading whose lines go on past their end in characters is an MRV-A (or TD3) cut
       short, whose first 36 characters a line pass every check as an MRV-B: it is read again
       at 44, else goes to review (``mrz_cut_short``).
    6. Per-field confidence, and the review reasons that route the record to a person (failed
       checks, low confidence, fields the check digits cannot tell from a look-alike).
    7. A small page (longer side below ``small_side``) that showed no MRZ, or none that parses,
       is looked at once more (steps 0-2), enlarged, on what is left of the budget when at
       least as much is left as the first look took: the detector never enlarges a page and
       finds no line in a small photo lying at a slant, and small print that parses nothing is
       read better enlarged than harder. The enlarged zone is read on when it parses (or the
       page as given showed none); else the zone of the page as given is read harder.
    8. A page whose zone parses nothing, or that shows none, and whose longest text lines bend
       (a booklet's page bowing, :mod:`~docproc.reading.mrz.bend`) is flattened and read again
       (steps 0-6), within the same rule of the budget as step 7; so is a bent page whose
       reading goes to review (its reading flattened is taken when it is accepted, or valid
       where the other is not).

    The sizes and thresholds of every step come from ``tuning`` (:class:`ReaderTuning`). With a
    ``budget`` (CPU seconds), no further zone is read and no reading is added once it is spent,
    or when a step as long as the last one would overrun it:
    the best reading so far is returned with the review reason ``time_budget``.
    """
    engine = engine or get_engine(get_settings().onnx_threads)
    started = time.process_time()
    small = 0 < max(image.shape[:2]) < tuning.small_side
    # a small page's lines only a loose detection finds are left to its enlarged look
    work, attempt = _look(image, engine, tuning, budget, started, loose=not small)
    if small and (attempt is None or attempt.result is None) and not _spent(work, budget, started):
        # a small page that showed no MRZ, or none that parses: the enlarged page first, before
        # reading harder what parsed nothing (on small print that costs much and gains little)
        big, factor = enlarged(image, tuning.small_to)
        big_work, big_attempt = _look(big, engine, tuning, budget, started)
        if big_attempt is not None and (attempt is None or big_attempt.result is not None):
            read = _finish(big_work, big_attempt, big.shape[1], factor, page, engine, deep, tuning)
            if read is not None or attempt is None:
                return read
    if (attempt is None or attempt.result is None) and not _spent(work, budget, started):
        read = _flattened(work, image.shape[1], page, engine, deep, tuning, budget, started)
        if read is not None:
            return read
    if attempt is None:
        return None
    read = _finish(work, attempt, image.shape[1], 1.0, page, engine, deep, tuning)
    if (
        read is not None
        and read.needs_review
        and tuning.detect_side in work.detections  # its map is at hand: no detection more
        and not _spent(work, budget, started)
    ):
        flat = _flattened(work, image.shape[1], page, engine, deep, tuning, budget, started)
        if flat is not None and _better(flat, read):
            return flat
    return read


def _reported_zone(attempt: _Attempt, best: _ZoneRead) -> ZoneCandidate:
    """Where the zone of ``best`` is reported: where the glyph cells lie (``attempt.extent``)
    when the reading kept is on the very lines the glyph-first path cut into cells (every one
    of them: a TD1 zone's reading may rest on two of its three), else its line boxes (another
    reading of the page won, or the lines were stretched or one added)."""
    lines = best.zone.lines
    if (
        attempt.extent is not None
        and len(lines) == len(attempt.lines)
        and all(a is b for a, b in zip(lines, attempt.lines, strict=True))
    ):
        return attempt.extent
    return best.zone


def _better(read: MRZRead, than: MRZRead) -> bool:
    """A reading of a flattened page is taken over the page's own when it settles what the other
    left in doubt: it is accepted, or it parses valid where the other did not."""
    if not read.needs_review:
        return True
    return read.parsed.valid and not than.parsed.valid


def _flattened(
    work: PageWork,
    width: int,
    page: int,
    engine: PPOCR,
    deep: bool,
    tuning: ReaderTuning,
    budget: float | None,
    started: float,
) -> MRZRead | None:
    """Step 8 of :func:`read_page`: a page whose long text lines bend (:func:`page_bend`, on
    the detection map of ``work``'s image), flattened and read as any other; its zone, where it
    parses, is read on, with its quad in the pixels of the page as given (``width`` wide)."""
    bend = page_bend(engine.text_map(work.image, tuning.detect_side), work.image.shape)
    if bend is None:
        return None
    flat = unbent(work.image, bend)
    flat_work, attempt = _look(flat, engine, tuning, budget, started)
    if attempt is None or attempt.result is None:
        return None
    read = _finish(flat_work, attempt, flat.shape[1], 1.0, page, engine, deep, tuning)
    if read is None:
        return None
    quad = tuple(work.original_point(x, y + bend.at(x), width) for x, y in read.quad)
    return dataclasses.replace(read, quad=quad)  # type: ignore[arg-type]


def _spent(work: PageWork, budget: float | None, started: float) -> bool:
    """Whether the budget ran out during ``work``, or less of it is left than was spent: a look
    at the page enlarged costs more than the look at it as given."""
    if work.ran_out:
        return True
    return budget is not None and budget > 0 and 2 * (time.process_time() - started) >= budget


def _look(
    image: Image,
    engine: PPOCR,
    tuning: ReaderTuning,
    budget: float | None,
    started: float,
    *,
    loose: bool = True,
) -> tuple[PageWork, _Attempt | None]:
    """Steps 0-2 of :func:`read_page` on one image: the quick look, the glance, the full search
    (``loose``: with the lines only a loose detection finds when no zone parses); the page's
    work (turned, straightened) and its best zone after one cheap reading."""
    work = PageWork(image, budget, started=started)
    attempt = _quick_look(work, engine, tuning)
    if attempt is None:
        side = first_side(image, tuning)
        work = flattened(
            upright_work(image, engine, side, budget, work.started, skew_side=tuning.detect_side),
            engine,
            side,
        )
        if work.straightened or work.bend is not None:
            # the page as given was tilted or bent: its lines now run straight along the axes
            attempt = _quick_look(work, engine, tuning)
    if attempt is None:
        attempt = _glance(work, engine, tuning)
    if attempt is None:
        attempt = _search(work, engine, tuning, loose=loose)
    return work, attempt


def _finish(
    work: PageWork,
    attempt: _Attempt,
    width: int,
    factor: float,
    page: int,
    engine: PPOCR,
    deep: bool,
    tuning: ReaderTuning,
) -> MRZRead | None:
    """Steps 3-6 of :func:`read_page`: a zone's reading confirmed or read harder, checked for a
    cut-short line, scored; its quad in the pixels of the page as given (``width`` wide) and
    shrunk back ``factor`` times from an enlarged page."""
    if _settled(attempt):
        best = _confirmed(work.image, attempt, engine, tuning)
    elif attempt.as_printed:
        best = attempt.result  # check digits printed wrong, read alike twice: nothing to add
    else:
        best = _read_harder(work, attempt, engine, deep, tuning)
    if best is None:
        return None
    cut_short = _goes_on(work.image, best)
    if cut_short:  # a 44-character zone read as 36: every check passes in both layouts
        wide = _widened(work.image, best, engine, tuning)
        if wide is not None:
            best, cut_short = wide, False
    conf = field_confidence(best, tuning)
    sure = _glyph_sure(best, tuning)
    doubtful = _lookalike_evidence(best, tuning) - sure  # a settled look-alike is no doubt
    reasons = review_reasons(
        best.parsed, conf, doubtful, sure, tuning=tuning, lookalike=lookalike_codes(best, tuning)
    )
    if cut_short:
        reasons.append("mrz_cut_short")
    if work.ran_out:
        reasons.append("time_budget")
    zone = _reported_zone(attempt, best)
    quad = [
        tuple(v / factor for v in work.original_point(float(x), float(y), width))
        for x, y in zone.quad()
    ]
    return MRZRead(
        parsed=best.parsed,
        confidence=min(conf.values()) if conf else 0.0,
        field_confidence=conf,
        needs_review=bool(reasons),
        review_reasons=tuple(reasons),
        quad=tuple(quad),  # type: ignore[arg-type]
        page=page,
        engine="+".join(sorted({r.source.rstrip("0123L") for r in best.chosen})),
    )
