"""Names the statistical model misses but the sentence gives away: ranks, honorifics, initials.

Registered on import as the pipeline component ``docproc_person_context`` (after the NER):

* **rank / honorific context**: after a rank or an honorific that is always followed by a name
  ("Brigjen Polisi", "Kompol", "AKBP", "Adj. Sr. Comr.", "Detective", "Mr.", "Ibu", "Haji",
  "Daeng"), the run of capitalised words that follows (up to five, initials such as "I." and
  "bin"/"binti" inside) is a PERSON. It replaces the entities it overlaps ("Aditya Pratama" of
  "Kompol Fadillah Aditya Pratama" grows to the full name). Roles followed by a unit or a place
  ("Kapolres", "Kepala") are not cues: "Kepala Rudenim Makassar Alimuddin" stays as the model
  reads it;
* **initials**: police and news name suspects by initials ("berinisial MAH", "lelaki JS",
  "identified as HS", "the initials KU", "RM (50), HU (41) dan DA (25)"): upper-case words of
  one to four letters after such a cue, and those listed with them, are PERSON; known acronyms
  (DPO, KTP, WNA ...) are not;
* **the same name again**: a capitalised word that is the first or last word of a PERSON found
  in the same text, or initials found as a PERSON, is a PERSON where it stands alone ("Menurut
  Fadillah, ..." after "Kompol Fadillah Aditya Pratama").

The title trimmer that runs last still removes any title left at the edge of a span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from docproc.reading.nlp.components import TITLE_PHRASES, is_title_token

#: Lower-cased tokens (without a final dot) that are always followed by a person's name.
NAME_CUES: frozenset[str] = frozenset(
    {
        # Indonesian police and military ranks
        "brigjen", "brigjenpol", "irjen", "irjenpol", "komjen", "komjenpol", "kombes",
        "kombespol", "akbp", "kompol", "akp", "iptu", "ipda", "aiptu", "aipda", "bripka",
        "brigpol", "briptu", "bripda", "bharada", "bharatu", "bharaka", "letjen", "mayjen",
        "letkol", "kolonel", "kapten", "lettu", "letda", "serma", "serka", "sertu", "serda",
        "laksma", "laksda", "marsma",
        # English ranks and their abbreviations
        "adj", "comr", "supt", "insp", "brig", "gen", "col", "lt", "capt", "sgt", "cpl",
        "detective", "inspector", "sergeant", "constable", "commissioner", "chief",
        "marshal", "admiral", "minister", "senator",
        # "Karudenim" (Kepala Rudenim, head of a detention house) is followed by the name
        "karudenim",
        # honorifics
        "mr", "mrs", "ms", "miss", "bapak", "pak", "bpk", "ibu", "bu", "haji", "hj", "hjh",
        "daeng", "saudara", "sdr", "saudari", "sdri", "tuan", "nyonya", "ny", "sheikh",
        "ustaz", "ustadz", "ustadzah", "kyai", "kiai",
    }
)  # fmt: skip

#: Cues that precede a name in lower case too ("police chief Andi Kirana"); the others only
#: count capitalised ("selaku kapten. Sementara ..." is a ship's captain, not a rank).
LOWER_CASE_CUES = frozenset({"chief", "detective", "inspector", "commissioner"})

#: Cue words before initials ("berinisial MAH", "lelaki JS", "the initials KU").
INITIAL_CUES: frozenset[str] = frozenset(
    {
        "berinisial", "berinsial", "inisial", "initials", "initial", "lelaki", "pria",
        "wanita", "perempuan", "tersangka", "suspect", "suspects", "pelaku", "sopir",
        "driver", "yakni", "namely",
    }
)  # fmt: skip

#: Two-word cues ("identified as HS", "known as AR").
INITIAL_CUE_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {("identified", "as"), ("known", "as"), ("named", "as"), ("only", "as")}
)

#: Words after which a name follows, written out ("bernama Kan Deven", "identified as
#: Nababai, Saber, and Zahrangi").
NAMED_CUES: frozenset[str] = frozenset({"bernama", "named", "alias"})
NAMED_CUE_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {("identified", "as"), ("known", "as"), ("dikenal", "sebagai"), ("only", "as")}
)

#: Words after initials that say a person was meant ("MAH merupakan ...", "HB warga ...").
AFTER_INITIALS: frozenset[str] = frozenset(
    {
        "merupakan", "disebut", "bertindak", "warga", "mengaku", "berperan", "diduga",
        "ditangkap", "diamankan", "said", "told", "was", "is", "who",
    }
)  # fmt: skip

#: Sentence-initial words the model sometimes takes into a name ("Sementara HB").
LEADING_NOT_NAME: frozenset[str] = frozenset(
    {"sementara", "menurut", "sedangkan", "namun", "selain", "kata", "ujar", "dan", "and"}
)

#: Upper-case words that are not initials of a person.
NOT_INITIALS: frozenset[str] = frozenset(
    {
        "DPO", "KTP", "KK", "WNA", "WNI", "TPPO", "TNI", "POLRI", "IOM", "UNHCR", "PBB", "UN",
        "RI", "NKRI", "SIM", "HP", "WIB", "WITA", "WIT", "KUHP", "UU", "PT", "CV", "RT", "RW",
        "SAR", "TKP", "BAP", "LP", "US", "USD", "AM", "PM", "OK", "TV", "ID", "NIK", "II",
        "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII",
    }
)  # fmt: skip

#: Words after "Ibu"/"Bapak" that make it a common noun ("Ibu Kota": capital city).
_NOT_AFTER_HONORIFIC = frozenset({"kota", "negara", "pertiwi", "rumah", "tangga", "kandung"})
_CONNECTORS = frozenset({"bin", "binti", "bte", "al", "el", "van", "de"})
_LIST_GLUE = frozenset({",", "(", ")", "dan", "and", "serta", "&", "atau", "or"})
_INITIALS = re.compile(r"^[A-Z]{1,4}$")
_INITIAL_DOT = re.compile(r"^[A-Z]\.$")
MAX_NAME_WORDS = 5


def _norm(text: str) -> str:
    return text.lower().rstrip(".")


def _capitalised_word(text: str) -> bool:
    return (
        bool(text)
        and text[0].isupper()
        and (text.replace("-", "").replace("'", "").replace("’", "").isalpha())
    )


def _skip_titles(doc: Doc, i: int) -> int:
    """The first token at or after ``i`` that is not a title, rank or their dots."""
    n = len(doc)
    while i < n:
        words = [_norm(t.text) for t in doc[i : i + 5]]
        phrase = next((p for p in TITLE_PHRASES if tuple(words[: len(p)]) == p), None)
        if phrase is not None:
            i += len(phrase)
        elif doc[i].text == "." or (is_title_token(doc[i].text) or _norm(doc[i].text) in NAME_CUES):
            i += 1
        else:
            return i
    return i


def _name_run(doc: Doc, i: int) -> int:
    """End of the run of name words starting at ``i`` (``i`` when there is none)."""
    j = i
    n = len(doc)
    while j < n and j - i < MAX_NAME_WORDS:
        text = doc[j].text
        word = _capitalised_word(text) and not is_title_token(text)
        initial = j > i and bool(_INITIAL_DOT.match(text))
        connector = (
            j > i and text.lower() in _CONNECTORS and j + 1 < n and doc[j + 1].text[:1].isupper()
        )
        if not (word or initial or connector):
            break
        j += 1
    return j


#: Cues that are also words of names and places ("Asrama Haji Medan", "Ibu Kota", "Daeng"
#: inside a name): only cues when no capitalised word stands right before them.
AMBIGUOUS_CUES = frozenset({"haji", "hj", "ibu", "bu", "pak", "bapak", "daeng", "tuan", "saudara"})


def _cue_allowed(doc: Doc, i: int) -> bool:
    """A cue word that is not itself part of a name or a place ("Asrama Haji Medan")."""
    if i == 0 or _norm(doc[i].text) not in AMBIGUOUS_CUES:
        return True
    prev = doc[i - 1]
    if prev.ent_type_ and prev.ent_type_ != "PERSON":
        return False
    return not (
        prev.text[:1].isupper()
        and not is_title_token(prev.text)
        and _norm(prev.text) not in NAME_CUES
        and not prev.is_sent_start
        and prev.text not in {'"', "“", "'", "‘", "(", "-", "–", "—"}
    )


def rank_names(doc: Doc) -> list[Span]:
    """PERSON spans right after a rank or honorific."""
    out: list[Span] = []
    i = 0
    while i < len(doc):
        text = doc[i].text
        cased = text[:1].isupper() or _norm(text) in LOWER_CASE_CUES
        if cased and _norm(text) in NAME_CUES and _cue_allowed(doc, i):
            start = _skip_titles(doc, i + 1)
            if start < len(doc) and doc[start].text.lower() in _NOT_AFTER_HONORIFIC:
                i += 1
                continue
            end = _name_run(doc, start)
            if end > start:
                out.append(Span(doc, start, end, label="PERSON"))
                i = end
                continue
        i += 1
    return out


def _is_initials(text: str) -> bool:
    return bool(_INITIALS.match(text)) and text not in NOT_INITIALS


def initial_names(doc: Doc) -> list[Span]:
    """PERSON spans of initials after a cue, and of those listed with them."""
    out: list[Span] = []
    n = len(doc)
    for i, tok in enumerate(doc):
        low = tok.text.lower()
        cue = low in INITIAL_CUES or (i > 0 and (doc[i - 1].text.lower(), low) in INITIAL_CUE_PAIRS)
        if not cue:
            continue
        j = i + 1
        if j < n and doc[j].text.lower() in {"only", "hanya"}:
            continue
        found = False
        while j < n:
            text = doc[j].text
            if _is_initials(text):
                out.append(Span(doc, j, j + 1, label="PERSON"))
                found = True
            elif not (found and (text.lower() in _LIST_GLUE or text.isdigit())):
                break
            j += 1
    return out


def bare_initials(doc: Doc) -> list[Span]:
    """Initials with no cue before them but a telling word or an age after them:
    "MAH merupakan ...", "HB warga ...", "RM (50)"."""
    out: list[Span] = []
    n = len(doc)
    for i, tok in enumerate(doc):
        if not _is_initials(tok.text) or len(tok.text) < 2:
            continue
        after = doc[i + 1].text.lower() if i + 1 < n else ""
        age = i + 3 < n and after == "(" and doc[i + 2].text.isdigit() and doc[i + 3].text == ")"
        if after in AFTER_INITIALS or age:
            out.append(Span(doc, i, i + 1, label="PERSON"))
    return out


def written_names(doc: Doc) -> list[Span]:
    """Names after "bernama", "named", "identified as" ..., and the names listed with them."""
    out: list[Span] = []
    n = len(doc)
    for i, tok in enumerate(doc):
        low = tok.text.lower()
        pair = (doc[i - 1].text.lower(), low) if i > 0 else ("", "")
        if low not in NAMED_CUES and pair not in NAMED_CUE_PAIRS:
            continue
        j = i + 1
        while j < n:
            end = _name_run(doc, j)
            if end == j:
                break
            out.append(Span(doc, j, end, label="PERSON"))
            j = end
            # ", Saber, and Zahrangi": carry on over list glue to the next name
            k = j
            while k < n and doc[k].text.lower() in _LIST_GLUE and doc[k].text not in "()":
                k += 1
            if k == j or k >= n or _name_run(doc, k) == k:
                break
            j = k
    return out


def listed_names(doc: Doc) -> list[Span]:
    """In a list "A, B, C serta D" of short capitalised runs where at least half are PERSON
    already, the others are PERSON too."""
    out: list[Span] = []
    n = len(doc)
    i = 0
    while i < n:
        items: list[tuple[int, int]] = []
        j = i
        while j < n:
            end = _name_run(doc, j)
            if end == j or end - j > 3:
                break
            items.append((j, end))
            if end < n and doc[end].text == ",":
                j = end + 1
                if j < n and doc[j].text.lower() in {"dan", "and", "serta"}:
                    j += 1
            elif end < n and doc[end].text.lower() in {"dan", "and", "serta"}:
                j = end + 1
            else:
                break
        if len(items) >= 3:
            persons = sum(
                1 for a, b in items if all(doc[k].ent_type_ == "PERSON" for k in range(a, b))
            )
            if 2 * persons >= len(items):
                out.extend(
                    Span(doc, a, b, label="PERSON")
                    for a, b in items
                    if not all(doc[k].ent_type_ == "PERSON" for k in range(a, b))
                )
            i = items[-1][1]
        else:
            i += 1
    return out


def trim_leading_words(doc: Doc) -> None:
    """Drop "Sementara", "Menurut" ... from the start of PERSON spans."""
    ents = []
    changed = False
    for e in doc.ents:
        start = e.start
        while (
            e.label_ == "PERSON"
            and start < e.end - 1
            and doc[start].text.lower() in LEADING_NOT_NAME
        ):
            start += 1
        if start != e.start:
            changed = True
            ents.append(Span(doc, start, e.end, label=e.label_))
        else:
            ents.append(e)
    if changed:
        doc.ents = ents


def repeated_names(doc: Doc, persons: Iterable[Span]) -> list[Span]:
    """Single capitalised words (or initials) that repeat a PERSON found in ``doc``."""
    words: set[str] = set()
    for span in persons:
        tokens = [t.text for t in span if _capitalised_word(t.text) or _is_initials(t.text)]
        if len(span) == 1 and _is_initials(span.text):
            words.add(span.text)
        elif len(tokens) >= 2:
            words.update(w for w in (tokens[0], tokens[-1]) if len(w) >= 3)
    out = []
    # the whole name again first ("dia (Kan Deven)"), then its first or last word alone
    names = {tuple(t.text for t in span) for span in persons if len(span) > 1}
    taken: set[int] = set()
    for name in names:
        k = len(name)
        for i in range(len(doc) - k + 1):
            if tuple(t.text for t in doc[i : i + k]) == name and any(
                doc[j].ent_type_ != "PERSON" for j in range(i, i + k)
            ):
                out.append(Span(doc, i, i + k, label="PERSON"))
                taken.update(range(i, i + k))
    for tok in doc:
        if tok.i in taken or tok.text not in words or tok.ent_type_ == "PERSON":
            continue
        out.append(Span(doc, tok.i, tok.i + 1, label="PERSON"))
    return filter_spans(out)


def _merge(doc: Doc, new: list[Span], *, replace_overlaps: bool) -> None:
    """Put ``new`` PERSON spans into ``doc.ents``; overlapped entities give way when
    ``replace_overlaps`` (else a new span only fills a gap)."""
    if not new:
        return
    taken = {i for e in doc.ents for i in range(e.start, e.end)}
    if not replace_overlaps:
        new = [s for s in new if not any(i in taken for i in range(s.start, s.end))]
    covered = {i for s in new for i in range(s.start, s.end)}
    kept = [e for e in doc.ents if not any(i in covered for i in range(e.start, e.end))]
    doc.ents = filter_spans(kept + new)


class PersonContext:
    """Pipeline component: the rules of the module docstring, in that order."""

    def __call__(self, doc: Doc) -> Doc:
        trim_leading_words(doc)
        _merge(doc, rank_names(doc), replace_overlaps=True)
        _merge(doc, written_names(doc), replace_overlaps=True)
        # initials replace what the model made of them ("HB" as ORG), never a longer name
        initials = [
            s
            for s in initial_names(doc) + bare_initials(doc)
            if not doc[s.start].ent_type_ or len(_ent_of(doc, s.start)) == 1
        ]
        _merge(doc, filter_spans(initials), replace_overlaps=True)
        _merge(doc, listed_names(doc), replace_overlaps=True)
        persons = [e for e in doc.ents if e.label_ == "PERSON"]
        again = repeated_names(doc, persons)
        # a repeat fills a gap, or replaces a one-word entity of another label ("HB" as ORG)
        again = [s for s in again if not doc[s.start].ent_type_ or len(_ent_of(doc, s.start)) == 1]
        _merge(doc, again, replace_overlaps=True)
        return doc


def _ent_of(doc: Doc, i: int) -> Span:
    return next(e for e in doc.ents if e.start <= i < e.end)


@Language.factory("docproc_person_context")
def make_person_context(nlp: Language, name: str) -> PersonContext:
    return PersonContext()
