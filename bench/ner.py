"""Entity-level precision/recall/F1 of docproc's NER pipeline.

    .venv/bin/python bench/ner.py                       # held-out set + IndoNLU test splits
    .venv/bin/python bench/ner.py --model PATH --no-corpus --json out.json

* hand-written held-out set: models/ner/assets/heldout.jsonl (inline ``[span](LABEL)`` markup),
  scored on all labels through ``docproc.reading.nlp.tag`` (the API docproc uses);
* real corpus: the IndoNLU NERGrit and NERP *test* splits (never trained on), read from
  ``$DOCPROC_INDONLU_NER`` or ../shared/corpora/indonesian-ner, scored on PERSON/LOC/ORG only
  (the corpora have no other docproc labels; NERP is lower-cased news).

A predicted entity counts only when start, end and label all match (exact-match, micro-averaged).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from docproc.reading.nlp import load_pipeline, tag  # noqa: E402

HELDOUT = REPO / "models" / "ner" / "assets" / "heldout.jsonl"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "indonesian-ner"
CORPUS_LABELS = {
    "PERSON": "PERSON",
    "PPL": "PERSON",
    "PLACE": "LOC",
    "PLC": "LOC",
    "ORGANISATION": "ORG",
    "IND": "ORG",
}
MARKUP = re.compile(r"\[([^\]]+)\]\(([A-Z_]+)\)")

Spans = set[tuple[int, int, str]]


def parse_markup(annotated: str) -> tuple[str, Spans]:
    """``"[Budi](PERSON) tiba"`` -> ``("Budi tiba", {(0, 4, "PERSON")})``."""
    text = ""
    spans: Spans = set()
    pos = 0
    for m in MARKUP.finditer(annotated):
        text += annotated[pos : m.start()]
        start = len(text)
        text += m.group(1)
        spans.add((start, len(text), m.group(2)))
        pos = m.end()
    text += annotated[pos:]
    return text, spans


def load_heldout(path: Path = HELDOUT) -> list[dict[str, object]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            row["text"], row["gold"] = parse_markup(row["annotated"])
            rows.append(row)
    return rows


class Scores:
    def __init__(self) -> None:
        self.tp: Counter[str] = Counter()
        self.fp: Counter[str] = Counter()
        self.fn: Counter[str] = Counter()

    def add(self, gold: Spans, pred: Spans) -> None:
        for s in pred & gold:
            self.tp[s[2]] += 1
        for s in pred - gold:
            self.fp[s[2]] += 1
        for s in gold - pred:
            self.fn[s[2]] += 1

    @staticmethod
    def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def table(self) -> dict[str, dict[str, float]]:
        labels = sorted(set(self.tp) | set(self.fp) | set(self.fn))
        out: dict[str, dict[str, float]] = {}
        for lab in labels:
            p, r, f = self.prf(self.tp[lab], self.fp[lab], self.fn[lab])
            out[lab] = {"p": p, "r": r, "f": f, "support": self.tp[lab] + self.fn[lab]}
        tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        p, r, f = self.prf(tp, fp, fn)
        out["OVERALL"] = {"p": p, "r": r, "f": f, "support": tp + fn}
        return out


def print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'label':<13}{'P':>7}{'R':>7}{'F1':>7}{'n':>6}")
    for lab, v in table.items():
        print(f"{lab:<13}{v['p']:7.3f}{v['r']:7.3f}{v['f']:7.3f}{int(v['support']):6d}")


def bench_heldout(model: Path | None, verbose: bool) -> dict[str, dict[str, dict[str, float]]]:
    nlp = load_pipeline(model)
    rows = load_heldout()
    overall, by_lang = Scores(), {"en": Scores(), "id": Scores()}
    for row in rows:
        text = str(row["text"])
        gold = row["gold"]
        assert isinstance(gold, set)
        result = tag(text, nlp=nlp)
        pred = {(e["start"], e["end"], e["label"]) for e in result["entities"]}
        overall.add(gold, pred)
        by_lang[str(row["lang"])].add(gold, pred)
        if verbose and pred != gold:
            print(f"- {text}")
            for s in sorted(gold - pred):
                print(f"    missed {text[s[0] : s[1]]!r} {s[2]}")
            for s in sorted(pred - gold):
                print(f"    extra  {text[s[0] : s[1]]!r} {s[2]}")
    return {
        "heldout": overall.table(),
        "heldout_en": by_lang["en"].table(),
        "heldout_id": by_lang["id"].table(),
    }


def read_conll(path: Path) -> Iterable[tuple[str, Spans]]:
    """Sentences of an IndoNLU BIO file as (space-joined text, gold char spans)."""
    sents: list[list[tuple[str, str]]] = [[]]
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if sents[-1]:
                sents.append([])
            continue
        w, _, t = line.partition("\t")
        sents[-1].append((w, t.strip() or "O"))
    for sent in sents:
        if not sent:
            continue
        offsets: list[tuple[int, int]] = []
        pos = 0
        for w, _ in sent:
            offsets.append((pos, pos + len(w)))
            pos += len(w) + 1
        text = " ".join(w for w, _ in sent)
        spans: Spans = set()
        i = 0
        while i < len(sent):
            t = sent[i][1]
            if t[:2] in ("B-", "I-"):
                raw = t[2:]
                j = i + 1
                while j < len(sent) and sent[j][1] == f"I-{raw}":
                    j += 1
                if raw in CORPUS_LABELS:
                    spans.add((offsets[i][0], offsets[j - 1][1], CORPUS_LABELS[raw]))
                i = j
            else:
                i += 1
        yield text, spans


def _spans_of(text: str, nlp_ents: Iterable[tuple[int, int, str]]) -> Spans:
    return {(s, e, lab) for s, e, lab in nlp_ents if lab in ("PERSON", "LOC", "ORG")}


def bench_corpus(
    model: Path | None, corpus: Path, limit: int
) -> dict[str, dict[str, dict[str, float]]]:
    nlp = load_pipeline(model)
    out = {}
    for name in ("nergrit", "nerp"):
        path = corpus / name / "test.txt"
        if not path.is_file():
            print(f"(skipping {name}: {path} not found)")
            continue
        scores = Scores()
        data = list(read_conll(path))[: limit or None]
        for (text, gold), doc in zip(data, nlp.pipe(t for t, _ in data), strict=True):
            pred = _spans_of(text, ((e.start_char, e.end_char, e.label_) for e in doc.ents))
            scores.add(gold, pred)
        out[f"{name}_test"] = scores.table()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="pipeline dir (default: shipped)")
    ap.add_argument(
        "--corpus", type=Path, default=Path(os.environ.get("DOCPROC_INDONLU_NER", DEFAULT_CORPUS))
    )
    ap.add_argument("--no-corpus", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="corpus sentences per split (0 = all)")
    ap.add_argument("--errors", action="store_true", help="print held-out errors")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if os.environ.get("DOCPROC_INDONLU_NER"):
        args.corpus = Path(os.environ["DOCPROC_INDONLU_NER"])
    results = bench_heldout(args.model, args.errors)
    if not args.no_corpus:
        results.update(bench_corpus(args.model, args.corpus, args.limit))
    for title, table in results.items():
        print_table(title, table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
