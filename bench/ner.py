"""Entity-level precision/recall/F1 of docproc's NER pipeline on three kinds of text.

    .venv/bin/python bench/ner.py                       # generated, hand-written, real (dev)
    .venv/bin/python bench/ner.py --corpus-splits       # + IndoNLU test splits
    .venv/bin/python bench/ner.py --real-split dev2     # the second dev split (devall: both)
    .venv/bin/python bench/ner.py --real-split test     # the real *test* passages (look once)
    .venv/bin/python bench/ner.py --model PATH --json out.json --errors real

* **generated**: 400 sentences from the training generator (``models/ner/scripts/generate.py``,
  seed 1: the recipe's own dev distribution). Says how well the model learnt its templates,
  nothing more;
* **hand-written**: the held-out set models/ner/assets/heldout.jsonl (inline ``[span](LABEL)``
  markup), written by us in the style of the generator;
* **real**: ``bench/data/ner_real_dev.jsonl``, short passages of published news and government
  and agency releases (source URL on every row), annotated by docs/ner.md. Rows carry
  ``split``: ``dev`` (model selection), ``dev2`` (16 passages added later, annotated before the
  pipeline was run on them: a fresher check of the dev choices) or ``test`` (kept for a final
  look). Only PERSON, ORG,
  LOC and NATIONALITY are annotated there, so only those are scored; "overall" is PERSON + ORG
  + LOC (the figure the targets are set on).

Everything is scored through ``docproc.reading.nlp.tag`` (the API docproc uses). A predicted
entity counts only when start, end and label all match (exact-match, micro-averaged); for the
real set a second, lenient table counts a prediction that overlaps a gold entity of the same
label (one match per gold entity).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from spacy.language import Language  # noqa: E402

from docproc.reading.nlp import load_pipeline, tag  # noqa: E402

HELDOUT = REPO / "models" / "ner" / "assets" / "heldout.jsonl"
REAL = REPO / "bench" / "data" / "ner_real_dev.jsonl"
GENERATOR = REPO / "models" / "ner" / "scripts"
REAL_LABELS = ("PERSON", "ORG", "LOC", "NATIONALITY")
OVERALL_LABELS = ("PERSON", "ORG", "LOC")
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
    def __init__(self, overall_labels: Iterable[str] | None = None) -> None:
        self.tp: Counter[str] = Counter()
        self.fp: Counter[str] = Counter()
        self.fn: Counter[str] = Counter()
        self.overall_labels = tuple(overall_labels) if overall_labels else None

    def add(self, gold: Spans, pred: Spans) -> None:
        for s in pred & gold:
            self.tp[s[2]] += 1
        for s in pred - gold:
            self.fp[s[2]] += 1
        for s in gold - pred:
            self.fn[s[2]] += 1

    def add_overlap(self, gold: Spans, pred: Spans) -> None:
        """Lenient: a prediction is right when it overlaps an unmatched gold span of its label."""
        matched: set[tuple[int, int, str]] = set()
        for p in sorted(pred):
            hit = next(
                (
                    g
                    for g in sorted(gold)
                    if g not in matched and g[2] == p[2] and g[0] < p[1] and p[0] < g[1]
                ),
                None,
            )
            if hit is None:
                self.fp[p[2]] += 1
            else:
                matched.add(hit)
                self.tp[p[2]] += 1
        for g in gold - matched:
            self.fn[g[2]] += 1

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
        keep = self.overall_labels or labels
        tp = sum(self.tp[lab] for lab in keep)
        fp = sum(self.fp[lab] for lab in keep)
        fn = sum(self.fn[lab] for lab in keep)
        p, r, f = self.prf(tp, fp, fn)
        out["OVERALL"] = {"p": p, "r": r, "f": f, "support": tp + fn}
        return out


def print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'label':<13}{'P':>7}{'R':>7}{'F1':>7}{'n':>6}")
    for lab, v in table.items():
        print(f"{lab:<13}{v['p']:7.3f}{v['r']:7.3f}{v['f']:7.3f}{int(v['support']):6d}")


def _predicted(text: str, nlp: Language, labels: Iterable[str] | None = None) -> Spans:
    keep = set(labels) if labels is not None else None
    return {
        (e["start"], e["end"], e["label"])
        for e in tag(text, nlp=nlp)["entities"]
        if keep is None or e["label"] in keep
    }


def _print_errors(text: str, gold: Spans, pred: Spans) -> None:
    if pred == gold:
        return
    print(f"- {text}")
    for s in sorted(gold - pred):
        print(f"    missed {text[s[0] : s[1]]!r} {s[2]}")
    for s in sorted(pred - gold):
        print(f"    extra  {text[s[0] : s[1]]!r} {s[2]}")


def bench_heldout(model: Path | None, verbose: bool) -> dict[str, dict[str, dict[str, float]]]:
    nlp = load_pipeline(model)
    rows = load_heldout()
    overall, by_lang = Scores(), {"en": Scores(), "id": Scores()}
    for row in rows:
        text = str(row["text"])
        gold = row["gold"]
        assert isinstance(gold, set)
        pred = _predicted(text, nlp)
        overall.add(gold, pred)
        by_lang[str(row["lang"])].add(gold, pred)
        if verbose:
            _print_errors(text, gold, pred)
    return {
        "heldout": overall.table(),
        "heldout_en": by_lang["en"].table(),
        "heldout_id": by_lang["id"].table(),
    }


def load_real(split: str, path: Path = REAL) -> list[dict[str, object]]:
    """Rows of the real-text set whose ``split`` is ``split`` (``dev``, ``dev2``, ``test``),
    ``devall`` (every dev split) or ``all``."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if split in ("all", row["split"]) or (split == "devall" and row["split"] != "test"):
                row["text"], row["gold"] = parse_markup(row["annotated"])
                rows.append(row)
    return rows


