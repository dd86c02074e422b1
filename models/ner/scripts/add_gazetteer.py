"""Add (or replace) the ``docproc_gazetteer`` component of a packaged pipeline.

    python scripts/add_gazetteer.py PIPELINE_DIR [OUT_DIR] [--rules cleanup,orgs,...]

Reads assets/gazetteer.json (``scripts/make_gazetteers.py``) and stores it inside the pipeline
directory, right after ``docproc_case_filter``. ``package.py`` calls :func:`add_gazetteer` too;
this script lets the shipped pipeline get a new gazetteer without retraining.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import spacy

_REPO = Path(__file__).resolve().parents[3]
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from docproc.reading.nlp.gazetteer import RULES, Gazetteer, load_data  # noqa: E402

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def add_gazetteer(
    nlp: spacy.language.Language, data: Path, rules: list[str] | None = None
) -> spacy.language.Language:
    if "docproc_gazetteer" in nlp.pipe_names:
        nlp.remove_pipe("docproc_gazetteer")
    pipe = nlp.add_pipe(
        "docproc_gazetteer",
        after="docproc_case_filter",
        config={"rules": list(rules if rules is not None else RULES)},
    )
    assert isinstance(pipe, Gazetteer)
    pipe.set_data(load_data(data))
    sources = [s for s in nlp.meta.get("sources", []) if "gazetteer" not in str(s.get("name", ""))]
    sources.append(
        {
            "name": "docproc gazetteer: Indonesian provinces/regencies/cities (BPS MFD 2014 names, "
            "via edwardsamuel/Wilayah-Administratif-Indonesia), name words from the training "
            "splits of NERGrit, NERP, idner-news-2k, nerui (MIT) and re3d (CC BY 3.0 AU, OGL v3, "
            "public domain, CC BY-SA 3.0), hand-written lists",
            "license": "see docs/ner.md",
        }
    )
    nlp.meta["sources"] = sources
    return nlp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pipeline", type=Path)
    ap.add_argument("out", type=Path, nargs="?")
    ap.add_argument("--data", type=Path, default=ASSETS / "gazetteer.json")
    ap.add_argument("--rules", default=",".join(RULES), help="comma-separated, in order")
    args = ap.parse_args()
    nlp = spacy.load(args.pipeline)
    add_gazetteer(nlp, args.data, [r for r in args.rules.split(",") if r])
    out = args.out or args.pipeline
    if out.exists() and out != args.pipeline:
        shutil.rmtree(out)
    nlp.to_disk(out)
    print(f"{nlp.pipe_names} -> {out}")


if __name__ == "__main__":
    main()
