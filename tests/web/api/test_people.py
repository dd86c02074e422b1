"""Persons, possible duplicates, cases and exports through the API, on SQLite and PostgreSQL.

Documents are recorded through the pipeline's own ``record_outcome`` (the person hook included)
with fixed MRZ fields, so no OCR runs; everything after that is the real app over HTTP.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from docproc.db import repo
from docproc.db.models import DocumentStatus, Event
from docproc.db.session import session_scope
from tests.casework.conftest import new_birth_date, record_read
from tests.web.conftest import WebApp


@pytest.fixture
def api(backend_client: TestClient) -> TestClient:
    return backend_client


def _events(web: WebApp, entity_type: str, entity_id: object) -> list[Event]:
    with session_scope(web.services.session_factory) as session:
        return repo.events_for(session, entity_type, entity_id)


def _person_of(api: TestClient, web: WebApp, document_id: uuid.UUID) -> str:
    """The person of a document, found through the person list and records (supervisor)."""
    persons = api.get("/api/v1/persons", headers=web.auth("supervisor")).json()["persons"]
    for person in persons:
        record = api.get(f"/api/v1/persons/{person['id']}", headers=web.auth("supervisor")).json()
        if str(document_id) in {d["id"] for d in record["documents"]}:
            return str(person["id"])
    raise AssertionError(f"no person has document {document_id}")


def _pending(api: TestClient, web: WebApp) -> list[dict[str, Any]]:
    response = api.get("/api/v1/person-matches", headers=web.auth("reviewer"))
    assert response.status_code == 200, response.text
    matches: list[dict[str, Any]] = response.json()["matches"]
    return matches


def test_a_reviewer_merges_a_duplicate_and_everything_moves(
    backend_web: WebApp, api: TestClient
) -> None:
    web, factory = backend_web, backend_web.services.session_factory
    born = new_birth_date()
    passport = record_read(factory, birth_date=born, given_names="MOHAMMAD ALI")
    id_card = record_read(
        factory, DocumentStatus.needs_review, birth_date=born, given_names="MUHAMMAD ALI"
    )
    a, b = _person_of(api, web, passport), _person_of(api, web, id_card)
    assert a != b
    (match,) = _pending(api, web)
    assert (match["person_a"], match["person_b"]) == (a, b)
    assert "surname" not in str(match)  # the queue carries no personal data

    case = api.post("/api/v1/cases", headers=web.auth("desk"), json={"reference": "HH-1"}).json()
    added = api.post(
        f"/api/v1/cases/{case['id']}/persons",
        headers=web.auth("desk"),
        json={"person_id": b, "role": "head"},
    )
    assert added.status_code == 200, added.text

    # Desk users may not see or decide duplicates.
    assert (
        api.get(f"/api/v1/person-matches/{match['id']}", headers=web.auth("desk")).status_code
        == 403
    )
    refused = api.post(
        f"/api/v1/person-matches/{match['id']}/merge", headers=web.auth("desk"), json={}
    )
    assert refused.status_code == 403 and refused.json()["reason"] == "forbidden"

    detail = api.get(f"/api/v1/person-matches/{match['id']}", headers=web.auth("reviewer")).json()
    assert detail["a"]["given_names"] == "MOHAMMAD ALI"
    assert detail["b"]["given_names"] == "MUHAMMAD ALI"
    assert [d["id"] for d in detail["b"]["documents"]] == [str(id_card)]
    assert {e.actor for e in _events(web, "person", a) if e.kind == "viewed"} >= {"reviewer"}

    wrong = api.post(
        f"/api/v1/person-matches/{match['id']}/merge",
        headers=web.auth("reviewer"),
        json={"keep": str(uuid.uuid4())},
    )
    assert wrong.status_code == 422 and wrong.json()["reason"] == "bad_merge"
    merged = api.post(
        f"/api/v1/person-matches/{match['id']}/merge",
        headers=web.auth("reviewer"),
        json={"note": "same photo on both"},
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["status"] == "merged" and merged.json()["decided_by"] == "reviewer"
    again = api.post(
        f"/api/v1/person-matches/{match['id']}/keep-apart", headers=web.auth("supervisor"), json={}
    )
    assert again.status_code == 409 and again.json()["reason"] == "match_closed"

    survivor = api.get(f"/api/v1/persons/{a}", headers=web.auth("desk")).json()
    assert {d["id"] for d in survivor["documents"]} == {str(passport), str(id_card)}
    assert survivor["cases"] == [{"id": case["id"], "reference": "HH-1", "role": "head"}]
    gone = api.get(f"/api/v1/persons/{b}", headers=web.auth("desk")).json()
    assert gone["merged_into"] == a and gone["documents"] == [] and gone["cases"] == []
    listed = api.get("/api/v1/persons", headers=web.auth("desk")).json()["persons"]
    assert b not in {p["id"] for p in listed}

    household = api.get(f"/api/v1/cases/{case['id']}", headers=web.auth("desk")).json()
    (member,) = household["members"]
    assert member["id"] == a and member["role"] == "head"
    assert {d["status"] for d in member["documents"]} == {"done", "needs_review"}

    decided = _events(web, "person_match", match["id"])
    assert [e.kind for e in decided] == ["proposed", "merged"]
    assert decided[-1].actor == "reviewer" and decided[-1].detail is not None
    # that there is a note, not the note (free text may name people); the match keeps it
    assert decided[-1].detail["note"] is True
    (merged_into,) = [e for e in _events(web, "person", b) if e.kind == "merged_into"]
    assert merged_into.new == a and merged_into.actor == "reviewer"
    moved = [e for e in _events(web, "document", id_card) if e.kind == "person_linked"]
    assert [(e.old, e.new) for e in moved] == [(None, b), (b, a)]
    assert any(e.kind == "person_merged" for e in _events(web, "case", case["id"]))


def test_keep_apart_is_recorded_and_the_pair_is_never_proposed_again(
    backend_web: WebApp, api: TestClient
) -> None:
    web, factory = backend_web, backend_web.services.session_factory
    born = new_birth_date()
    first = record_read(factory, birth_date=born, given_names="MOHAMMAD ALI")
    second = record_read(factory, birth_date=born, given_names="MUHAMMAD ALI")
    a, b = _person_of(api, web, first), _person_of(api, web, second)
    (pair,) = _pending(api, web)
    kept = api.post(
        f"/api/v1/person-matches/{pair['id']}/keep-apart",
        headers=web.auth("reviewer"),
        json={"note": "twins"},
    )
    assert kept.status_code == 200 and kept.json()["status"] == "kept_apart"

    # A third document like both: proposed with each. Merging it into A would make its pending
    # pair with B a pair A-B again, which was kept apart: that pair becomes obsolete instead.
    third = record_read(factory, birth_date=born, given_names="MOHAMMED ALI")
    c = _person_of(api, web, third)
    pending = {frozenset((m["person_a"], m["person_b"])): m for m in _pending(api, web)}
    assert set(pending) == {frozenset((a, c)), frozenset((b, c))}
    merge = api.post(
        f"/api/v1/person-matches/{pending[frozenset((a, c))]['id']}/merge",
        headers=web.auth("supervisor"),
        json={"keep": a},
    )
    assert merge.status_code == 200, merge.text
    assert _pending(api, web) == []
    obsolete = api.get(
        "/api/v1/person-matches?status=obsolete", headers=web.auth("reviewer")
    ).json()["matches"]
    assert [m["id"] for m in obsolete] == [pending[frozenset((b, c))]["id"]]
    kept_apart = api.get(
        "/api/v1/person-matches?status=kept_apart", headers=web.auth("reviewer")
    ).json()["matches"]
    assert [(m["id"], m["note"], m["decided_by"]) for m in kept_apart] == [
        (pair["id"], "twins", "reviewer")
    ]


def test_cases_group_persons_with_roles_and_every_read_is_audited(
    backend_web: WebApp, api: TestClient
) -> None:
    web, factory = backend_web, backend_web.services.session_factory
    head = _person_of(api, web, record_read(factory, surname="AHMADI", given_names="REZA"))
    child_doc = record_read(factory, surname="AHMADI", given_names="SARA", birth_date="2015-06-01")
    child = _person_of(api, web, child_doc)

    created = api.post("/api/v1/cases", headers=web.auth("desk"), json={})
    assert created.status_code == 201
    case_id = created.json()["id"]
    assert created.json()["reference"].startswith("C-")
    taken = api.post(
        "/api/v1/cases", headers=web.auth("desk"), json={"reference": created.json()["reference"]}
    )
    assert taken.status_code == 409 and taken.json()["reason"] == "case_reference_taken"

    members = f"/api/v1/cases/{case_id}/persons"
    assert (
        api.post(
            members, headers=web.auth("desk"), json={"person_id": head, "role": "head"}
        ).status_code
        == 200
    )
    assert (
        api.post(
            members, headers=web.auth("desk"), json={"person_id": child, "role": "child"}
        ).status_code
        == 200
    )
    twice = api.post(members, headers=web.auth("desk"), json={"person_id": child, "role": "child"})
    assert twice.status_code == 422 and twice.json()["reason"] == "bad_case_change"
    boss = api.post(members, headers=web.auth("desk"), json={"person_id": head, "role": "boss"})
    assert boss.status_code == 422
    nobody = api.post(
        members, headers=web.auth("desk"), json={"person_id": str(uuid.uuid4()), "role": "other"}
    )
    assert nobody.status_code == 404 and nobody.json()["reason"] == "record_not_found"

    listed = api.get("/api/v1/cases", headers=web.auth("desk")).json()["cases"]
    assert [(c["id"], c["persons"]) for c in listed] == [(case_id, 2)]
    record = api.get(f"/api/v1/cases/{case_id}", headers=web.auth("desk")).json()
    assert [(m["role"], m["given_names"]) for m in record["members"]] == [
        ("head", "REZA"),
        ("child", "SARA"),
    ]
    (document,) = record["members"][1]["documents"]
    assert document["id"] == str(child_doc) and document["status"] == "done"
    assert document["fields"]["given_names"] == {
        "value": "SARA",
        "source": "mrz",
        "confidence": 0.97,
    }

    removed = api.delete(f"{members}/{child}", headers=web.auth("desk"))
    assert removed.status_code == 200
    assert api.delete(f"{members}/{child}", headers=web.auth("desk")).status_code == 422
    record = api.get(f"/api/v1/cases/{case_id}", headers=web.auth("desk")).json()
    assert [m["id"] for m in record["members"]] == [head]

    case_events = [(e.kind, e.actor) for e in _events(web, "case", case_id)]
    assert case_events == [
        ("created", "desk"),
        ("person_added", "desk"),
        ("person_added", "desk"),
        ("viewed", "desk"),
        ("person_removed", "desk"),
        ("viewed", "desk"),
    ]
    api.get(f"/api/v1/persons/{child}", headers=web.auth("desk"))
    (viewed,) = [
        e for e in _events(web, "person", child) if e.kind == "viewed" and e.actor == "desk"
    ]
    assert viewed.detail == {"via": "token"}
    names = api.get("/api/v1/persons?name=ahmadi sara", headers=web.auth("desk")).json()["persons"]
    assert [p["id"] for p in names] == [child]
    (search,) = [e for e in _events(web, "person", "list") if e.actor == "desk"]
    # the kind of term, not the words
    assert search.detail == {"via": "token", "count": 1, "filtered": True, "terms": ["name"]}


def _review_fix(
    api: TestClient, web: WebApp, document_id: uuid.UUID, fields: dict[str, str]
) -> None:
    tasks = api.get("/api/v1/review/tasks", headers=web.auth("reviewer")).json()["tasks"]
    (task,) = [t for t in tasks if t["document_id"] == str(document_id)]
    url = f"/api/v1/review/tasks/{task['task_id']}"
    assert api.post(f"{url}/claim", headers=web.auth("reviewer")).status_code == 200
    fixed = api.post(f"{url}/fix", headers=web.auth("reviewer"), json={"fields": fields})
    assert fixed.status_code == 200, fixed.text


def test_case_and_batch_exports_carry_reviewer_corrections_and_are_formula_safe(
    backend_web: WebApp, api: TestClient
) -> None:
    web, factory = backend_web, backend_web.services.session_factory
    with session_scope(factory) as session:
        batch_id = repo.create_batch(session, name="arrivals", source="test", actor="test").id
    corrected = record_read(
        factory, DocumentStatus.needs_review, batch_id=batch_id, given_names="FARHAD"
    )
    hostile = record_read(factory, batch_id=batch_id, surname="=HYPERLINK(1)", given_names="X")
    _review_fix(api, web, corrected, {"given_names": "FARHAAD"})
    case_id = api.post("/api/v1/cases", headers=web.auth("desk"), json={}).json()["id"]
    for document_id in (corrected, hostile):
        api.post(
            f"/api/v1/cases/{case_id}/persons",
            headers=web.auth("desk"),
            json={"person_id": _person_of(api, web, document_id), "role": "other"},
        )

    for role in ("desk", "reviewer"):
        refused = api.get(f"/api/v1/cases/{case_id}/export", headers=web.auth(role))
        assert refused.status_code == 403 and refused.json()["reason"] == "forbidden"
    assert (
        api.get(f"/api/v1/cases/{case_id}/export?format=xml", headers=web.auth("admin")).status_code
        == 422
    )

    response = api.get(
        f"/api/v1/cases/{case_id}/export?format=json", headers=web.auth("supervisor")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith(f'docproc-case-{case_id}.json"')
    body = response.json()
    assert body["scope"] == "case" and body["exported_by"] == "supervisor"
    records = {r["document_id"]: r for r in body["records"]}
    fixed = records[str(corrected)]
    assert fixed["version"] == 2 and fixed["reviewed_by"] == "reviewer"
    assert fixed["case_role"] == "other" and fixed["status"] == "done"
    assert fixed["fields"]["given_names"] == {
        "value": "FARHAAD",
        "source": "reviewer",
        "confidence": 1.0,
        "reviewer_confirmed": True,
    }
    assert fixed["fields"]["surname"] == {
        "value": "RAHIMI",
        "source": "mrz",
        "confidence": 0.97,
        "reviewer_confirmed": True,  # the reviewer saved the version it is in
    }
    unreviewed = records[str(hostile)]
    assert unreviewed["version"] == 1 and unreviewed["reviewed_by"] is None
    assert unreviewed["fields"]["surname"]["reviewer_confirmed"] is False

    batch_csv = api.get(f"/api/v1/batches/{batch_id}/export?format=csv", headers=web.auth("admin"))
    assert batch_csv.status_code == 200 and batch_csv.headers["content-type"].startswith("text/csv")
    rows = {r["document_id"]: r for r in csv.DictReader(io.StringIO(batch_csv.text))}
    assert set(rows) == {str(corrected), str(hostile)}
    assert rows[str(corrected)]["given_names"] == "FARHAAD"
    assert rows[str(corrected)]["given_names_source"] == "reviewer"
    assert rows[str(corrected)]["given_names_confirmed"] == "True"
    assert rows[str(corrected)]["batch_id"] == str(batch_id)
    assert rows[str(hostile)]["surname"] == "'=HYPERLINK(1)"
    assert rows[str(hostile)]["surname_confirmed"] == "False"
    assert "document_number_confidence" in rows[str(hostile)]

    exported = [e for e in _events(web, "case", case_id) if e.kind == "exported"]
    persons = sorted({r["person_id"] for r in records.values() if r["person_id"]})
    assert [(e.actor, e.detail) for e in exported] == [
        (
            "supervisor",
            {
                "via": "token",
                "format": "json",
                "rows": 2,
                "persons": persons,
                "documents": exported[0].detail["documents"],  # type: ignore[index]
            },
        )
    ]
    # which person records left the system: references, so erasure can follow them
    assert sorted(exported[0].detail["documents"]) == sorted(records)  # type: ignore[index]
    (batch_event,) = [e for e in _events(web, "batch", batch_id) if e.kind == "exported"]
    assert batch_event.actor == "admin" and batch_event.detail is not None
    assert batch_event.detail["rows"] == 2 and batch_event.detail["format"] == "csv"
    assert sorted(batch_event.detail["documents"]) == sorted([str(corrected), str(hostile)])
    missing = api.get(f"/api/v1/batches/{uuid.uuid4()}/export", headers=web.auth("admin"))
    assert missing.status_code == 404


def test_a_document_read_without_a_name_gets_its_person_when_a_reviewer_types_it(
    backend_web: WebApp, api: TestClient
) -> None:
    web, factory = backend_web, backend_web.services.session_factory
    unread = record_read(
        factory,
        DocumentStatus.needs_review,
        surname=None,
        given_names=None,
        document_number=None,
        birth_date=None,
    )
    assert api.get("/api/v1/persons?name=noori", headers=web.auth("desk")).json()["persons"] == []
    _review_fix(
        api,
        web,
        unread,
        {
            "surname": "noori",
            "given_names": "hamid",
            "document_number": "z9988776",
            "birth_date": "1985-01-01",
        },
    )
    (person,) = api.get("/api/v1/persons?name=noori", headers=web.auth("desk")).json()["persons"]
    assert (person["surname"], person["date_of_birth"]) == ("NOORI", "1985-01-01")
    # The typed document number is now the exact-match key: another scan of it is this person.
    rescan = record_read(factory, surname="NOORI", given_names="HAMID", document_number="Z9988776")
    record = api.get(f"/api/v1/persons/{person['id']}", headers=web.auth("desk")).json()
    assert {d["id"] for d in record["documents"]} == {str(unread), str(rescan)}
