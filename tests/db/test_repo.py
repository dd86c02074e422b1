"""Repository functions on SQLite and PostgreSQL, including races between real threads."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import Engine, delete, text, update
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from docproc.db import repo
from docproc.db.models import (
    Document,
    DocumentStatus,
    Event,
    FieldSource,
)
from docproc.db.session import session_scope
from docproc.storage import original_key, sha256_hex

S = DocumentStatus
T = TypeVar("T")


def _sha() -> str:
    return sha256_hex(uuid.uuid4().bytes)


def _new_document(session: Session, batch_id: uuid.UUID | None = None) -> Document:
    sha = _sha()
    document, created = repo.get_or_create_document(
        session, sha256=sha, source_key=original_key(sha), filename="scan.jpg", batch_id=batch_id
    )
    assert created
    return document


def _race(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``count`` threads released at the same moment."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            result = work(i)
            with lock:
                results.append(result)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def _status_events(session: Session, document: Document) -> list[tuple[str | None, str | None]]:
    return [
        (e.old, e.new)
        for e in repo.events_for(session, "document", document.id)
        if e.kind == "status_changed"
    ]


# ----------------------------------------------------------------------------------- documents


def test_get_or_create_document_is_idempotent(session: Session) -> None:
    sha = _sha()
    first, created = repo.get_or_create_document(
        session, sha256=sha, source_key=original_key(sha), filename="a.jpg", media_type="image/jpeg"
    )
    again, created_again = repo.get_or_create_document(
        session, sha256=sha, source_key=original_key(sha), filename="copy-of-a.jpg"
    )
    assert created and not created_again
    assert again.id == first.id
    assert again.original_filename == "a.jpg"
    assert first.status == S.queued and first.attempts == 0
    assert [e.kind for e in repo.events_for(session, "document", first.id)] == ["created"]


def test_get_or_create_document_race(factory: sessionmaker[Session]) -> None:
    sha = _sha()

    def register(i: int) -> tuple[uuid.UUID, bool]:
        with session_scope(factory) as session:
            document, created = repo.get_or_create_document(
                session, sha256=sha, source_key=original_key(sha), actor=f"worker-{i}"
            )
            return document.id, created

    results = _race(8, register)
    assert len({doc_id for doc_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with factory() as session:
        document = repo.get_document_by_sha256(session, sha)
        assert document is not None
        assert len(repo.events_for(session, "document", document.id)) == 1


def test_losing_the_race_leaves_the_transaction_usable(factory: sessionmaker[Session]) -> None:
    sha = _sha()
    with session_scope(factory) as winner:
        repo.get_or_create_document(winner, sha256=sha, source_key=original_key(sha))
    with session_scope(factory) as session:
        batch = repo.create_batch(session, name="b", source="file:///in", actor="t")
        # Simulate the race window: the row exists but this session's first look missed it.
        document = Document(sha256=sha, source_key=original_key(sha), status=S.queued)
        with pytest.raises(DBAPIError), session.begin_nested():
            session.add(document)
        _, created = repo.get_or_create_document(session, sha256=sha, source_key=original_key(sha))
        assert not created
        assert repo.get_batch(session, batch.id) is not None  # earlier work still there


def test_set_status_writes_events_and_guards_transitions(session: Session) -> None:
    document = _new_document(session)
    repo.set_status(session, document, S.processing, actor="worker-1")
    assert document.claimed_by == "worker-1"
    repo.set_status(session, document, S.needs_review, "check_digit_failed", actor="worker-1")
    assert document.status_reason == "check_digit_failed"
    assert document.claimed_by is None and document.claimed_at is None
    repo.set_status(session, document, S.done, actor="reviewer:ana")
    with pytest.raises(repo.InvalidStatusTransition):
        repo.set_status(session, document, S.failed, actor="x")
    assert document.status == S.done
    assert _status_events(session, document) == [
        ("queued", "processing"),
        ("processing", "needs_review"),
        ("needs_review", "done"),
    ]
    reasons = [e.detail for e in repo.events_for(session, "document", document.id)]
    assert {"reason": "check_digit_failed"} in reasons
    actors = [e.actor for e in repo.events_for(session, "document", document.id)]
    assert actors[-1] == "reviewer:ana"
    assert all(e.at.tzinfo is not None for e in repo.events_for(session, "document", document.id))


def test_every_status_has_transitions() -> None:
    assert set(repo.ALLOWED_TRANSITIONS) == set(DocumentStatus)


# -------------------------------------------------------------------------------------- claims


def test_claim_is_a_compare_and_set(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        doc_id = _new_document(session).id
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, doc_id, "worker-1")
    with session_scope(factory) as session:
        assert not repo.claim_for_processing(session, doc_id, "worker-2")
        document = repo.get_document(session, doc_id)
        assert document is not None
        assert (document.status, document.claimed_by, document.attempts) == (
            S.processing,
            "worker-1",
            1,
        )
        assert document.claimed_at is not None
        assert _status_events(session, document) == [("queued", "processing")]
    with session_scope(factory) as session:
        assert not repo.claim_for_processing(session, uuid.uuid4(), "worker-1")


def test_claim_race_has_exactly_one_winner(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        doc_id = _new_document(session).id

    def claim(i: int) -> bool:
        with session_scope(factory) as session:
            return repo.claim_for_processing(session, doc_id, f"worker-{i}")

    assert sorted(_race(8, claim)) == [False] * 7 + [True]
    with factory() as session:
        document = repo.get_document(session, doc_id)
        assert document is not None and document.attempts == 1
        assert len(_status_events(session, document)) == 1


def _age_claim(factory: sessionmaker[Session], doc_id: uuid.UUID, by: timedelta) -> None:
    with session_scope(factory) as session:
        session.execute(
            update(Document).where(Document.id == doc_id).values(claimed_at=datetime.now(UTC) - by)
        )


def test_stale_claims_are_taken_over_and_reported(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        doc_id = _new_document(session).id
        fresh_id = _new_document(session).id
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, doc_id, "worker-dead")
        assert repo.claim_for_processing(session, fresh_id, "worker-alive")
    _age_claim(factory, doc_id, timedelta(hours=1))
    with session_scope(factory) as session:
        stuck = repo.stuck_documents(session, timedelta(minutes=15))
        assert doc_id in {d.id for d in stuck}
        assert fresh_id not in {d.id for d in stuck}
        assert not repo.claim_for_processing(session, fresh_id, "worker-2")
        assert repo.claim_for_processing(session, doc_id, "worker-2")
    with factory() as session:
        document = repo.get_document(session, doc_id)
        assert document is not None
        assert (document.claimed_by, document.attempts) == ("worker-2", 2)
        last = repo.events_for(session, "document", doc_id)[-1]
        assert (last.old, last.new) == ("processing", "processing")
        assert last.detail == {
            "attempt": 2,
            "reclaimed_from": "worker-dead",
            "reason": "lease_expired",
        }


def test_claim_gives_up_after_max_attempts(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        doc_id = _new_document(session).id
    for attempt in range(2):
        with session_scope(factory) as session:
            assert repo.claim_for_processing(session, doc_id, f"w{attempt}", max_attempts=2)
        _age_claim(factory, doc_id, timedelta(hours=1))
    with session_scope(factory) as session:
        assert not repo.claim_for_processing(session, doc_id, "w3", max_attempts=2)
    with factory() as session:
        document = repo.get_document(session, doc_id)
        assert document is not None
        # The last real reason is kept: the claims ran out because their owners went away.
        assert (document.status, document.status_reason) == (S.failed, "lease_expired")
        assert document.claimed_by is None


def test_a_leased_claim_ends_with_its_lease_or_its_owner(factory: sessionmaker[Session]) -> None:
    lease = timedelta(seconds=60)
    with session_scope(factory) as session:
        doc_id = _new_document(session).id
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, doc_id, "w1", lease=lease)
    with session_scope(factory) as session:  # held: young lease, owner alive
        assert not repo.claim_for_processing(session, doc_id, "w2", lease=lease)
        assert not repo.claim_for_processing(
            session, doc_id, "w2", lease=lease, owner_gone=lambda owner: False
        )
        assert not repo.stuck_documents(session, timedelta(minutes=15))
    with session_scope(factory) as session:  # renewed by its owner only
        assert repo.renew_claims(session, [doc_id], "w2", lease) == 0
        assert repo.renew_claims(session, [doc_id], "w1", lease) == 1
    with session_scope(factory) as session:  # the owner died: taken back at once
        gone = {"w1"}
        assert [d.id for d in repo.stuck_documents(session, timedelta(minutes=15))] == []
        stuck = repo.stuck_documents(
            session, timedelta(minutes=15), owner_gone=lambda owner: owner in gone
        )
        assert [d.id for d in stuck] == [doc_id]
        assert repo.claim_for_processing(
            session, doc_id, "w2", lease=lease, owner_gone=lambda owner: owner in gone
        )
    with factory() as session:
        document = repo.get_document(session, doc_id)
        assert document is not None
        assert (document.claimed_by, document.status_reason) == ("w2", "worker_lost")
        assert document.lease_until is not None
    with session_scope(factory) as session:  # the lease runs out: taken back, no owner check
        session.execute(
            update(Document)
            .where(Document.id == doc_id)
            .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, doc_id, "w3", lease=lease)
    with factory() as session:
        last = repo.events_for(session, "document", doc_id)[-1]
        assert last.detail is not None and last.detail["reason"] == "lease_expired"


def test_a_live_claim_is_not_taken_again_under_the_same_name(
    factory: sessionmaker[Session],
) -> None:
    """Threads of one web process share a name: the name alone never takes a claim back."""
    with session_scope(factory) as session:
        doc_id = _new_document(session).id
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, doc_id, "web", lease=timedelta(minutes=1))
    with session_scope(factory) as session:
        assert not repo.claim_for_processing(session, doc_id, "web", lease=timedelta(minutes=1))


def test_system_faults_give_the_attempt_back(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        doc_id = _new_document(session).id
    for _ in range(5):
        with session_scope(factory) as session:
            assert repo.claim_for_processing(session, doc_id, "w1", max_attempts=2)
        with session_scope(factory) as session:
            document = repo.get_document(session, doc_id)
            assert document is not None
            repo.give_back(
                session, document, "storage_unavailable", actor="w1", count_attempt=False
            )
    with factory() as session:
        document = repo.get_document(session, doc_id)
        assert document is not None
        assert (document.status, document.attempts) == (S.queued, 0)
        assert document.status_reason == "storage_unavailable"
    for _ in range(2):  # read faults count, and the last one is the reason it fails with
        with session_scope(factory) as session:
            assert repo.claim_for_processing(session, doc_id, "w1", max_attempts=2)
        with session_scope(factory) as session:
            document = repo.get_document(session, doc_id)
            assert document is not None
            repo.give_back(session, document, "ocr_timeout", actor="w1")
    with session_scope(factory) as session:
        assert not repo.claim_for_processing(session, doc_id, "w1", max_attempts=2)
    with factory() as session:
        document = repo.get_document(session, doc_id)
        assert document is not None
        assert (document.status, document.status_reason) == (S.failed, "ocr_timeout")


def test_requeue_failed_by_filter(factory: sessionmaker[Session]) -> None:
    ids = {}
    with session_scope(factory) as session:
        for reason in ("storage_unavailable", "corrupt_image", "ocr_timeout"):
            document = _new_document(session)
            repo.set_status(session, document, S.failed, reason, actor="test")
            document.attempts = 5
            ids[reason] = document.id
    with session_scope(factory) as session:
        again = repo.requeue_failed(
            session,
            actor="test",
            accept=lambda reason: reason != "corrupt_image",
            document_ids=ids.values(),
        )
        assert set(again) == {ids["storage_unavailable"], ids["ocr_timeout"]}
    with session_scope(factory) as session:
        everything = repo.requeue_failed(
            session, actor="test", accept=lambda reason: True, document_ids=ids.values()
        )
        assert everything == [ids["corrupt_image"]]
    with factory() as session:
        for document_id in ids.values():
            again_queued = repo.get_document(session, document_id)
            assert again_queued is not None
            assert (again_queued.status, again_queued.attempts) == (S.queued, 0)
        counts = {(s, r): n for s, r, n in repo.status_counts(session)}
        assert counts[(S.queued, "corrupt_image")] >= 1


def test_requeue_releases_the_claim(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        doc_id = _new_document(session).id
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, doc_id, "worker-1")
    with session_scope(factory) as session:
        document = repo.get_document(session, doc_id)
        assert document is not None
        repo.set_status(session, document, S.queued, "storage_unavailable", actor="worker-1")
    with session_scope(factory) as session:
        assert repo.claim_for_processing(session, doc_id, "worker-2")


# --------------------------------------------------------------------------------- extractions


def _fields(surname: str) -> list[repo.FieldValue]:
    return [
        repo.FieldValue("surname", surname, 0.98, FieldSource.mrz, page=1, box=(10, 20, 300, 40)),
        repo.FieldValue("date_of_birth", "1974-08-12", 1.0, FieldSource.mrz),
        repo.FieldValue("place_of_birth", None, None, FieldSource.viz),
    ]


def test_extractions_are_versioned(session: Session) -> None:
    document = _new_document(session)
    first = repo.save_extraction(
        session, document, _fields("ERIKSON"), created_by="worker-1", source="docproc 0.1"
    )
    second = repo.save_extraction(
        session,
        document,
        [repo.FieldValue("surname", "ERIKSSON", 1.0, FieldSource.reviewer)],
        created_by="reviewer:ana",
        source="review",
    )
    assert (first.version, second.version) == (1, 2)
    latest = repo.latest_extraction(session, document.id)
    assert latest is not None and latest.id == second.id
    assert [(f.name, f.value, f.source) for f in latest.fields] == [
        ("surname", "ERIKSSON", FieldSource.reviewer)
    ]
    versions = repo.extractions_for(session, document.id)
    assert [v.version for v in versions] == [1, 2]
    surname = versions[0].fields[0]
    assert (surname.confidence, surname.page, surname.box) == (0.98, 1, [10, 20, 300, 40])
    saved = [e.new for e in repo.events_for(session, "document", document.id)]
    assert saved[-2:] == ["1", "2"]


def test_an_entity_field_keeps_its_sentence(session: Session) -> None:
    document = _new_document(session)
    sentence = "Kapolres Aceh Timur AKBP Andy Rahmansyah mengatakan tiga warga ditahan."
    repo.save_extraction(
        session,
        document,
        [
            repo.FieldValue(
                "entity.PERSON.0", "Andy Rahmansyah", None, FieldSource.ner, 0, None, sentence
            ),
            repo.FieldValue("surname", "RAHMANSYAH", 0.9, FieldSource.mrz),
        ],
        created_by="worker-1",
        source="docproc 0.1",
    )
    session.expire_all()
    latest = repo.latest_extraction(session, document.id)
    assert latest is not None
    assert [(f.name, f.sentence) for f in latest.fields] == [
        ("entity.PERSON.0", sentence),
        ("surname", None),
    ]


def test_concurrent_extractions_get_distinct_versions(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        doc_id = _new_document(session).id

    def save(i: int) -> int:
        with session_scope(factory) as session:
            document = repo.get_document(session, doc_id)
            assert document is not None
            return repo.save_extraction(
                session, document, _fields(f"N{i}"), created_by=f"w{i}", source="t"
            ).version

    assert sorted(_race(6, save)) == [1, 2, 3, 4, 5, 6]


def test_field_confidence_is_checked() -> None:
    with pytest.raises(ValueError):
        repo.FieldValue("surname", "X", 1.5, FieldSource.mrz)


# ------------------------------------------------------------------------------ lists, batches


def test_batches_count_documents_by_status(session: Session) -> None:
    batch = repo.create_batch(
        session, name="Jakarta intake 3", source="s3://in", actor="op", total=4
    )
    docs = [_new_document(session, batch_id=batch.id) for _ in range(4)]
    _new_document(session)  # not in the batch
    repo.set_status(session, docs[0], S.processing, actor="w")
    repo.set_status(session, docs[0], S.done, actor="w")
    repo.set_status(session, docs[1], S.failed, "corrupt_image", actor="w")
    counts = repo.batch_counts(session, batch.id)
    assert counts == {
        S.queued: 2,
        S.processing: 0,
        S.done: 1,
        S.needs_review: 0,
        S.failed: 1,
    }
    queued = repo.documents_by_status(session, S.queued, batch_id=batch.id)
    assert [d.id for d in queued] == [docs[2].id, docs[3].id]
    assert len(repo.documents_by_status(session, S.queued, batch_id=batch.id, limit=1)) == 1
    repo.finish_batch(session, batch, actor="op")
    assert batch.finished_at is not None
    finished = repo.events_for(session, "batch", batch.id)[-1]
    assert finished.kind == "finished" and finished.detail is not None
    assert finished.detail["done"] == 1


def test_persons_and_cases(session: Session) -> None:
    document = _new_document(session)
    person = repo.create_person(session, surname="ERIKSSON", given_names="ANNA MARIA", actor="r")
    repo.link_document_to_person(session, document, person, actor="r")
    case = repo.create_case(session, reference=f"IDN-{uuid.uuid4().hex[:8]}", actor="r")
    repo.add_person_to_case(session, case, person, role="head", actor="r")
    session.flush()
    session.refresh(case)
    assert [link.person_id for link in case.person_links] == [person.id]
    assert document.person_id == person.id


def test_naive_datetimes_are_refused(session: Session) -> None:
    document = _new_document(session)
    document.claimed_at = datetime(2024, 1, 1)
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


# ------------------------------------------------------------------------------- append-only


def test_events_cannot_be_updated_or_deleted(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with session_scope(factory) as session:
        doc_id = _new_document(session).id
    assert not hasattr(repo, "update_event") and not hasattr(repo, "delete_event")
    for statement in (
        update(Event).where(Event.entity_id == str(doc_id)).values(actor="someone else"),
        delete(Event).where(Event.entity_id == str(doc_id)),
    ):
        with pytest.raises(DBAPIError, match="append-only"), session_scope(factory) as session:
            session.execute(statement)
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE events"))
    with factory() as session:
        events = repo.events_for(session, "document", doc_id)
        assert [e.actor for e in events] == ["system"]
