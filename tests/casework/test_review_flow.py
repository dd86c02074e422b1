"""The review flow on SQLite and PostgreSQL: claims that time out, release, reassign, taking the
next task, undoing the last decision, and re-linking the person after an identity correction."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import decisions, review
from docproc.casework.auth import Principal, create_user
from docproc.casework.validation import BadFix
from docproc.db import repo
from docproc.db.models import (
    Document,
    DocumentStatus,
    Person,
    ReviewHistory,
    ReviewState,
    ReviewTask,
    Role,
    utcnow,
)
from docproc.db.session import session_scope
from tests.casework.conftest import new_birth_date, new_number, record_read
from tests.casework.test_linking import _matches_of

PASSWORD = "correct horse battery"


def _user(factory: sessionmaker[Session], role: Role) -> Principal:
    name = f"{role.value}-{uuid.uuid4().hex[:8]}"
    with session_scope(factory) as session:
        user = create_user(session, name, PASSWORD, role, actor="test")
        return Principal(str(user.id), name, role, "session")


def _task(factory: sessionmaker[Session], **overrides: str | None) -> tuple[int, uuid.UUID]:
    values = {"birth_date": new_birth_date(), **overrides}
    document_id = record_read(factory, DocumentStatus.needs_review, None, None, **values)
    with session_scope(factory) as session:
        document = repo.get_document(session, document_id)
        assert document is not None
        task = review.open_task_for(session, document, 0.0)
        assert task is not None
        return task.id, document_id


def _age_claim(factory: sessionmaker[Session], task_id: int, seconds: float) -> None:
    with session_scope(factory) as session:
        task = session.get(ReviewTask, task_id)
        assert task is not None and task.claimed_at is not None
        task.claimed_at = utcnow() - timedelta(seconds=seconds)


def _kinds(session: Session, task_id: int) -> list[str]:
    return [e.kind for e in repo.events_for(session, "review_task", task_id)]


def test_a_claim_past_the_timeout_is_open_to_another_reviewer(
    factory: sessionmaker[Session],
) -> None:
    first, second = _user(factory, Role.reviewer), _user(factory, Role.reviewer)
    task_id, _ = _task(factory)
    with session_scope(factory) as session:
        review.claim(session, task_id, first, timeout=600)
    with session_scope(factory) as session, pytest.raises(review.TaskTaken):
        review.claim(session, task_id, second, timeout=600)
    _age_claim(factory, task_id, 601)
    with session_scope(factory) as session:
        shown = [i for i in review.queue(session, timeout=600) if i.task_id == task_id]
        assert shown and shown[0].expired and shown[0].claimed_by == first.username
        task = review.claim(session, task_id, second, timeout=600)
        assert task.claimed_by == second.username
        claims = [
            e for e in repo.events_for(session, "review_task", task_id) if e.kind == "claimed"
        ]
        assert claims[-1].detail is not None
        assert claims[-1].detail["expired_claim_of"] == first.username
    with session_scope(factory) as session, pytest.raises(review.TaskTaken):
        decisions.accept(session, task_id, first)  # the first holder lost it


def test_a_released_task_is_open_again_and_audited(factory: sessionmaker[Session]) -> None:
    first, second = _user(factory, Role.reviewer), _user(factory, Role.reviewer)
    task_id, _ = _task(factory)
    with session_scope(factory) as session:
        review.claim(session, task_id, first)
        review.release(session, task_id, first)
    with session_scope(factory) as session:
        assert review.claim(session, task_id, second).claimed_by == second.username
        assert _kinds(session, task_id) == ["opened", "claimed", "released", "claimed"]


def test_a_supervisor_reassigns_a_task_and_a_reviewer_may_not(
    factory: sessionmaker[Session],
) -> None:
    holder, other = _user(factory, Role.reviewer), _user(factory, Role.reviewer)
    boss, desk = _user(factory, Role.supervisor), _user(factory, Role.desk)
    task_id, _ = _task(factory)
    with session_scope(factory) as session:
        review.claim(session, task_id, holder)
    with session_scope(factory) as session, pytest.raises(review.BadReassign):
        review.reassign(session, task_id, other.username, holder)
    with session_scope(factory) as session, pytest.raises(review.BadReassign):
        review.reassign(session, task_id, desk.username, boss)  # a desk user cannot review
    with session_scope(factory) as session:
        assert other.username in review.reviewers(session)
        assert desk.username not in review.reviewers(session)
        review.reassign(session, task_id, other.username, boss)
    with session_scope(factory) as session:
        event = repo.events_for(session, "review_task", task_id)[-1]
        assert (event.kind, event.actor, event.old, event.new) == (
            "reassigned",
            boss.username,
            holder.username,
            other.username,
        )
        decisions.accept(session, task_id, other)


def test_take_next_claims_the_first_free_task(factory: sessionmaker[Session]) -> None:
    me, other = _user(factory, Role.reviewer), _user(factory, Role.reviewer)
    ids = [_task(factory)[0] for _ in range(2)]
    with session_scope(factory) as session:
        # earlier tests' open tasks may be ahead in the queue: take them out of the way
        for stale in session.scalars(select(ReviewTask).where(ReviewTask.state == "open")):
            if stale.id not in ids:
                stale.state = ReviewState.accepted
        review.claim(session, ids[0], other)
    with session_scope(factory) as session:
        task = review.take_next(session, me)
        assert task is not None and task.id == ids[1] and task.claimed_by == me.username
    later = _task(factory)[0]  # an open task does not come before my own claim
    with session_scope(factory) as session:
        again = review.take_next(session, me)
        assert again is not None and again.id == ids[1]
        decisions.accept(session, ids[1], me)
        review.claim(session, later, other)
    with session_scope(factory) as session:
        assert review.take_next(session, me) is None


def test_undo_an_accept_restores_the_claim_and_the_status(factory: sessionmaker[Session]) -> None:
    me, other = _user(factory, Role.reviewer), _user(factory, Role.reviewer)
    task_id, document_id = _task(factory)
    with session_scope(factory) as session:
        review.claim(session, task_id, me)
        decisions.accept(session, task_id, me)
    with session_scope(factory) as session:
        assert decisions.undoable(session, task_id, other) is None  # not their decision
        with pytest.raises(decisions.CannotUndo):
            decisions.undo(session, task_id, other)
    with session_scope(factory) as session:
        decisions.undo(session, task_id, me)
    with session_scope(factory) as session:
        task = session.get(ReviewTask, task_id)
        document = session.get(Document, document_id)
        assert task is not None and document is not None
        assert (task.state, task.claimed_by) == (ReviewState.claimed, me.username)
        assert document.status is DocumentStatus.needs_review
        assert _kinds(session, task_id)[-2:] == ["accepted", "undone"]
        assert decisions.undoable(session, task_id, me) is None  # nothing left to undo


def test_undo_a_fix_removes_its_version_and_history(factory: sessionmaker[Session]) -> None:
    me = _user(factory, Role.reviewer)
    task_id, document_id = _task(factory)
    with session_scope(factory) as session:
        review.claim(session, task_id, me)
        _, version = decisions.fix(session, task_id, {"sex": "F"}, me)
        assert version == 2
    with session_scope(factory) as session:
        decisions.undo(session, task_id, me)
    with session_scope(factory) as session:
        latest = repo.latest_extraction(session, document_id)
        assert latest is not None and latest.version == 1
        assert {f.name: f.value for f in latest.fields}["sex"] == "M"
        history = session.scalars(
            select(ReviewHistory).where(ReviewHistory.document_id == document_id)
        )
        assert list(history) == []
        assert [e.kind for e in repo.events_for(session, "document", document_id)][-1] in {
            "correction_undone",
            "status_changed",
        }


def test_an_undo_is_refused_once_the_record_changed_again(
    factory: sessionmaker[Session],
) -> None:
    me = _user(factory, Role.reviewer)
    task_id, document_id = _task(factory)
    with session_scope(factory) as session:
        review.claim(session, task_id, me)
        decisions.fix(session, task_id, {"sex": "F"}, me)
    with session_scope(factory) as session:
        document = repo.get_document(session, document_id)
        assert document is not None
        latest = repo.latest_extraction(session, document_id)
        assert latest is not None
        values = [
            repo.FieldValue(f.name, f.value, f.confidence, f.source, f.page, None)
            for f in latest.fields
        ]
        repo.save_extraction(session, document, values, created_by="worker", source="re-read")
    with session_scope(factory) as session, pytest.raises(decisions.CannotUndo):
        decisions.undo(session, task_id, me)


def test_a_corrected_name_relinks_and_removes_the_misread_person(
    factory: sessionmaker[Session],
) -> None:
    me = _user(factory, Role.reviewer)
    born = new_birth_date()
    # the right person exists already (an earlier passport read right)
    right = record_read(factory, surname="HASHEMI", given_names="NARGES", birth_date=born)
    task_id, document_id = _task(factory)
    with session_scope(factory) as session:
        document = session.get(Document, document_id)
        assert document is not None
        # this one was misread: its own person made from the misread name and date
        misread_person = document.person_id
        review.claim(session, task_id, me)
        decisions.fix(
            session,
            task_id,
            {"surname": "HASHEMI", "given_names": "NARGES", "birth_date": born},
            me,
        )
    with session_scope(factory) as session:
        document = session.get(Document, document_id)
        first = session.get(Document, right)
        assert document is not None and first is not None
        assert document.person_id != misread_person
        assert session.get(Person, misread_person) is None  # nothing else was left on it
        removed = repo.events_for(session, "person", misread_person)
        assert [e.kind for e in removed][-1] == "removed"
        # matching ran again: the right person is proposed (same birth date, same name)
        assert document.person_id is not None
        proposed = [
            e
            for e in repo.events_for(session, "document", document_id)
            if e.kind in {"person_unlinked", "person_linked"}
        ]
        assert [e.kind for e in proposed][-2:] == ["person_unlinked", "person_linked"]
        assert any(
            {m.person_a_id, m.person_b_id} == {first.person_id, document.person_id}
            for m in _matches_of(session, document.person_id)
        )


def test_a_corrected_document_number_joins_the_person_of_that_document(
    factory: sessionmaker[Session],
) -> None:
    me = _user(factory, Role.reviewer)
    born = new_birth_date()
    number = new_number()
    right = record_read(factory, document_number=number, birth_date=born)
    task_id, document_id = _task(factory, document_number=number.replace("N", "M"))
    with session_scope(factory) as session:
        review.claim(session, task_id, me)
        decisions.fix(session, task_id, {"document_number": number, "birth_date": born}, me)
    with session_scope(factory) as session:
        first, fixed = session.get(Document, right), session.get(Document, document_id)
        assert first is not None and fixed is not None
        assert fixed.person_id == first.person_id


def test_a_misread_person_with_another_document_is_kept(factory: sessionmaker[Session]) -> None:
    me = _user(factory, Role.reviewer)
    born = new_birth_date()
    number = new_number()
    task_id, _ = _task(factory, document_number=number, birth_date=born)
    twin = record_read(factory, document_number=number, birth_date=born)  # same person
    with session_scope(factory) as session:
        kept = session.get(Document, twin)
        assert kept is not None and kept.person_id is not None
        review.claim(session, task_id, me)
        decisions.fix(session, task_id, {"surname": "KARIMI"}, me)
    with session_scope(factory) as session:
        assert session.get(Person, kept.person_id) is not None


def test_a_bad_date_is_refused_with_its_field_and_code(factory: sessionmaker[Session]) -> None:
    me = _user(factory, Role.reviewer)
    task_id, document_id = _task(factory)
    with session_scope(factory) as session:
        review.claim(session, task_id, me)
        with pytest.raises(BadFix) as refused:
            decisions.fix(session, task_id, {"birth_date": "17 MAY 1978"}, me)
    assert (refused.value.field, refused.value.code) == ("birth_date", "not_a_date")
    with session_scope(factory) as session:
        latest = repo.latest_extraction(session, document_id)
        assert latest is not None and latest.version == 1


def test_printed_and_form_fields_are_corrected_and_kept_in_the_history(
    factory: sessionmaker[Session],
) -> None:
    me = _user(factory, Role.reviewer)
    task_id, document_id = _task(
        factory,
        **{"viz.place_of_birth": "JAKRTA", "form.address": "Jl. Merdeka 1", "form.phone": "0812"},
    )
    with session_scope(factory) as session:
        review.claim(session, task_id, me)
        _, version = decisions.fix(
            session,
            task_id,
            {
                "viz.place_of_birth": "Jakarta",
                "form.address": "  Jl.  Merdeka   10 ",
                "form.phone": "0812",
            },
            me,
        )
    with session_scope(factory) as session:
        latest = repo.latest_extraction(session, document_id)
        assert latest is not None and latest.version == version == 2
        by_name = {f.name: f for f in latest.fields}
        # the case as typed, spaces made one; the untouched field carried as it was
        assert by_name["viz.place_of_birth"].value == "Jakarta"
        assert by_name["viz.place_of_birth"].source == "reviewer"
        assert by_name["form.address"].value == "Jl. Merdeka 10"
        assert (by_name["form.phone"].value, by_name["form.phone"].source) == ("0812", "form")
        assert by_name["surname"].source == "mrz"
        history = session.scalars(
            select(ReviewHistory).where(ReviewHistory.document_id == document_id)
        ).all()
        assert sorted((h.field, h.old_value, h.new_value) for h in history) == [
            ("form.address", "Jl. Merdeka 1", "Jl. Merdeka 10"),
            ("viz.place_of_birth", "JAKRTA", "Jakarta"),
        ]
        task = session.get(ReviewTask, task_id)
        assert task is not None and task.state is ReviewState.fixed


@pytest.mark.parametrize(
    ("edits", "field", "code"),
    [
        ({"viz.birth_date": "17 MAY 1978"}, "viz.birth_date", "not_a_date"),
        ({"form.address": "x" * 501}, "form.address", "too_long"),
        ({"form.address": "Jl. \u202eMerdeka"}, "form.address", "control_character"),
        ({"form.name": "Ahmad 7"}, "form.name", "not_a_letter"),
    ],
)
def test_a_printed_field_that_does_not_fit_is_refused(
    factory: sessionmaker[Session], edits: dict[str, str], field: str, code: str
) -> None:
    me = _user(factory, Role.reviewer)
    task_id, document_id = _task(
        factory,
        **{"viz.birth_date": "1978-05-17", "form.address": "Jl. Merdeka 1", "form.name": "Ahmad"},
    )
    with session_scope(factory) as session:
        review.claim(session, task_id, me)
        with pytest.raises(BadFix) as refused:
            decisions.fix(session, task_id, edits, me)
    assert (refused.value.field, refused.value.code) == (field, code)
    with session_scope(factory) as session:
        latest = repo.latest_extraction(session, document_id)
        assert latest is not None and latest.version == 1


@pytest.mark.parametrize("name", ["entity.person_0", "form.raw:Agama", "form.not_in_the_record"])
def test_entities_unmapped_pairs_and_absent_fields_are_not_corrected(
    factory: sessionmaker[Session], name: str
) -> None:
    me = _user(factory, Role.reviewer)
    task_id, _ = _task(factory, **{"entity.person_0": "Ahmad", "form.raw:Agama": "Islam"})
    with session_scope(factory) as session:
        review.claim(session, task_id, me)
        with pytest.raises(decisions.BadReview, match="unknown fields"):
            decisions.fix(session, task_id, {name: "something"}, me)
