"""Convert IndoNLU NERGrit / NERP (token<TAB>BIO) to DocBin with docproc's labels.

PERSON/PPL -> PERSON, PLACE/PLC -> LOC, ORGANISATION/IND -> ORG; EVT and FNB are dropped (O).
The corpora have no DATE or NATIONALITY labels, so, to avoid teaching the model that dates are
"not entities":

* unambiguous dates (day month year, month year, a year after "tahun"/"pada"/"sejak"/...) are
  labelled DATE;
* other year-like numbers and month names are left *missing* (no gradient either way);
* a PLACE right after "warga negara", "WN", "WNA", "kewarganegaraan", "etnis", "suku" becomes
  NATIONALITY (docproc's convention).

    python scripts/convert_indonlu.py CORPUS_DIR OUT_DIR [--nerp-train-limit N] [--extra-dir DIR]

``--extra-dir DIR`` (e.g. ``shared/corpora``; off by default: tried, it did not pay, see
docs/ner.md) adds the *training* splits of two more Indonesian news corpora when present:
``idner-news-2k/train.txt`` (``token POS IOB2``, PER/ORG/LOC) and ``nerui/ner-id-1.train.tsv``
(IO tags, PERSON, ORGANIZATION, LOCATION). Any of their sentences that also occurs (lower-cased,
letters and digits only) in a NERGrit or NERP dev or test split is left out, so the IndoNLU test
figures stay clean (idner-news-2k and NERP share text). nerugm (a second annotation of idner-
news-2k) and re3d (English, no split) are not used.
"""

from __future__ import annotations

import argparse
import os
import random
import re
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin, Span

LABEL_MAP = {
    "PERSON": "PERSON",
    "PPL": "PERSON",
    "PLACE": "LOC",
    "PLC": "LOC",
    "ORGANISATION": "ORG",
    "IND": "ORG",
    "PER": "PERSON",
    "ORG": "ORG",
    "LOC": "LOC",
    "ORGANIZATION": "ORG",
    "LOCATION": "LOC",
}

MONTHS = {
    m.lower()
    for m in [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
        "January",
        "February",
        "March",
        "May",
        "June",
        "July",
        "August",
        "October",
        "December",
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Jun",
        "Jul",
        "Agu",
        "Agt",
        "Aug",
        "Sep",
        "Sept",
        "Okt",
        "Oct",
        "Nov",
        "Des",
        "Dec",
    ]
}
YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
DAY = re.compile(r"^(0?[1-9]|[12]\d|3[01])$")
YEAR_CUES = {
    "tahun",
    "pada",
    "sejak",
    "hingga",
    "sampai",
    "awal",
    "akhir",
    "pertengahan",
    "in",
    "since",
    "until",
    "thn",
    "th",
}
NAT_CUES = {
    ("warga", "negara"),
    ("wn",),
    ("wna",),
    ("kewarganegaraan",),
    ("berkewarganegaraan",),
    ("etnis",),
    ("suku",),
    ("bangsa",),
}


def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    sents: list[list[tuple[str, str]]] = []
    cur: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if cur:
                sents.append(cur)
                cur = []
            continue
        word, _, tag = line.partition("\t")
        cur.append((word, tag.strip() or "O"))
    if cur:
        sents.append(cur)
    return sents


def read_columns(path: Path, sep: str | None, io_tags: bool) -> list[list[tuple[str, str]]]:
    """Sentences of a ``token ... tag`` file (tag in the last column); IO tags become BIO."""
    sents: list[list[tuple[str, str]]] = []
    cur: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if cur:
                sents.append(cur)
                cur = []
            continue
        cols = line.strip().split(sep)
        cur.append((cols[0], cols[-1] if len(cols) > 1 else "O"))
    if cur:
        sents.append(cur)
    if io_tags:  # IO: a run of one type is one entity (the corpus cannot mark two adjacent)
        for sent in sents:
            prev = "O"
            for k, (w, t) in enumerate(sent):
                sent[k] = (w, "O" if t == "O" else (f"I-{t}" if t == prev else f"B-{t}"))
                prev = t
    return sents


def _key(sent: list[tuple[str, str]]) -> str:
    return re.sub(r"[^0-9a-z]", "", "".join(w for w, _ in sent).lower())


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tags):
        tag = tags[i]
        if tag[:2] in ("B-", "I-"):
            lab = tag[2:]
            j = i + 1
            while j < len(tags) and tags[j] == f"I-{lab}":
                j += 1
            if lab in LABEL_MAP:
                spans.append((i, j, LABEL_MAP[lab]))
            i = j
        else:
            i += 1
    return spans


