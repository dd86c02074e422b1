"""The MRZ reader's numeric thresholds in one place.

Every reading function takes a :class:`ReaderTuning` and passes it on, so a benchmark can sweep a
value by handing :func:`docproc.reading.mrz.reader.read_page` another instance
(``dataclasses.replace(DEFAULT_TUNING, glyph_sure=0.99)``). The defaults are the reader's own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ReaderTuning:
    """Thresholds and sizes of the MRZ reader (defaults: the values it ships with)."""

    # Candidate zones of the quick look (morphology, no network) read glyph-first before any
    # text detection, most MRZ-like first; 0 turns the quick look off. On the eight benchmark
    # sets (675 pages) the quick look settled 377 pages on its first zone, one on its second,
    # none on its third: a third zone cost a reading on the 43 pages it failed on and made
    # none of them (docs/benchmarks.md, fifteenth session).
    quick_zones: int = 2
    # The full path reads a zone with PP-OCR only when the line recogniser reads "<<" in one of
    # its lines, either way round (every MRZ has it; a letter's lines do not).
    filler_gate: bool = True
    # Longer side (px) a page is detected at by the full search.
    detect_side: int = 960
    # Longer side (px) of the second, larger detection when nothing MRZ-like was seen at the first.
    detect_side_large: int = 1600
    # The larger detection is tried only on pages longer than ``detect_side`` times this...
    large_over: float = 1.5
    # ...and whose text lines, detected at ``detect_side``, are thinner than this (median, px at
    # that side): text as large as that is found at ``detect_side`` already, an MRZ printed like
    # it too (a form or a page photographed close: the larger detection, 0.6-0.7 s, finds
    # nothing more).
    large_text_px: float = 12.0
    # Longer side (px) of the glance: a first, quicker detection (MRZ lines are large print).
    glance_side: int = 640
    # Only pages longer than ``glance_side`` times this are glanced at (768 px by default).
    glance_over: float = 1.2
    # Candidate zones the glance reads glyph-first, most MRZ-like first. On the eight benchmark
    # sets every page the glance settled (25) settled on its first zone; the 24 glances that
    # failed with more zones read up to three more for nothing, and the full search that
    # follows reads every zone of its own detection anyway.
    glance_zones: int = 1
    # A page whose longer side is below ``small_side`` and that shows no MRZ is read once more
    # enlarged (cubic) to ``small_to`` px, at most three times, on what is left of its budget:
    # the text detector never enlarges a page, and on a small photo turned and tilted (a card of
    # 300 px, its characters 8 px tall, lying at 28 degrees) it finds no line at all (0: never).
    small_side: int = 640
    small_to: int = 800
    # Candidate zones taken from each detection of the full search.
    zones_per_detection: int = 4
    # Glyph-first path: every line's mean cell probability must reach this (upside down: 0.5-0.7;
    # a zone below it is read the other way round too).
    glyph_first_mean: float = 0.8
    # Glyph-first path: below this line mean, PP-OCR must also agree on the names.
    glyph_sure_mean: float = 0.9
    # A line's trailing fillers the glyph reader is this sure of are not re-read by PP-OCR.
    sure_filler: float = 0.9
    # The name line's cut-down crop ends this many cells after its last glyph (half a filler).
    head_margin: float = 0.5
    # PP-OCR reads a name line's head (up to its sure fillers) on the glyph-first path at this
    # height first (px; the recogniser's time grows with its square) and at its own 48 px only
    # when that reading differs from the glyph reader's (0: always at 48 px). On 232 synthetic
    # name heads 32 px took 5.2 s against 11.2 s and agreed with the glyph reader on 195 against
    # 201; where it alone agreed (5 heads, specimens included), the glyph reading was right.
    quick_height: int = 32
    # On the glyph-first path the small line recogniser (docproc/reading/ocr/mrzlines.py) reads
    # the name heads and windows first; PP-OCR reads only those it reads otherwise than the
    # glyph reader. False: PP-OCR reads them all (the reader before the line recogniser).
    line_reader: bool = True
    # A window of a line PP-OCR reads on the glyph-first path (a code, a visa's optional data)
    # is cut this many cells before its first and after its last cell.
    window_margin: float = 0.15
    # The glyph reader settles a look-alike or filler-or-letter when at least this sure.
    glyph_decisive: float = 0.9
    # Glyph probability above which an O/0 is settled and exempt from the check-blind rule.
    glyph_sure: float = 0.995
    # ...or the glyph reader read the same character and gave its look-alike (0 for O, O for 0)
    # less than this. Calibrated on half the real specimens (by a fixed hash of the file name,
    # docs/benchmarks.md): the glyph reader misreads a printed O as 0 (never 0 as O), and then
    # gives O at least 0.0078 there (0.0026 on the other half); a read 0 gives O a median 7e-5.
    glyph_lookalike_settled: float = 0.001
    # Another look-alike (1/I, 5/S, 8/B, 2/Z, 6/G) is settled when the glyph reader read it at
    # least this sure and PP-OCR agrees. On the calibration half the glyph reader misread such a
    # pair only below 0.41.
    glyph_pair_settled: float = 0.9
    # A look-alike with at least this probability in some reading makes a position doubtful.
    lookalike_evidence: float = 0.02
    # A code no check digit covers (country, sex, document code) whose letter has a look-alike
    # giving another valid code is accepted on the glyph reader alone when it is this sure.
    code_glyph_sure: float = 0.995
    # A zone whose only faults (an unknown country code, check digits that do not match) PP-OCR
    # and the glyph reader read alike is taken as printed, at once (False: read on, as hard as
    # the budget allows).
    as_printed: bool = True
    # An unknown country code is taken as printed (no further reading) when PP-OCR and the glyph
    # reader read every character of it alike, the glyph reader at least this sure (the record
    # goes to review for the code either way).
    printed_code_glyph: float = 0.5
    # An unknown country code that no look-alike slip turns into a known one is taken as printed
    # on the glyph reader alone (PP-OCR not asked) when it read every character at least this
    # sure: a second reading could only confirm or misread it, and the record goes to review for
    # the code either way.
    unknown_code_glyph: float = 0.8
    # Reading a zone harder may render each line its two recognisers read otherwise again, in
    # these variants of :func:`docproc.reading.mrz.lines._crop` (1: 32 px high; 2: 48 px with
    # wider margins; 3: 40 px cut closer), while the budget lasts. None by default: on the eight
    # benchmark sets (675 pages: the specimens upright, turned, spoiled and bowed, the samples,
    # three synthetic sets) the three made one reading right and one wrong, accepted none more,
    # and cost 0.5-0.9 s of CPU on each page they ran on (docs/benchmarks.md, twelfth session).
    harder_renderings: tuple[int, ...] = ()
    # Reading a zone harder ends with tesseract reading each line the two recognisers read
    # otherwise, when the record would still go to review (all such lines in one tesseract
    # process). Without it, on the eight benchmark sets with no budget: the same acceptances,
    # two bowed specimens fewer read right, 10-20 % less CPU on the spoiled and bowed sets
    # (docs/benchmarks.md, thirteenth session).
    harder_tesseract: bool = True
    # ...but not on a zone one of whose open lines PP-OCR and the glyph reader read more than
    # this share otherwise (1 less difflib's ratio): a third vote settles characters two
    # readings dispute, it does not rebuild a line. On the specimens upright, bowed and spoiled
    # (20 zones tesseract read) it made two records right, both on zones whose lines differed
    # by at most 0.17; on the 17 zones with a line at 0.27 or more it made none, for 0.2-0.5 s
    # of CPU each (docs/benchmarks.md, fifteenth session). 1 or more: tesseract on every zone.
    tesseract_dispute: float = 0.25
    # A field below this confidence sends the record to review.
    review_threshold: float = 0.85


DEFAULT_TUNING = ReaderTuning()