def bench_real(
    model: Path | None, split: str, verbose: bool
) -> dict[str, dict[str, dict[str, float]]]:
    nlp = load_pipeline(model)
    exact, lenient = Scores(OVERALL_LABELS), Scores(OVERALL_LABELS)
    by_lang = {"en": Scores(OVERALL_LABELS), "id": Scores(OVERALL_LABELS)}
    for row in load_real(split):
        text = str(row["text"])
        gold = row["gold"]
        assert isinstance(gold, set)
        pred = _predicted(text, nlp, REAL_LABELS)
        exact.add(gold, pred)
        lenient.add_overlap(gold, pred)
        by_lang[str(row["lang"])].add(gold, pred)
        if verbose:
            _print_errors(text, gold, pred)
    return {
        f"real_{split}": exact.table(),
        f"real_{split}_overlap": lenient.table(),
        f"real_{split}_en": by_lang["en"].table(),
        f"real_{split}_id": by_lang["id"].table(),
    }


def generated_examples(n: int = 400, seed: int = 1) -> list[tuple[str, Spans]]:
    """The generator's dev distribution (``generate.py`` writes its dev set with seed + 1)."""
    if str(GENERATOR) not in sys.path:
        sys.path.insert(0, str(GENERATOR))
    import generate  # type: ignore[import-not-found]

    rng = random.Random(seed)
    out: list[tuple[str, Spans]] = []
    while len(out) < n:
        lang = "en" if rng.random() < 0.5 else "id"
        text, spans = generate.make_example(lang, rng)
        out.append((text, {(s, e, lab) for s, e, lab in spans}))
    return out


def bench_generated(model: Path | None, verbose: bool) -> dict[str, dict[str, dict[str, float]]]:
    nlp = load_pipeline(model)
    scores = Scores()
    for text, gold in generated_examples():
        # The generator leaves identifiers unlabelled (the ruler's job): score the NER labels.
        pred = _predicted(text, nlp, ("PERSON", "ORG", "LOC", "DATE", "NATIONALITY"))
        scores.add(gold, pred)
        if verbose:
            _print_errors(text, gold, pred)
    return {"generated": scores.table()}


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


