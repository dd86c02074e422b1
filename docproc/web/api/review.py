"""The review API: the queue, a task, claiming and deciding it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from docproc.casework import review
from docproc.web.api.documents import record_of
from docproc.web.deps import Reviewer, RowId, State

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"])


class FixRequest(BaseModel):
    fields: dict[str, str | None] = Field(description="field name -> corrected value")


class RejectRequest(BaseModel):
    reason: str = Field(description=f"one of {', '.join(review.REJECT_REASONS)}")


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
    """Take a task (409 ``task_taken`` if another reviewer has it)."""
    with state.transaction() as session:
        task = review.claim(session, task_id, principal)
        return {"task_id": task.id, "state": task.state.value, "claimed_by": task.claimed_by}


@router.post("/review/tasks/{task_id}/accept")
def accept_task(task_id: RowId, state: State, principal: Reviewer) -> dict[str, Any]:
    with state.transaction() as session:
        task = review.accept(session, task_id, principal)
        return {"task_id": task.id, "state": task.state.value}


@router.post("/review/tasks/{task_id}/fix")
def fix_task(task_id: RowId, body: FixRequest, state: State, principal: Reviewer) -> dict[str, Any]:
    """Save corrections as a new extraction version (source ``reviewer``)."""
    with state.transaction() as session:
        task, version = review.fix(session, task_id, body.fields, principal)
        return {"task_id": task.id, "state": task.state.value, "version": version}


@router.post("/review/tasks/{task_id}/reject")
def reject_task(
    task_id: RowId, body: RejectRequest, state: State, principal: Reviewer
) -> dict[str, Any]:
    with state.transaction() as session:
        task = review.reject(session, task_id, body.reason, principal)
        return {"task_id": task.id, "state": task.state.value}
