"""Build the gazetteer the ``docproc_gazetteer`` component ships with (assets/gazetteer.json).

    python scripts/make_gazetteers.py [--corpora ../../../shared/corpora] [--out FILE]

Sources (all under assets/gazetteers/ unless said otherwise):

* **person names by region**: ``names_regional.txt`` (written by hand) and the generator's pools
  (``scripts/pools.py``: Bangladeshi, Rohingya, Afghan, Chinese, Uyghur, Burmese, Indonesian);
  plus the words of PERSON spans in the *training* splits of the real corpora (NERGrit, NERP,
  idner-news-2k, nerui; re3d's Person spans) that are names in most of their occurrences
  (>= 2 times a name, >= 60 % of all occurrences of the word), with any sentence that also
  occurs in a NERGrit/NERP dev or test split left out. Only words are kept, never sentences;
* **places**: ``places_bps.txt`` (Indonesian provinces, regencies and cities, BPS names) + the
  generator's place pools (Indonesia and the region) + English forms of directional regencies
  ("Aceh Barat" -> "West Aceh");
* **organisations**: ``organisations.txt`` (agencies and bodies, by hand), ``org_units.txt``
  (unit words that take a place: "Polda", "Rudenim", "Kantor Imigrasi") and
  ``org_unit_modifiers.txt`` ("Pusat", "Kelas II", "TPI");
* ``not_entities.txt``: words that are never a PERSON/ORG/LOC alone (TPPO, Kasubsi, ...).

Without the corpora folder the corpus-derived names are skipped (and the build says so).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pools  # noqa: E402
from convert_indonlu import _key, bio_spans, read_columns, read_conll  # noqa: E402

ASSETS = HERE.parent / "assets"
GAZ = ASSETS / "gazetteers"
DEFAULT_CORPORA = HERE.parents[3] / "shared" / "corpora"
_WORD = re.compile(r"^[A-Z][a-zA-Z'’-]+$")
_DIRECTIONS = {
    "Utara": "North",
    "Selatan": "South",
    "Timur": "East",
    "Barat": "West",
    "Tengah": "Central",
    "Tenggara": "Southeast",
    "Barat Daya": "Southwest",
}
_NOT_NAMES = {
    # capitalised words that the corpora sometimes put inside a PERSON span
    "Presiden", "Menteri", "Gubernur", "Bupati", "Walikota", "Kapolri", "Kapolda", "Kapolres",
    "Jenderal", "Kolonel", "Ketua", "Kepala", "Direktur", "Pak", "Bapak", "Ibu", "Bu", "Haji",
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Sir", "The", "And", "Dan", "Yang", "Minister", "President",
    "Secretary", "General", "King", "Prince", "Sheikh", "Foreign", "Prime", "Defence", "Defense",
    "State", "Senator", "Governor", "Commander", "Ambassador",
}  # fmt: skip


def _names_from_pools() -> dict[str, set[str]]:
    """word -> region tags ("id:G", "zh:F", ...) from the generator's pools."""
    out: dict[str, set[str]] = {}

    def add(word: str, tag: str) -> None:
        word = word.strip().rstrip(".")
        if _WORD.match(word) and len(word) >= 2:
            out.setdefault(word, set()).add(tag)

    for region, given, family in (
        ("bd", pools.BANGLADESHI_FIRST, pools.BANGLADESHI_LAST),
        ("rohingya", pools.ROHINGYA_FIRST, pools.ROHINGYA_LAST),
        ("af", pools.AFGHAN_FIRST, pools.AFGHAN_LAST),
        ("id", pools.INDONESIAN_FIRST, pools.INDONESIAN_LAST),
    ):
        for g in given:
            add(g, f"{region}:G")
        for f in family:
            add(f, f"{region}:F")
    full = {
        "zh": pools.CHINESE_NAMES + pools.CHINESE_EXTRA,
        "id": pools.INDONESIAN_FULL,
        "bd": pools.BANGLADESHI_EXTRA,
        "af": pools.AFGHAN_EXTRA,
        "rohingya": pools.ROHINGYA_EXTRA,
        "mm": pools.BURMESE_NAMES,
        "uyghur": pools.UYGHUR_NAMES,
    }
    for region, names in full.items():
        for name in names:
            words = name.split()
            if not words:
                continue
            # Chinese names are family name first
            first, last = (words[-1], words[0]) if region == "zh" else (words[0], words[-1])
            add(first, f"{region}:G")
            if len(words) > 1:
                add(last, f"{region}:F")
            for w in words[1:-1]:
                add(w, f"{region}:G")
    for w in pools.INDONESIAN_MONONYMS:
        add(w, "id:G")
    return out