_LOAD_SNIPPET = """
import time, sys
t0 = time.perf_counter()
from docproc.reading.nlp import load_pipeline
t1 = time.perf_counter()
load_pipeline(sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None)
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f}")
"""

SPEED_SENTENCE = "Brigjen Polisi Untung Widyatmoko bertemu IOM di Jakarta."


def bench_speed(model: Path | None, runs: int) -> dict[str, float]:
    """Cold-start figures, each the median of ``runs`` fresh interpreters, and throughput.

    * ``import_s``/``load_s``: importing docproc.reading.nlp, then ``load_pipeline()``;
    * ``tag_cold_wall_s``/``tag_cold_cpu_s``: ``docproc tag`` on one sentence from stdin, wall
      time and CPU time (user + system) of the process. On a shared machine the CPU time is
      the steadier figure; ``load_average_1m`` says how busy the machine was;
    * ``words_per_s``: ``tag()`` over the hand-written and real passages, pipeline loaded.
    """
    import resource
    import statistics
    import subprocess
    import time

    env = dict(os.environ, PYTHONPATH=str(REPO))
    if model is not None:
        env["DOCPROC_NER_MODEL"] = str(model)
    imports, loads, walls, cpus = [], [], [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _LOAD_SNIPPET, str(model or "")],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=True,
        ).stdout.split()
        imports.append(float(out[0]))
        loads.append(float(out[1]))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "docproc.cli", "tag"],
            input=SPEED_SENTENCE,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=True,
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    nlp = load_pipeline(model)
    texts = [str(r["text"]) for r in load_heldout()] + [str(r["text"]) for r in load_real("all")]
    words = sum(len(t.split()) for t in texts)
    start = time.perf_counter()
    for _ in range(3):
        for text in texts:
            tag(text, nlp=nlp)
    elapsed = time.perf_counter() - start
    return {
        "import_s": statistics.median(imports),
        "load_s": statistics.median(loads),
        "tag_cold_wall_s": statistics.median(walls),
        "tag_cold_cpu_s": statistics.median(cpus),
        "words_per_s": 3 * words / elapsed,
        "load_average_1m": os.getloadavg()[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="pipeline dir (default: shipped)")
    ap.add_argument(
        "--corpus", type=Path, default=Path(os.environ.get("DOCPROC_INDONLU_NER", DEFAULT_CORPUS))
    )
    ap.add_argument("--corpus-splits", action="store_true", help="also the IndoNLU test splits")
    ap.add_argument("--no-corpus", action="store_true", help="(the default; kept for old commands)")
    ap.add_argument("--limit", type=int, default=0, help="corpus sentences per split (0 = all)")
    ap.add_argument(
        "--real-split",
        choices=("dev", "dev2", "dev3", "devall", "test", "all"),
        default="dev",
        help="which real passages (test: the final look, once)",
    )
    ap.add_argument(
        "--errors",
        choices=("generated", "heldout", "real"),
        default=None,
        help="print every error of one set",
    )
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument(
        "--speed", type=int, default=0, metavar="RUNS", help="cold-start runs (0: none)"
    )
    args = ap.parse_args()
    if args.speed:
        speed = bench_speed(args.model, args.speed)
        print("\nspeed: " + ", ".join(f"{k} {v:.3f}" for k, v in speed.items()))
        if args.json:
            args.json.write_text(json.dumps({"speed": speed}, indent=2))
        return
    results = bench_generated(args.model, args.errors == "generated")
    results.update(bench_heldout(args.model, args.errors == "heldout"))
    results.update(bench_real(args.model, args.real_split, args.errors == "real"))
    if args.corpus_splits:
        results.update(bench_corpus(args.model, args.corpus, args.limit))
    for title, table in results.items():
        print_table(title, table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
