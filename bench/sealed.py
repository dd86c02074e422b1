"""Sealed database columns: what encryption at rest costs the case database.

On a fresh SQLite database (or ``--database URL``, an empty PostgreSQL database), records N
read documents (MRZ fields of N different persons, through the pipeline's ``record_outcome``:
linking, matching, the blind indexes) with the columns in the clear, seals them with
``seal_database`` (``docproc keys seal``), then records N more sealed, and times desk searches
(a name of three words; a document number) over the plain and the sealed database. Prints one
JSON line.

    .venv/bin/python bench/sealed.py --documents 1000
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import cases
from docproc.casework.auth import Principal
from docproc.casework.search import SearchTerms
from docproc.db import repo
from docproc.db.crypto import seal_database
from docproc.db.models import MRZ_FIELDS, DocumentStatus, FieldSource, Role
from docproc.db.repo import FieldValue
from docproc.db.session import make_engine, make_session_factory, migrate, session_scope
from docproc.keyring import parse_keys
from docproc.processing.outcome import ReadOutcome
from docproc.processing.process import record_outcome

SUPERVISOR = Principal("bench", "bench", Role.supervisor, "token")


def _values(i: int) -> dict[str, str | None]:
    born = (date(1950, 1, 1) + timedelta(days=i)).isoformat()
    return {
        "document_code": "P",
        "issuing_country": "AFG",
        "surname": f"SURNAME{i}X",
        "given_names": "MOHAMMAD ALI",
        "document_number": f"P{i:08d}",
        "nationality": "AFG",
        "birth_date": born,
        "sex": "M",
        "expiry_date": "2030-01-01",
        "optional_data": None,
        "optional_data_2": None,
    }


def _record(factory: sessionmaker[Session], i: int) -> None:
    values = _values(i)
    fields = tuple(
        FieldValue(name, values.get(name), 0.97, FieldSource.mrz, 0, (10, 300, 600, 60))
        for name in MRZ_FIELDS
    )
    sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    with session_scope(factory) as session:
        document, _ = repo.get_or_create_document(
            session, sha256=sha, source_key=f"originals/{sha[:2]}/{sha}"
        )
        document_id = document.id
    with session_scope(factory) as session:
        repo.claim_for_processing(session, document_id, "bench")
    with session_scope(factory) as session:
        stored = repo.get_document(session, document_id)
        assert stored is not None
        outcome = ReadOutcome(
            DocumentStatus.done, None, doc_type="TD3", pages=1, fields=fields, engine="bench"
        )
        record_outcome(session, stored, outcome, actor="bench")


def _record_ms(factory: sessionmaker[Session], first: int, count: int) -> float:
    start = time.perf_counter()
    for i in range(first, first + count):
        _record(factory, i)
    return (time.perf_counter() - start) / count * 1000


def _search_ms(factory: sessionmaker[Session], terms: list[str]) -> float:
    start = time.perf_counter()
    for term in terms:
        with session_scope(factory) as session:
            found = cases.find_persons(session, SUPERVISOR, terms=SearchTerms.parse(term))
            assert len(found) == 1, term
    return (time.perf_counter() - start) / len(terms) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--database", help="an empty database URL (default: a SQLite file)")
    args = parser.parse_args()
    n = args.documents
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    migrate(url)
    keyring = parse_keys(f"bench {base64.b64encode(os.urandom(32)).decode()}")
    plain = make_session_factory(make_engine(url))
    sealed = make_session_factory(make_engine(url, keyring=keyring))
    picks = range(0, n, max(1, n // args.searches))
    names = [f"surname{i}x mohammad ali" for i in picks]  # 3 words: a name
    numbers = [f"P{i:08d}" for i in picks]

    result: dict[str, object] = {"database": url.split(":", 1)[0], "documents": n}
    result["record_plain_ms"] = round(_record_ms(plain, 0, n), 1)
    result["search_name_plain_ms"] = round(_search_ms(plain, names), 1)
    result["search_number_plain_ms"] = round(_search_ms(plain, numbers), 1)
    start = time.perf_counter()
    with session_scope(sealed) as session:
        sealed_rows = seal_database(session).to_json()
    result["seal_s"] = round(time.perf_counter() - start, 1)
    result["sealed_rows"] = sealed_rows
    result["record_sealed_ms"] = round(_record_ms(sealed, n, n), 1)
    result["search_name_sealed_ms"] = round(_search_ms(sealed, names), 1)
    result["search_number_sealed_ms"] = round(_search_ms(sealed, numbers), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