def _names_from_hand() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for line in (GAZ / "names_regional.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        region, kind, *words = line.split()
        for w in words:
            out.setdefault(w, set()).add(f"{region}:{kind}")
    return out


def _corpus_sentences(corpora: Path) -> list[list[tuple[str, str]]]:
    """Training sentences (token, BIO tag) of the real corpora, held-out overlaps removed."""
    indonlu = corpora / "indonesian-ner"
    held = {
        _key(s)
        for name in ("nergrit", "nerp")
        for split in ("valid", "test")
        if (indonlu / name / f"{split}.txt").is_file()
        for s in read_conll(indonlu / name / f"{split}.txt")
    }
    sents: list[list[tuple[str, str]]] = []
    for path in (indonlu / "nergrit" / "train.txt", indonlu / "nerp" / "train.txt"):
        if path.is_file():
            lower = "nerp" in path.parts
            for s in read_conll(path):
                sents.append([(w.capitalize() if lower else w, t) for w, t in s])
    extras = (
        (corpora / "idner-news-2k" / "train.txt", " ", False),
        (corpora / "nerui" / "ner-id-1.train.tsv", "\t", True),
    )
    for path, sep, io_tags in extras:
        if path.is_file():
            sents.extend(s for s in read_columns(path, sep, io_tags) if _key(s) not in held)
    return sents


def _re3d_person_words(corpora: Path) -> Counter[str]:
    words: Counter[str] = Counter()
    for ents in sorted((corpora / "re3d").glob("*/entities.json")):
        for line in ents.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            e = json.loads(line)
            if e.get("type") == "Person" and float(e.get("confidence", 0)) >= 0.5:
                words.update(w for w in str(e["value"]).split() if _WORD.match(w))
    return words


def _names_from_corpora(corpora: Path, blocked: set[str]) -> dict[str, set[str]]:
    sents = _corpus_sentences(corpora)
    as_name: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for s in sents:
        words = [w for w, _ in s]
        seen.update(words)
        for a, b, label in bio_spans([t for _, t in s]):
            if label == "PERSON":
                as_name.update(words[a:b])
    for w, n in _re3d_person_words(corpora).items():
        as_name[w] += n
        seen[w] += n
    out: dict[str, set[str]] = {}
    for w, n in as_name.items():
        if (
            n >= 2
            and n >= 0.6 * seen[w]
            and _WORD.match(w)
            and len(w) >= 3
            and w not in _NOT_NAMES
            and w.lower() not in blocked
        ):
            out[w] = {"corpus"}
    return out


def _lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def _places() -> dict[str, str]:
    """Place name -> kind (province, regency, city, place)."""
    kinds = {"P": "province", "K": "regency", "C": "city"}
    out: dict[str, str] = {}
    for line in _lines(GAZ / "places_bps.txt"):
        kind, name = line.split(" ", 1)
        out.setdefault(name, kinds[kind])
        words = name.split()
        # "Aceh Barat" -> "West Aceh", "Jakarta Pusat" stays (no English form in use)
        for id_dir, en_dir in sorted(_DIRECTIONS.items(), key=lambda kv: -len(kv[0])):
            d = id_dir.split()
            if len(words) > len(d) and words[-len(d) :] == d:
                out.setdefault(f"{en_dir} {' '.join(words[: -len(d)])}", kinds[kind])
                break
    for name in pools.LOCS_ID + pools.LOCS_EN:
        name = name.strip()
        if name.lower().startswith("the "):
            name = name[4:]
        if name:
            out.setdefault(name, "place")
    return out


def build(corpora: Path) -> dict[str, object]:
    places = _places()
    orgs = _lines(GAZ / "organisations.txt")
    units = [u.lower() for u in _lines(GAZ / "org_units.txt")]
    modifiers = [m.lower() for m in _lines(GAZ / "org_unit_modifiers.txt")]
    not_entities = [w.lower() for w in _lines(GAZ / "not_entities.txt")]
    blocked = (
        {w.lower() for p in places for w in p.split()}
        | {w.lower() for o in orgs for w in o.split()}
        | {w for u in units for w in u.split()}
        | set(not_entities)
    )
    names: dict[str, set[str]] = {}
    for part in (_names_from_pools(), _names_from_hand()):
        for w, tags in part.items():
            names.setdefault(w, set()).update(tags)
    n_corpus = 0
    if (corpora / "indonesian-ner").is_dir():
        for w, tags in _names_from_corpora(corpora, blocked).items():
            if w not in names:
                n_corpus += 1
            names.setdefault(w, set()).update(tags)
    else:
        print(f"corpora not found at {corpora}: corpus-derived names skipped")
    print(
        f"{len(names)} name words ({n_corpus} only from the corpora), {len(places)} places, "
        f"{len(orgs)} organisations, {len(units)} unit words"
    )
    return {
        "names": {w: sorted(tags) for w, tags in sorted(names.items())},
        "places": dict(sorted(places.items())),
        "organisations": orgs,
        "org_units": units,
        "org_unit_modifiers": modifiers,
        "not_entities": not_entities,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    ap.add_argument("--out", type=Path, default=ASSETS / "gazetteer.json")
    args = ap.parse_args()
    data = build(args.corpora)
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
