"""Build the shipped pipeline: trained tok2vec+ner, case filter, gazetteer, name context,
entity ruler, title trimmer.

    python scripts/package.py training/model-best ../../docproc/reading/assets/ner/docproc_ner

The entity ruler's patterns are read here from assets/patterns.jsonl (in spaCy 3.8 a
``srsly.read_jsonl.v1`` reference in the config fails validation) and are saved inside the
pipeline directory, so loading needs no asset. The output is a plain pipeline directory that
``spacy.load(path)`` reads once ``docproc.reading.nlp.components`` is imported.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import spacy
import srsly

_REPO = Path(__file__).resolve().parents[3]
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

import docproc.reading.nlp.context  # noqa: E402,F401  (registers docproc_person_context)
from docproc.reading.nlp.components import customize_tokenizer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from add_gazetteer import add_gazetteer  # noqa: E402

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def build(model: Path, patterns: Path) -> spacy.language.Language:
    nlp = spacy.load(model)
    customize_tokenizer(nlp)  # idempotent; model-best already carries it
    nlp.add_pipe("docproc_case_filter", after="ner")
    nlp.add_pipe("docproc_person_context", after="docproc_case_filter")
    add_gazetteer(nlp, ASSETS / "gazetteer.json")  # between the case filter and the context
    ruler = nlp.add_pipe(
        "entity_ruler",
        name="structured_ruler",
        after="docproc_person_context",
        config={"overwrite_ents": True, "phrase_matcher_attr": None, "validate": True},
    )
    ruler.add_patterns(list(srsly.read_jsonl(patterns)))  # type: ignore[attr-defined]
    nlp.add_pipe("docproc_person_titles", last=True)
    nlp.meta.update(
        {
            "name": "docproc_ner",
            "version": "0.1.0",
            "description": (
                "docproc NER for English/Indonesian migration papers: PERSON, ORG, LOC, DATE, "
                "NATIONALITY (trained) + DOC_NUMBER, CASE_NUMBER, PHONE, EMAIL, numeric DATE "
                "(entity ruler). Titles and ranks are excluded from PERSON."
            ),
            "license": "MIT (training data: IndoNLU NERGrit/NERP, MIT) + Apache-2.0 (docproc)",
            "author": "docproc",
            "sources": [
                {"name": "IndoNLU NERGrit, NERP", "url": "IndoNLP/indonlu", "license": "MIT"},
                {"name": "docproc synthetic templates", "license": "Apache-2.0"},
            ],
        }
    )
    return nlp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--patterns", type=Path, default=ASSETS / "patterns.jsonl")
    args = ap.parse_args()
    nlp = build(args.model, args.patterns)
    if args.out.exists():
        shutil.rmtree(args.out)
    nlp.to_disk(args.out)
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"packaged {nlp.pipe_names} -> {args.out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
