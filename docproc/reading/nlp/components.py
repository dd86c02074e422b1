"""Custom spaCy pieces of docproc's NER pipeline, registered on import.

Importing this module registers, in spaCy's registries:

* the pipeline component ``docproc_person_titles`` (factory), which removes titles, ranks,
  honorifics and academic degrees from the edges of PERSON spans;
* the pipeline component ``docproc_case_filter`` (factory), which, in normally cased text,
  drops statistical entities made only of lower-case words ("forged visa" as PERSON);
* the tokenizer ``docproc.Tokenizer.v1`` (:mod:`docproc.reading.nlp.tokenizer`: loads in
  milliseconds, the language's ~16,000 "keep whole" exceptions held as a set);
* the callback ``docproc.customize_tokenizer.v1`` used in ``[initialize.before_init]`` of the
  training config, which makes structured identifiers (case numbers, passport numbers, numeric
  dates, phone groups) single tokens.

The packaged pipeline stores the tokenizer's rules itself, so loading it needs only the factory;
:func:`docproc.reading.nlp.pipeline.load_pipeline` imports this module first, so loading never
fails with "can't find factory".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry

from docproc.reading.nlp.tokenizer import (  # also registers docproc.Tokenizer.v1
    SCRIPT_PUNCT,
    FastTokenizer,
)

# --------------------------------------------------------------------------------------------
# Tokenizer: keep identifiers whole
# --------------------------------------------------------------------------------------------

#: A whitespace-free string of letters/digits joined by ``-``, ``/`` or ``.`` that contains at
#: least one digit: ``IDN-15C01234``, ``125-15C00123``, ``IOM-IDN-2023-0456``, ``12/03/2023``,
#: ``812-3456-7890``, ``LP/B/123/VI/2023/SPKT``. Words without digits (``Jakarta-Bogor``,
#: ``S.H.``) are left to the language's own rules.
IDENTIFIER_TOKEN = re.compile(
    r"^(?=[^\s]*\d)[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)+$"
    r"|^\+\d{1,3}$"  # "+62"
)


def _extend(tokenizer: object, attr: str, extra: str) -> None:
    current = getattr(tokenizer, attr, None)
    owner = getattr(current, "__self__", None)
    pattern = getattr(owner, "pattern", None)
    if not isinstance(pattern, str) or extra in pattern:
        return
    compiled = re.compile(f"{extra}|{pattern}" if pattern else extra)
    method = compiled.finditer if attr == "infix_finditer" else compiled.search
    setattr(tokenizer, attr, method)


def customize_tokenizer(nlp: Language) -> Language:
    """Make :data:`IDENTIFIER_TOKEN` strings single tokens and split CJK/Arabic punctuation.

    Both are stored with the tokenizer when the pipeline is saved.
    """
    tokenizer = nlp.tokenizer
    if not hasattr(tokenizer, "token_match"):  # a custom tokenizer: leave it alone
        return nlp
    old = getattr(tokenizer, "token_match", None)
    pattern = IDENTIFIER_TOKEN.pattern
    if old is not None and getattr(old, "__self__", None) is not None:
        old_pattern = getattr(old.__self__, "pattern", None)
        if isinstance(old_pattern, str) and old_pattern and old_pattern != pattern:
            pattern = f"(?:{pattern})|(?:{old_pattern})"
    if isinstance(tokenizer, FastTokenizer):  # keep its exception set in front of the regex
        tokenizer.set_token_pattern(pattern)
    else:
        setattr(tokenizer, "token_match", re.compile(pattern).match)  # noqa: B010
    _extend(tokenizer, "prefix_search", f"^{SCRIPT_PUNCT}")
    _extend(tokenizer, "suffix_search", f"{SCRIPT_PUNCT}$")
    _extend(tokenizer, "infix_finditer", SCRIPT_PUNCT)
    return nlp


def make_customize_tokenizer() -> Callable[[Language], Language]:
    return customize_tokenizer


registry.callbacks("docproc.customize_tokenizer.v1", func=make_customize_tokenizer)


# --------------------------------------------------------------------------------------------
# Titles: never part of a PERSON span
# --------------------------------------------------------------------------------------------

#: Lower-cased single tokens (without a final dot) that are titles, ranks or honorifics.
TITLE_WORDS: frozenset[str] = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "mister",
        "madame",
        "dame",
        "lord",
        "lady",
        "rev",
        "fr",
        "sr",
        "sister",
        "brother",
        "sheikh",
        "shaikh",
        "sheik",
        "imam",
        "mullah",
        "maulana",
        "maulvi",
        "mawlawi",
        "hafiz",
        "hafez",
        "haji",
        "hajji",
        "hajjah",
        "hj",
        "hjh",
        "haj",
        "al-haj",
        "alhaj",
        "bapak",
        "bpk",
        "pak",
        "ibu",
        "bu",
        "saudara",
        "sdr",
        "saudari",
        "sdri",
        "tuan",
        "nyonya",
        "ny",
        "nona",
        "nn",
        "kakak",
        "kak",
        "adik",
        "dik",
        "mas",
        "mbak",
        "bang",
        "abang",
        "kyai",
        "kiai",
        "kh",
        "ustaz",
        "ustadz",
        "ustadzah",
        "habib",
        "president",
        "presiden",
        "minister",
        "menteri",
        "governor",
        "gubernur",
        "bupati",
        "walikota",
        "wali",
        "mayor",
        "camat",
        "lurah",
        "kepala",
        "head",
        "chief",
        "director",
        "direktur",
        "commissioner",
        "komisioner",
        "ambassador",
        "duta",
        "besar",
        "dubes",
        "consul",
        "konsul",
        "officer",
        "petugas",
        "inspector",
        "inspektur",
        "sergeant",
        "sersan",
        "captain",
        "kapten",
        "lieutenant",
        "letnan",
        "colonel",
        "kolonel",
        "major",
        "mayor",
        "general",
        "jenderal",
        "jendral",
        "admiral",
        "laksamana",
        "marsekal",
        "private",
        "corporal",
        "kopral",
        "constable",
        "pol",
        "polisi",
        "police",
        "polri",
        "tni",
        "jenderal",
        "komjen",
        "komjenpol",
        "irjen",
        "irjenpol",
        "brigjen",
        "brigjenpol",
        "kombes",
        "kombespol",
        "akbp",
        "kompol",
        "akp",
        "iptu",
        "ipda",
        "aiptu",
        "aipda",
        "bripka",
        "brigpol",
        "brigadir",
        "briptu",
        "bripda",
        "abrip",
        "abriptu",
        "abripda",
        "bharaka",
        "bharatu",
        "bharada",
        "kapolri",
        "wakapolri",
        "kapolda",
        "wakapolda",
        "kapolres",
        "wakapolres",
        "kapolresta",
        "kapolsek",
        "wakapolsek",
        "kasat",
        "kanit",
        "kasubdit",
        "dirreskrimum",
        "dirpolairud",
        "kabid",
        "kabag",
        "kasubbag",
        "kabidhumas",
        "kadiv",
        "kasi",
        "kakanwil",
        "kakanim",
        "kadiv",
        "kanim",
        "kepala_rudenim",
        "karudenim",
        "letjen",
        "mayjen",
        "marsma",
        "laksma",
        "laksda",
        "kolonel",
        "letkol",
        "mayor",
        "kapten",
        "lettu",
        "letda",
        "serma",
        "serka",
        "sertu",
        "serda",
        "kopda",
        "koptu",
        "praka",
        "pratu",
        "prada",
        "danlanal",
        "danramil",
        "dandim",
        "danrem",
        "pangdam",
        "ir",
        "drs",
        "dra",
        "hc",
        "h",
    ]
)

#: Multi-token titles, as lower-cased token sequences (dots stripped), longest first.
TITLE_PHRASES: tuple[tuple[str, ...], ...] = (
    ("brigadir", "jenderal", "polisi"),
    ("inspektur", "jenderal", "polisi"),
    ("komisaris", "jenderal", "polisi"),
    ("komisaris", "besar", "polisi"),
    ("ajun", "komisaris", "besar", "polisi"),
    ("ajun", "komisaris", "polisi"),
    ("inspektur", "polisi", "satu"),
    ("inspektur", "polisi", "dua"),
    ("ajun", "inspektur", "polisi", "satu"),
    ("ajun", "inspektur", "polisi", "dua"),
    ("brigadir", "polisi", "kepala"),
    ("brigadir", "polisi", "satu"),
    ("brigadir", "polisi", "dua"),
    ("komisaris", "besar"),
    ("komisaris", "polisi"),
    ("ajun", "komisaris"),
    ("brigadir", "jenderal"),
    ("duta", "besar"),
    ("police", "commissioner"),
    ("police", "chief"),
    ("chief", "inspector"),
    ("senior", "commissioner"),
    ("brigadier", "general"),
    ("major", "general"),
    ("lieutenant", "general"),
    ("lieutenant", "colonel"),
    ("first", "lieutenant"),
    ("kepala", "rudenim"),
    ("kepala", "kantor"),
)

_PUNCT_EDGE = frozenset({",", ".", ";", ":", "(", ")", "'", '"', "-"})


def _norm(token_text: str) -> str:
    return token_text.lower().rstrip(".")


#: Academic degrees written after a name (compared without dots, lower-cased).
DEGREES: frozenset[str] = frozenset(
    [
        "sh",
        "se",
        "st",
        "spd",
        "ssos",
        "sag",
        "skom",
        "sik",
        "sip",
        "ssi",
        "skm",
        "mh",
        "msi",
        "mm",
        "mba",
        "mpa",
        "phd",
        "md",
        "mt",
        "mkn",
        "lc",
        "msc",
        "bsc",
    ]
)


def is_title_token(token_text: str) -> bool:
    """True for a title/rank/honorific token (``Kombes``, ``Pol.``, ``Mr``, ``H.``)."""
    return _norm(token_text) in TITLE_WORDS


def is_degree_token(token_text: str) -> bool:
    """True for an academic degree token (``S.H.``, ``M.Si``, ``PhD``)."""
    return token_text.lower().replace(".", "") in DEGREES


def _leading_title_len(words: list[str]) -> int:
    """How many of ``words`` (normalised token texts) at the start form titles."""
    i = 0
    n = len(words)
    while i < n:
        if words[i] in {".", ","}:
            i += 1
            continue
        for phrase in TITLE_PHRASES:
            k = len(phrase)
            if tuple(words[i : i + k]) == phrase:
                i += k
                break
        else:
            if is_title_token(words[i]):
                i += 1
                continue
            break
    return i


def trim_person_span(span: Span) -> Span | None:
    """Return ``span`` without titles/ranks at its start and degrees/punctuation at its end.

    ``None`` when nothing but titles is left (e.g. a span that was only "Bapak").
    """
    doc = span.doc
    start, end = span.start, span.end
    words = [_norm(t.text) or t.text for t in doc[start:end]]
    # keep at least one token: a single-token span is a mononym, even if it looks like a title
    # word ("Nur", "Mayor" as a surname) -- only strip when a name remains after it.
    lead = _leading_title_len(words)
    if lead >= len(words):
        lead = 0 if len(words) == 1 else lead
    start += lead
    while end > start and (
        doc[end - 1].text in _PUNCT_EDGE or (end - start > 1 and is_degree_token(doc[end - 1].text))
    ):
        end -= 1
    while start < end and doc[start].text in _PUNCT_EDGE:
        start += 1
    if end <= start:
        return None
    if start == span.start and end == span.end:
        return span
    return Span(doc, start, end, label=span.label)


class PersonTitleTrimmer:
    """Pipeline component: trim titles from PERSON entities (see :func:`trim_person_span`)."""

    def __init__(self, labels: Iterable[str] = ("PERSON",)) -> None:
        self.labels = frozenset(labels)

    def __call__(self, doc: Doc) -> Doc:
        ents: list[Span] = []
        changed = False
        for ent in doc.ents:
            if ent.label_ in self.labels:
                trimmed = trim_person_span(ent)
                if trimmed is not ent:
                    changed = True
                if trimmed is not None:
                    ents.append(trimmed)
            else:
                ents.append(ent)
        if changed:
            doc.ents = ents
        return doc


@Language.factory(
    "docproc_person_titles",
    default_config={"labels": ["PERSON"]},
)
def make_person_title_trimmer(nlp: Language, name: str, labels: list[str]) -> PersonTitleTrimmer:
    return PersonTitleTrimmer(labels)


# --------------------------------------------------------------------------------------------
# Case filter: in cased text, names are capitalised
# --------------------------------------------------------------------------------------------


def _has_capital_or_digit(span: Span) -> bool:
    return any(t.text[:1].isupper() or t.text[:1].isdigit() for t in span)


class CaseFilter:
    """Drop entities with no capitalised (or numeric) token when the text itself is cased.

    The NER is trained partly on lower-cased news (NERP), so it sometimes tags lower-case
    phrases. In text that has capital letters (normal prose, OCR of forms) a name, place or
    organisation always has at least one capitalised token, so such spans are dropped. All
    lower-case input is left alone. Labels without letters (dates such as "12/03/2023") are
    unaffected because digits count.
    """

    def __init__(self, labels: Iterable[str]) -> None:
        self.labels = frozenset(labels)

    def __call__(self, doc: Doc) -> Doc:
        if not any(ch.isupper() for ch in doc.text):
            return doc
        kept = [e for e in doc.ents if e.label_ not in self.labels or _has_capital_or_digit(e)]
        if len(kept) != len(doc.ents):
            doc.ents = kept
        return doc


@Language.factory(
    "docproc_case_filter",
    default_config={"labels": ["PERSON", "ORG", "LOC", "NATIONALITY"]},
)
def make_case_filter(nlp: Language, name: str, labels: list[str]) -> CaseFilter:
    return CaseFilter(labels)
