"""Gazetteers of names, places and organisations, used as rules after the statistical NER.

Registered on import as the pipeline component ``docproc_gazetteer`` (after the case filter,
before ``docproc_person_context``). Its data (``gazetteer.json``: given and family names by
region, Indonesian provinces/regencies/cities and places of the region, agencies, unit words,
words that are never an entity alone) is saved inside the pipeline directory, written by
``models/ner/scripts/make_gazetteers.py``. The rules, each one a name in ``rules``:

* ``orgs``: known organisations ("IOM", "Organisasi Internasional untuk Migrasi") and units
  followed by a place ("Polda Aceh", "Rudenim Pusat Tanjung Pinang", "Kantor Imigrasi Kelas II
  TPI Atambua", English "Tanjung Balai Police") are ORG; they replace what they overlap, and a
  job title the model took into an organisation ("Associate External Relation UNHCR") is cut;
* ``places``: a capitalised province, regency or city name (with "Kabupaten"/"Kota"/"District"
  ...) that the model left untagged or tagged as ORG or NATIONALITY is LOC;
* ``persons``: a LOC or ORG made only of known given/family names is a PERSON; a PERSON is
  extended by a known name right after it; a run of two or more capitalised known names, or a
  name with middle initials ("Melsy I. Y. Fanggi"), is a PERSON; a known name alone before
  "mengatakan"/"said" or after "kata"/"ujar" is a PERSON;
* ``roles``: after a role that takes a place ("Kapolsek Menteng Ronald Purba"), a PERSON that
  starts with words that are not names is split into the place (LOC) and the person;
* ``cleanup``: entities that are only offences, document or job words (TPPO, Kasubsi
  Keamanan) are dropped; lower-case words at the start or end of an ORG/LOC ("into Aceh",
  "Bogor south of") are cut; job words before a unit ("Keamanan Rudenim") are cut and the
  unit is an ORG; "Jalan ... No 31 A" ends before "No"; "Aceh provincial police" is the
  place "Aceh";
* ``nationalities``: demonyms (``DEMONYMS``: "Syrian", "Somalis", "six Indonesians") that
  the model read as PERSON/ORG/LOC are NATIONALITY, plurals also where it left them out; a
  country after "warga negara"/"WNA"/"berkebangsaan" is NATIONALITY whatever the model said.

Rules added after the third dev split (dev3) was first scored: a long organisation name with
its acronym in brackets ("Rumah Detinasi Imigrasi (Rudenim) Tanjungpinang", "United Nations
High Commissioner for Refugees (UNHCR) Indonesia") is one ORG (``orgs``); capitalised
administrative words before a LOC join it ("Provinsi Sulawesi Utara") and "the village of X"
is a LOC (``places``); "Menurut X," / "according to X," names a speaker (``speech``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from docproc.reading.nlp.components import is_title_token

RULES: tuple[str, ...] = (
    "cleanup",
    "orgs",
    "places",
    "roles",
    "persons",
    "speech",
    "nationalities",
)

#: Demonyms of the region and of the people who pass through it (singular; the plural adds
#: "s", except words in "-ese" and the ethnic names). A closed list, written by hand.
DEMONYMS = frozenset(
    {
        "Afghan", "Afghani", "Bangladeshi", "Burmese", "Chinese", "Indian", "Indonesian",
        "Iranian", "Iraqi", "Malaysian", "Pakistani", "Somali", "Sudanese", "Syrian",
        "Vietnamese", "Thai", "Filipino", "Nepalese", "Nepali", "Palestinian", "Yemeni",
        "Ethiopian", "Eritrean", "Egyptian", "Lebanese", "Australian", "Sri Lankan",
        "Rohingya", "Hazara", "Uyghur", "Tamil", "Pashtun", "Tajik", "Uzbek", "Arab",
        "Jordanian", "Kuwaiti", "Saudi", "Turkish", "Singaporean", "Cambodian", "Timorese",
        "Papuan", "Acehnese", "Bruneian", "Laotian", "Japanese", "Korean",
    }
)  # fmt: skip
_DEMONYM_FORMS = DEMONYMS | frozenset(
    d + "s" for d in DEMONYMS if not d.endswith(("ese", "Rohingya", "Hazara", "Thai"))
)
#: Words before a country used as citizenship ("warga negara Banglades", "WNA China").
NATIONALITY_CUES: tuple[tuple[str, ...], ...] = (
    ("warga", "negara"),
    ("wna",),
    ("wn",),
    ("berkebangsaan",),
    ("kewarganegaraan",),
)
#: Capitalised administrative words that belong to the place after them ("Provinsi Sulawesi
#: Utara", "Gampong Ie Meulee") as in NERGrit.
_ADMIN_PREFIXES = frozenset(
    {
        "provinsi", "kabupaten", "kota", "kecamatan", "desa", "gampong", "dusun", "kelurahan",
        "pulau", "jalan", "jl", "pantai", "teluk", "selat",
    }
)  # fmt: skip
#: English "<generic> of <Place>": "the village of Sancang", "the city of Medan".
_PLACE_OF = frozenset({"village", "city", "town", "district", "province", "island", "regency"})
#: Lower-case words inside an organisation's long name ("High Commissioner for Refugees").
_ORG_GLUE = frozenset({"for", "of", "the", "and", "untuk", "dan"})
#: "Menurut Arifin," / "according to Sisno,": the speaker before a comma.
_ACCORDING_TO: tuple[tuple[str, ...], ...] = (("menurut",), ("according", "to"))

_PLACE_PREFIXES = frozenset({"kabupaten", "kota", "provinsi", "kab", "pulau", "kecamatan"})
_PLACE_SUFFIXES = frozenset(
    {"district", "regency", "province", "city", "island", "islands", "municipality"}
)
#: Job words the model sometimes takes into an organisation ("Associate External Relation UNHCR").
_JOB_WORDS = frozenset(
    {
        "associate", "officer", "head", "chief", "spokesperson", "spokesman", "spokeswoman",
        "staff", "staf", "juru", "bicara", "jubir", "external", "relation", "relations",
        "protection", "communications", "representative", "perwakilan", "kepala", "deputy",
        "wakil", "koordinator", "coordinator", "direktur", "director",
    }
)  # fmt: skip
#: Roles followed by a unit's place and then a name ("Kapolsek Menteng Ronald Purba").
ROLE_WITH_PLACE = frozenset(
    {
        "kapolsek", "kapolres", "kapolresta", "kapolrestabes", "kapolda", "kasat", "kasatreskrim",
        "danlanal", "dandim", "danrem", "bupati", "gubernur", "walikota", "camat", "kakanim",
        "kadiv", "kabid", "kajari", "kajati", "kakanwil", "keuchik", "geuchik", "lurah",
    }
)  # fmt: skip
SPEECH_AFTER = frozenset(
    {
        "mengatakan", "menyebut", "menyebutkan", "menuturkan", "menjelaskan", "mengungkapkan",
        "menegaskan", "menambahkan", "said", "told", "says", "added", "explained",
    }
)  # fmt: skip
SPEECH_BEFORE = frozenset({"kata", "ujar", "ucap", "tutur", "jelas", "said", "says", "told"})
#: Verbs that follow a closing quote and come before the speaker: '," kata Andy'.
QUOTE_VERBS = frozenset(
    {
        "kata", "ujar", "ucap", "tutur", "jelas", "ungkap", "terang", "sebut", "imbuh", "tambah",
        "lanjut", "tegas", "papar", "katanya", "said", "says", "told", "added",
    }
)  # fmt: skip
#: Words of a role before "<unit>, <name>" ("Kepala Rudenim Kupang, Heksa ...").
ROLE_CUES = frozenset(
    {
        "kepala", "kapolres", "kapolda", "kapolsek", "kasat", "kasubsi", "kasi", "kabid",
        "pelaksana", "petugas", "staf", "juru", "jubir", "ketua", "direktur", "komandan",
        "koordinator", "head", "chief", "spokesman", "spokeswoman", "spokesperson", "director",
        "officer", "commander", "coordinator", "representative",
    }
)  # fmt: skip
_QUOTES = frozenset({'"', "”", "“", "'", "’", ","})
_INITIAL_DOT = re.compile(r"^[A-Z]\.$")
MAX_NAME_WORDS = 5


def _cap(text: str) -> bool:
    return bool(text) and text[0].isupper() and text.replace("-", "").replace("'", "").isalpha()


class Gazetteer:
    """Pipeline component: the rules of the module docstring, in the order of ``rules``."""

    def __init__(self, nlp: Language, rules: Sequence[str] = RULES) -> None:
        self.nlp = nlp
        self.rules = tuple(rules)
        self.data: dict[str, Any] = {}
        self._index()

    # ---- data ---------------------------------------------------------------------------
    def set_data(self, data: dict[str, Any]) -> None:
        self.data = data
        self._index()

    def _index(self) -> None:
        d = self.data
        self.names: dict[str, list[str]] = dict(d.get("names", {}))
        self.places: dict[tuple[str, ...], str] = {
            tuple(p.lower().split()): kind for p, kind in d.get("places", {}).items()
        }
        self.orgs: set[tuple[str, ...]] = {tuple(o.split()) for o in d.get("organisations", [])}
        self.orgs_lower: set[tuple[str, ...]] = {
            tuple(o.lower().split()) for o in d.get("organisations", []) if " " in o
        }
        self.units: set[tuple[str, ...]] = {tuple(u.split()) for u in d.get("org_units", [])}
        self.modifiers: frozenset[str] = frozenset(d.get("org_unit_modifiers", []))
        self.not_entities: frozenset[str] = frozenset(d.get("not_entities", []))
        self.place_words = frozenset(w for p in self.places for w in p)
        self.place_texts = frozenset(" ".join(p) for p in self.places)
        self.org_words = frozenset(w.lower() for o in self.orgs for w in o) | frozenset(
            w for u in self.units for w in u
        )
        # first words, to reject most tokens at once
        self._place_first = frozenset(p[0] for p in self.places)
        self._org_first = frozenset(o[0].lower() for o in self.orgs) | frozenset(
            u[0] for u in self.units
        )
        self._max_place = max((len(p) for p in self.places), default=1)
        self._max_org = max((len(o) for o in self.orgs), default=1)
        self._max_unit = max((len(u) for u in self.units), default=1)

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        (p / "gazetteer.json").write_text(json.dumps(self.data, ensure_ascii=False))

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> Gazetteer:
        self.set_data(json.loads((Path(path) / "gazetteer.json").read_text(encoding="utf-8")))
        return self

    # ---- lookups ------------------------------------------------------------------------
    def is_name(self, text: str) -> bool:
        """A known given or family name that is not also a place, unit or non-entity word."""
        low = text.lower()
        return (
            text in self.names
            and low not in self.place_words
            and low not in self.org_words
            and low not in self.not_entities
        )

    def _place_at(self, doc: Doc, i: int) -> int:
        """End of the longest capitalised place name starting at ``i`` (``i`` if none)."""
        if i >= len(doc) or doc[i].lower_ not in self._place_first:
            return i
        for k in range(min(self._max_place, len(doc) - i), 0, -1):
            toks = doc[i : i + k]
            if all(_cap(t.text) or t.text == "-" for t in toks) and (
                tuple(t.lower_ for t in toks) in self.places
            ):
                return i + k
        return i

    def _org_at(self, doc: Doc, i: int) -> int:
        """End of a known organisation or "unit + place" starting at ``i`` (``i`` if none)."""
        if doc[i].lower_ not in self._org_first:
            return i
        for k in range(min(self._max_org, len(doc) - i), 0, -1):
            texts = tuple(t.text for t in doc[i : i + k])
            if texts in self.orgs or (k > 1 and tuple(w.lower() for w in texts) in self.orgs_lower):
                return i + k
        for k in range(min(self._max_unit, len(doc) - i), 0, -1):
            toks = doc[i : i + k]
            if not _cap(toks[0].text) or tuple(t.lower_ for t in toks) not in self.units:
                continue
            j = i + k
            # "(Rudenim)" after "Rumah Detensi Imigrasi", "Kelas II TPI", "Pusat"
            if j + 2 < len(doc) and doc[j].text == "(" and doc[j + 2].text == ")":
                j += 3
            while j < len(doc) and doc[j].lower_ in self.modifiers and doc[j].text[:1].isupper():
                j += 1
            end = self._place_at(doc, j)
            if end == j:
                while end < len(doc) and end - j < 3 and _cap(doc[end].text):
                    end += 1
            return end if end > j else i
        return i

    # ---- rules --------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        if not self.data or not any(ch.isupper() for ch in doc.text):
            return doc
        steps: dict[str, Callable[[Doc], None]] = {
            "cleanup": self._cleanup,
            "orgs": self._orgs,
            "places": self._places,
            "roles": self._roles,
            "persons": self._persons,
            "speech": self._speech,
            "nationalities": self._nationalities,
        }
        for rule in self.rules:
            steps[rule](doc)
        return doc

    def _orgs(self, doc: Doc) -> None:
        new: list[Span] = []
        i = 0
        while i < len(doc):
            end = self._org_at(doc, i)
            if end > i:
                new.append(Span(doc, i, end, label="ORG"))
                i = end
                continue
            i += 1
        # English "<place> Police" (capital P): "Tanjung Balai Police"
        i = 0
        while i < len(doc):
            if doc[i].text == "Police" and i > 0 and _cap(doc[i - 1].text):
                start = i
                while start > 0 and _cap(doc[start - 1].text) and i - start < 4:
                    start -= 1
                new.append(Span(doc, start, i + 1, label="ORG"))
            i += 1
        new.extend(self._bracketed_orgs(doc))
        kept: list[Span] = []
        for span in filter_spans(new):
            outer = [e for e in doc.ents if e.start <= span.start and span.end <= e.end]
            if outer and len(outer[0]) > len(span):
                extra = [t.lower_ for t in outer[0] if t.i < span.start or t.i >= span.end]
                if outer[0].label_ == "ORG" and not all(w in _JOB_WORDS for w in extra):
                    continue  # a longer organisation that contains this one ("Kanwil ... Aceh")
                if outer[0].label_ != "ORG":
                    continue
            kept.append(span)
        _replace(doc, kept)

    def _acronym_of(self, words: list[str], acronym: str) -> bool:
        initials = "".join(w[0] for w in words if w[:1].isupper())
        return len(acronym) >= 2 and acronym.isupper() and initials.upper() == acronym

    def _bracketed_orgs(self, doc: Doc) -> list[Span]:
        """ "Long Name (ACRONYM) Place": one ORG (a unit of the organisation in that place),
        when the acronym is a known unit or organisation or the initials of the long name;
        "Long Name (ACRONYM)" alone stays two ORGs, as annotated."""
        out: list[Span] = []
        n = len(doc)
        for i in range(1, n - 2):
            if doc[i].text != "(" or doc[i + 2].text != ")":
                continue
            acronym = doc[i + 1].text
            start = i
            while (
                start > 0
                and i - start < 8
                and (_cap(doc[start - 1].text) or doc[start - 1].lower_ in _ORG_GLUE)
            ):
                start -= 1
            while start < i and (
                not _cap(doc[start].text) or doc[start].lower_ in _JOB_WORDS | self.not_entities
            ):
                start += 1
            if i - start < 2:
                continue
            words = [t.text for t in doc[start:i]]
            known = (acronym,) in self.orgs or (acronym.lower(),) in self.units
            if not known and not self._acronym_of(words, acronym):
                continue
            end = i + 3
            place_end = self._place_at(doc, end)
            if place_end > end:
                end = place_end
            elif end < n and _cap(doc[end].text) and not self.is_name(doc[end].text):
                end += 1
            if end > i + 3:  # without a place after it, name and acronym are two ORGs
                out.append(Span(doc, start, end, label="ORG"))
        return out

    def _places(self, doc: Doc) -> None:
        new: list[Span] = []
        i = 0
        while i < len(doc):
            start = i
            if doc[i].lower_.rstrip(".") in _PLACE_PREFIXES and _cap(doc[i].text):
                i += 1
            end = self._place_at(doc, i)
            if end == i:
                i = start + 1
                continue
            if end < len(doc) and doc[end].lower_ in _PLACE_SUFFIXES and _cap(doc[end].text):
                end += 1
            span = Span(doc, start, end, label="LOC")
            overlapped = [e for e in doc.ents if e.start < end and start < e.end]
            # fill a gap, or relabel an ORG that is exactly the place ("Aceh Besar District");
            # NATIONALITY is the model's reading of the context ("warga negara Bangladesh")
            fits = not overlapped or all(
                e.label_ == "ORG" and start <= e.start and e.end <= end for e in overlapped
            )
            # a one-word place that is also a name ("Bima") is left to the model
            if fits and not (len(span) == 1 and span.text in self.names and not overlapped):
                new.append(span)
            i = end
        _replace(doc, new)
        new = []
        for e in doc.ents:
            # "Provinsi Sulawesi Utara": a capitalised admin word right before a LOC joins it
            if e.label_ == "LOC" and e.start > 0:
                prev = doc[e.start - 1]
                admin = prev.lower_.rstrip(".") in _ADMIN_PREFIXES
                if admin and _cap(prev.text.rstrip(".")) and not prev.ent_type_:
                    new.append(Span(doc, e.start - 1, e.end, label="LOC"))
        for i in range(len(doc) - 2):
            # "the village of Sancang"
            if doc[i].lower_ in _PLACE_OF and doc[i + 1].lower_ == "of":
                end = i + 2
                while end < len(doc) and end - i < 5 and _cap(doc[end].text):
                    end += 1
                if end > i + 2 and not any(doc[j].ent_type_ for j in range(i + 2, end)):
                    new.append(Span(doc, i + 2, end, label="LOC"))
        _replace(doc, new)

    def _roles(self, doc: Doc) -> None:
        new: list[Span] = []
        for e in doc.ents:
            if e.label_ != "PERSON" or e.start == 0 or len(e) < 2:
                continue
            if doc[e.start - 1].lower_ not in ROLE_WITH_PLACE:
                continue
            k = next((j for j in range(e.start, e.end) if self.is_name(doc[j].text)), e.end)
            if e.start < k < e.end:
                new.append(Span(doc, e.start, k, label="LOC"))
                new.append(Span(doc, k, e.end, label="PERSON"))
        _replace(doc, new)

    def _persons(self, doc: Doc) -> None:
        new: list[Span] = []
        for e in doc.ents:
            words = [t for t in e if not t.is_punct]
            if (
                e.label_ in ("LOC", "ORG")
                and len(words) >= 2
                and "-" not in e.text  # "Soekarno-Hatta" (the airport)
                and e.text.lower() not in self.place_texts
                and all(self.is_name(t.text) or _INITIAL_DOT.match(t.text) for t in words)
            ):
                new.append(Span(doc, e.start, e.end, label="PERSON"))
            elif e.label_ == "PERSON":
                start = e.start
                # "Hafiz M Ismail", "M. Tayeb Abu Bakar", "Maulana Adib Salim": a known given
                # name or an initial right before the span belongs to it
                while (
                    start > 0
                    and e.end - start < MAX_NAME_WORDS
                    and not doc[start - 1].ent_type_
                    and (
                        self.is_name(doc[start - 1].text)
                        or re.match(r"^[A-Z]\.?$", doc[start - 1].text)
                    )
                ):
                    start -= 1
                end = e.end
                while (
                    end < len(doc)
                    and end - e.start < MAX_NAME_WORDS
                    and not doc[end].ent_type_
                    and _cap(doc[end].text)
                    and self.is_name(doc[end].text)
                ):
                    end += 1
                if end > e.end or start < e.start:
                    new.append(Span(doc, start, end, label="PERSON"))
        _replace(doc, new)
        new = []
        i = 0
        while i < len(doc):
            end = self._name_run(doc, i)
            if end > i:
                new.append(Span(doc, i, end, label="PERSON"))
                i = end
                continue
            i += 1
        _replace(doc, [s for s in new if not any(doc[j].ent_type_ for j in range(s.start, s.end))])

    def _name_run(self, doc: Doc, i: int) -> int:
        """End of a PERSON made of known names (or a name with middle initials) at ``i``."""
        n = len(doc)
        if doc[i].ent_type_ or not _cap(doc[i].text) or _INITIAL_DOT.match(doc[i].text):
            return i
        j = i
        known = initials = 0
        while j < n and j - i < MAX_NAME_WORDS and not doc[j].ent_type_:
            text = doc[j].text
            if j > i and _INITIAL_DOT.match(text):
                initials += 1
            elif _cap(text) and self.is_name(text):
                known += 1
            elif _cap(text) and initials and j > i:
                known += 0  # "Fanggi" after "I. Y.": the surname of an initialled name
            else:
                break
            j += 1
        while j > i and _INITIAL_DOT.match(doc[j - 1].text):
            j -= 1
        words = j - i
        if words >= 2 and (known == words - initials or (initials and _cap(doc[j - 1].text))):
            return j
        if words == 1 and known == 1:
            after = doc[j].lower_ if j < n else ""
            before = doc[i - 1].lower_ if i > 0 else ""
            if after in SPEECH_AFTER or (before in SPEECH_BEFORE and i > 1):
                return j
        return i

    def _speaker_run(self, doc: Doc, i: int) -> int:
        """End of a run of capitalised words at ``i`` that could be a speaker's name."""
        j = i
        while j < len(doc) and j - i < 4 and _cap(doc[j].text) and not is_title_token(doc[j].text):
            low = doc[j].lower_
            if low in self.not_entities or low in ROLE_WITH_PLACE or low in ROLE_CUES:
                break
            j += 1
        span = tuple(t.lower_ for t in doc[i:j])
        if j == i or span in self.places or tuple(t.text for t in doc[i:j]) in self.orgs:
            return i
        return j

    def _free_or_weak(self, doc: Doc, start: int, end: int) -> bool:
        """No entity there, or only one-word LOC/ORG entities the gazetteers do not know."""
        for e in doc.ents:
            if e.start < end and start < e.end:
                if e.label_ == "PERSON" or len(e) > 1 or e.label_ not in ("LOC", "ORG"):
                    return False
                if (e.text.lower(),) in self.places or (e.text,) in self.orgs:
                    return False
        return True

    def _speech(self, doc: Doc) -> None:
        """Speakers and people named by their role: '," kata Andy', ', Sisno said',
        'Kepala Rudenim Kupang, Heksa Asik Soepriadi, mengatakan', 'Ilyas, Kepala Desa ...'."""
        new: list[Span] = []
        n = len(doc)
        for i in range(1, n - 1):
            # Indonesian: closing quote or comma, a speech verb, the speaker
            if doc[i].lower_ in QUOTE_VERBS and doc[i - 1].text in _QUOTES:
                end = self._speaker_run(doc, i + 1)
                if end > i + 1 and self._free_or_weak(doc, i + 1, end):
                    new.append(Span(doc, i + 1, end, label="PERSON"))
            # English: ', Sisno said' / '" Kirana told'
            if doc[i].text in _QUOTES and i + 2 < n:
                end = self._speaker_run(doc, i + 1)
                if (
                    end > i + 1
                    and end < n
                    and doc[end].lower_ in {"said", "told", "says", "added"}
                    and self._free_or_weak(doc, i + 1, end)
                ):
                    new.append(Span(doc, i + 1, end, label="PERSON"))
        # a role, its unit, a comma, the name: "Kepala Rudenim Kupang, Heksa Asik Soepriadi,"
        for e in doc.ents:
            if e.label_ not in ("ORG", "LOC") or e.end + 1 >= n:
                continue
            window = {t.lower_ for t in doc[max(0, e.start - 6) : e.start]}
            if not window & ROLE_CUES:
                continue
            k = e.end + 1 if doc[e.end].text == "," else e.end
            end = self._speaker_run(doc, k)
            after = doc[end].lower_ if end < n else ""
            if (
                end > k
                and (after in {",", "dan", "and"} | SPEECH_AFTER)
                and (self._free_or_weak(doc, k, end))
            ):
                new.append(Span(doc, k, end, label="PERSON"))
        # "Menurut Arifin, ..." / "according to Sisno, ..."
        for i in range(n - 2):
            for cue in _ACCORDING_TO:
                k = i + len(cue)
                if tuple(t.lower_ for t in doc[i:k]) != cue:
                    continue
                end = self._speaker_run(doc, k)
                if end > k and end < n and doc[end].text == "," and self._free_or_weak(doc, k, end):
                    new.append(Span(doc, k, end, label="PERSON"))
        # "Ilyas, Kepala Desa ...": a name first, then a comma and a role
        starts = [0] + [t.i + 1 for t in doc[:-1] if t.text in {".", "!", "?"} or t.is_space]
        for i in starts:
            end = self._speaker_run(doc, i)
            role_next = end + 1 < n and doc[end + 1].lower_ in ROLE_CUES | ROLE_WITH_PLACE
            if end > i and role_next and doc[end].text == "," and self._free_or_weak(doc, i, end):
                new.append(Span(doc, i, end, label="PERSON"))
        _replace(doc, new)

    def _nationalities(self, doc: Doc) -> None:
        new: list[Span] = []
        n = len(doc)
        for t in doc:
            i = t.i
            two = f"{t.text} {doc[i + 1].text}" if i + 1 < n else ""
            width = 2 if two in _DEMONYM_FORMS or two[:-1] in DEMONYMS else 1
            if width == 1 and t.text not in _DEMONYM_FORMS:
                continue
            if t.ent_type_ == "NATIONALITY":
                continue
            plural = doc[i + width - 1].text.endswith("s") and (
                doc[i : i + width].text not in DEMONYMS
            )
            if t.ent_type_ in ("PERSON", "ORG", "LOC", "DATE"):  # "14 Syrians" as a DATE
                ent = next(e for e in doc.ents if e.start <= i < e.end)
                rest = [w for w in ent if not (i <= w.i < i + width)]
                if all(
                    w.text[:1].islower()
                    or w.is_punct
                    or w.like_num
                    or w.lower_ in self.not_entities
                    for w in rest
                ):
                    new.append(Span(doc, i, i + width, label="NATIONALITY"))
            elif not t.ent_type_ and plural:
                new.append(Span(doc, i, i + width, label="NATIONALITY"))
        # "warga negara Banglades", "WNA China": the country is the citizenship
        for i in range(n - 1):
            for cue in NATIONALITY_CUES:
                k = i + len(cue)
                if k >= n or tuple(t.lower_ for t in doc[i:k]) != cue:
                    continue
                if doc[k].ent_type_ in ("PERSON", "ORG", "LOC") and _cap(doc[k].text):
                    ent = next(e for e in doc.ents if e.start <= k < e.end)
                    if ent.start == k and len(ent) <= 2:
                        new.append(Span(doc, ent.start, ent.end, label="NATIONALITY"))
        _replace(doc, new)

    def _cleanup(self, doc: Doc) -> None:
        ents: list[Span] = []
        changed = False
        for e in doc.ents:
            if e.label_ not in ("PERSON", "ORG", "LOC", "NATIONALITY"):
                ents.append(e)
                continue
            words = [t.lower_ for t in e if not t.is_punct]
            if (
                not any(ch.isalpha() for ch in e.text)
                or (words and all(w in self.not_entities or w == "dan" for w in words))
                or all(is_title_token(t.text) for t in e if not t.is_punct)
            ):
                changed = True
                continue
            start, end = e.start, e.end
            label = e.label_
            if e.label_ in ("ORG", "LOC"):
                while start < end - 1 and doc[start].text[:1].islower():
                    start += 1
                # "Keamanan Rudenim": job words before a unit; the unit is the organisation
                cut = start
                while cut < end - 1 and doc[cut].lower_ in self.not_entities | _JOB_WORDS:
                    cut += 1
                if cut > start and (
                    tuple(t.lower_ for t in doc[cut:end]) in self.units
                    or self._org_at(doc, cut) == end
                ):
                    start, label = cut, "ORG"
                if e.label_ == "LOC":
                    no = next(
                        (j for j in range(start + 1, end) if doc[j].lower_ in {"no", "no."}), end
                    )
                    end = no
                if e.label_ == "ORG" and doc[end - 1].lower_ == "police":
                    cut = end
                    while cut > start and doc[cut - 1].text[:1].islower():
                        cut -= 1
                    if start < cut < end and self._place_at(doc, start) == cut:
                        ents.append(Span(doc, start, cut, label="LOC"))
                        changed = True
                        continue
                # "Bogor south of", "Antara news agency as saying": lower-case words at the end
                while end > start + 1 and doc[end - 1].is_alpha and doc[end - 1].text[0].islower():
                    end -= 1
            if (start, end, label) != (e.start, e.end, e.label_):
                changed = True
                ents.append(Span(doc, start, end, label=label))
            else:
                ents.append(e)
        if changed:
            doc.ents = filter_spans(ents)


def _replace(doc: Doc, new: list[Span]) -> None:
    """Put ``new`` spans into ``doc.ents``; the entities they overlap give way."""
    if not new:
        return
    new = filter_spans(new)
    covered = {i for s in new for i in range(s.start, s.end)}
    kept = [e for e in doc.ents if not any(i in covered for i in range(e.start, e.end))]
    doc.ents = filter_spans(kept + new)


@Language.factory("docproc_gazetteer", default_config={"rules": list(RULES)})
def make_gazetteer(nlp: Language, name: str, rules: list[str]) -> Gazetteer:
    return Gazetteer(nlp, rules)


def load_data(path: Path) -> dict[str, Any]:
    """The gazetteer JSON written by ``models/ner/scripts/make_gazetteers.py``."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