def date_spans(words: list[str], taken: set[int]) -> tuple[list[tuple[int, int]], list[int]]:
    """(DATE spans, token indices to leave missing)."""
    low = [w.lower() for w in words]
    dates: list[tuple[int, int]] = []
    used: set[int] = set()
    i = 0
    n = len(words)
    while i < n:
        if i in taken:
            i += 1
            continue
        if DAY.match(low[i]) and i + 1 < n and low[i + 1] in MONTHS:
            j = i + 2
            if j < n and YEAR.match(low[j]):
                j += 1
            dates.append((i, j))
            used.update(range(i, j))
            i = j
            continue
        if (low[i] in MONTHS and i + 1 < n and YEAR.match(low[i + 1]) and low[i] != "mei") or (
            low[i] == "mei" and i + 1 < n and YEAR.match(low[i + 1])
        ):
            dates.append((i, i + 2))
            used.update((i, i + 1))
            i += 2
            continue
        if YEAR.match(low[i]) and i > 0 and low[i - 1] in YEAR_CUES:
            dates.append((i, i + 1))
            used.add(i)
        i += 1
    missing = [
        k
        for k in range(n)
        if k not in used and k not in taken and (YEAR.match(low[k]) or low[k] in MONTHS)
    ]
    return [(a, b) for a, b in dates if not (set(range(a, b)) & taken)], missing


def to_doc(nlp: spacy.language.Language, sent: list[tuple[str, str]]) -> Doc:
    words = [w for w, _ in sent]
    tags = [t for _, t in sent]
    doc = Doc(nlp.vocab, words=words)
    low = [w.lower() for w in words]
    ents: list[Span] = []
    taken: set[int] = set()
    for s, e, lab in bio_spans(tags):
        if lab == "LOC":
            for cue in NAT_CUES:
                k = len(cue)
                if s >= k and tuple(low[s - k : s]) == cue:
                    lab = "NATIONALITY"
        ents.append(Span(doc, s, e, label=lab))
        taken.update(range(s, e))
    dates, missing = date_spans(words, taken)
    ents.extend(Span(doc, a, b, label="DATE") for a, b in dates)
    doc.set_ents(
        sorted(ents, key=lambda sp: sp.start),
        missing=[Span(doc, k, k + 1) for k in missing],
        default="outside",
    )
    return doc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--nerp-train-limit", type=int, default=2500)
    ap.add_argument("--nerp-dev-limit", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--extra-dir", type=Path, default=None)
    args = ap.parse_args()
    if os.environ.get("DOCPROC_INDONLU_NER"):
        args.corpus = Path(os.environ["DOCPROC_INDONLU_NER"])
    if not (args.corpus / "nergrit" / "train.txt").is_file():
        raise SystemExit(
            f"IndoNLU NER corpus not found at {args.corpus} (set vars.corpus_dir in project.yml or "
            "DOCPROC_INDONLU_NER)"
        )
    nlp = spacy.blank("id")
    rng = random.Random(args.seed)
    plan = {
        ("nergrit", "train"): ("train", None),
        ("nerp", "train"): ("train", args.nerp_train_limit),
        ("nergrit", "valid"): ("dev", None),
        ("nerp", "valid"): ("dev", args.nerp_dev_limit),
        ("nergrit", "test"): ("test", None),
        ("nerp", "test"): ("test", None),
    }
    for (name, split), (dest, limit) in plan.items():
        sents = read_conll(args.corpus / name / f"{split}.txt")
        if limit is not None and len(sents) > limit:
            sents = rng.sample(sents, limit)
        docs = [to_doc(nlp, s) for s in sents]
        path = args.out / dest / f"{name}.spacy"
        path.parent.mkdir(parents=True, exist_ok=True)
        DocBin(docs=docs, store_user_data=False).to_disk(path)
        n_dates = sum(1 for d in docs for e in d.ents if e.label_ == "DATE")
        print(f"{name}/{split}: {len(docs)} docs -> {path} ({n_dates} DATE spans added)")
    held = {
        _key(s)
        for name in ("nergrit", "nerp")
        for split in ("valid", "test")
        for s in read_conll(args.corpus / name / f"{split}.txt")
    }
    if args.extra_dir is None:  # the shipped model is trained without them (see docs/ner.md)
        return
    extra_dir = args.extra_dir
    extras = {
        "idner": (extra_dir / "idner-news-2k" / "train.txt", " ", False),
        "nerui": (extra_dir / "nerui" / "ner-id-1.train.tsv", "\t", True),
    }
    for name, (source, sep, io_tags) in extras.items():
        path = args.out / "train" / f"{name}.spacy"
        sents = read_columns(source, sep, io_tags) if source.is_file() else []
        kept = [s for s in sents if _key(s) not in held]
        path.parent.mkdir(parents=True, exist_ok=True)
        DocBin(docs=[to_doc(nlp, s) for s in kept], store_user_data=False).to_disk(path)
        print(
            f"{name}/train: {len(kept)} docs -> {path} "
            f"({len(sents) - len(kept)} held-out overlaps left out)"
        )


if __name__ == "__main__":
    main()
