"""The review API: the queue, a task, claiming, releasing and deciding it, undoing the last
decision, reassigning (supervisors), and the sizes of a task's pages (to draw field boxes over
the page images of ``/api/v1/documents/{id}/pages/{n}.jpg``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from docproc.casework import decisions, review
from docproc.reading.intake import iter_pages
from docproc.web.api.documents import record_of
from docproc.web.deps import Reviewer, RowId, State, Supervisor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"])


class FixRequest(BaseModel):
    fields: dict[str, str | None] = Field(description="field name -> corrected value")


class ReassignRequest(BaseModel):
    to: str = Field(description="the user name of the reviewer to hand the task to")


class RejectRequest(BaseModel):
    reason: str = Field(description=f"one of {', '.join(decisions.REJECT_REASONS)}")


@router.get("/review/tasks")
def list_tasks(state: State, principal: Reviewer, reason: str | None = None) -> dict[str, Any]:
    """Open and claimed review tasks, by priority then age."""
    with state.transaction() as session:
        review.sync_queue(session, state.sample_rate)
        items = review.queue(session, reason=reason, actor=principal)
        reasons = review.queue_reasons(session)
    return {"tasks": [i.to_json() for i in items], "reasons": reasons}


@router.get("/review/tasks/{task_id}")
def get_task(task_id: RowId, state: State, principal: Reviewer) -> dict[str, Any]:
    with state.transaction() as session:
        task = review.get_task(session, task_id, principal)
        record = record_of(state, session, task.document_id, principal)
        return {
            "task_id": task.id,
            "state": task.state.value,
            "claimed_by": task.claimed_by,
            "reasons": task.reasons.split(",") if task.reasons else [],
            "document": record.to_json(),
        }


@router.post("/review/tasks/{task_id}/claim")
def claim_task(task_id: RowId, state: State, principal: Reviewer) -> dict[str, Any]:
    """Take a task, or renew one's own claim (409 ``task_taken`` if another reviewer has it
    and their claim has not timed out)."""
    with state.transaction() as session:
        task = review.claim(
            session, task_id, principal, timeout=state.settings.review_claim_timeout
        )
        return {"task_id": task.id, "state": task.state.value, "claimed_by": task.claimed_by}


@router.post("/review/tasks/{task_id}/accept")
def accept_task(task_id: RowId, state: State, principal: Reviewer) -> dict[str, Any]:
    with state.transaction() as session:
        task = decisions.accept(session, task_id, principal)
        return {"task_id": task.id, "state": task.state.value}


@router.post("/review/tasks/{task_id}/fix")
def fix_task(task_id: RowId, body: FixRequest, state: State, principal: Reviewer) -> dict[str, Any]:
    """Save corrections as a new extraction version (source ``reviewer``)."""
    with state.transaction() as session:
        task, version = decisions.fix(session, task_id, body.fields, principal)
        return {"task_id": task.id, "state": task.state.value, "version": version}


@router.post("/review/tasks/{task_id}/reject")
def reject_task(
    task_id: RowId, body: RejectRequest, state: State, principal: Reviewer
) -> dict[str, Any]:
    with state.transaction() as session:
        task = decisions.reject(session, task_id, body.reason, principal)
        return {"task_id": task.id, "state": task.state.value}


@router.post("/review/tasks/{task_id}/release")
def release_task(task_id: RowId, state: State, principal: Reviewer) -> dict[str, Any]:
    """Give one's claimed task back to the queue."""
    with state.transaction() as session:
        task = review.release(session, task_id, principal)
        return {"task_id": task.id, "state": task.state.value}


@router.post("/review/tasks/{task_id}/undo")
def undo_task(task_id: RowId, state: State, principal: Reviewer) -> dict[str, Any]:
    """Undo one's last decision on a task (409 ``cannot_undo`` once the record changed, or
    past the claim timeout): the task is claimed by the caller again."""
    with state.transaction() as session:
        task = decisions.undo(
            session, task_id, principal, timeout=state.settings.review_claim_timeout
        )
        latest = review.document_record(session, task.document_id, principal, audit_kind="").version
        return {"task_id": task.id, "state": task.state.value, "version": latest}


@router.post("/review/tasks/{task_id}/reassign")
def reassign_task(
    task_id: RowId, body: ReassignRequest, state: State, principal: Supervisor
) -> dict[str, Any]:
    """Hand an open or claimed task to another reviewer (supervisors; audited)."""
    with state.transaction() as session:
        task = review.reassign(session, task_id, body.to, principal)
        return {"task_id": task.id, "state": task.state.value, "claimed_by": task.claimed_by}


@router.post("/review/next")
def next_task(state: State, principal: Reviewer) -> dict[str, Any]:
    """Claim the next task of the queue for the caller (``task_id`` null when there is none)."""
    with state.transaction() as session:
        task = review.take_next(session, principal, timeout=state.settings.review_claim_timeout)
        return {"task_id": task.id if task else None}


@router.get("/review/tasks/{task_id}/pages")
def task_pages(task_id: RowId, state: State, principal: Reviewer) -> dict[str, Any]:
    """The pixel size of each page of the task's document (the space field boxes are in)."""
    with state.transaction() as session:
        task = review.get_task(session, task_id, principal)
        document = review.document_status(session, task.document_id, principal)
        key, name = document.source_key, document.original_filename or ""
    data = state.services.store.get(key)
    pages = [
        {"page": item.index + 1, "width": item.image.shape[1], "height": item.image.shape[0]}
        for item in iter_pages(data, filename=name, settings=state.settings)
    ]
    return {"pages": pages}
