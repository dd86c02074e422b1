"""Server-rendered pages: the review queue and the review task."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from docproc.casework import review
from docproc.db.models import MRZ_FIELDS, ReviewState
from docproc.web.deps import Reviewer, RowId, State
from docproc.web.imaging import load_mrz_info
from docproc.web.render import FIELD_LABELS, field_label, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/review")
def queue_page(
    request: Request,
    state: State,
    principal: Reviewer,
    reason: str | None = None,
) -> HTMLResponse:
    with state.transaction() as session:
        review.sync_queue(session, state.sample_rate)
        tasks = review.queue(session, reason=reason or None, actor=principal)
        reasons = review.queue_reasons(session)
    return render(
        state, request, "queue.html", principal, tasks=tasks, reasons=reasons, reason=reason or ""
    )


@router.post("/review/{task_id}/claim")
def claim_page(task_id: RowId, state: State, principal: Reviewer) -> RedirectResponse:
    with state.transaction() as session:
        review.claim(session, task_id, principal)
    return RedirectResponse(f"/review/{task_id}", status_code=303)


@router.get("/review/{task_id}")
def task_page(task_id: RowId, request: Request, state: State, principal: Reviewer) -> HTMLResponse:
    with state.transaction() as session:
        task = review.get_task(session, task_id, principal)
        info = load_mrz_info(state.services.store, task.document_id)
        record = review.document_record(
            session,
            task.document_id,
            principal,
            checks=info.checks if info else None,
            mrz_page=info.page if info else None,
        )
    values = {f.name: f for f in record.fields}
    return render(
        state,
        request,
        "task.html",
        principal,
        task=task,
        record=record,
        fields=[(name, FIELD_LABELS[name], values.get(name)) for name in MRZ_FIELDS],
        # visual-zone, form and entity fields: shown beside the MRZ, not edited here
        other_fields=[
            (f.name, field_label(f.name), f) for f in record.fields if f.name not in MRZ_FIELDS
        ],
        mine=task.state is ReviewState.claimed and task.claimed_by == principal.username,
        reject_reasons=review.REJECT_REASONS,
        page=(info.page + 1) if info else 1,
    )


@router.post("/review/{task_id}/accept")
def accept_page(task_id: RowId, state: State, principal: Reviewer) -> RedirectResponse:
    with state.transaction() as session:
        review.accept(session, task_id, principal)
    return RedirectResponse(f"/review?done={task_id}", status_code=303)


@router.post("/review/{task_id}/fix")
async def fix_page(
    task_id: RowId, request: Request, state: State, principal: Reviewer
) -> RedirectResponse:
    form = await request.form()
    edits = {
        name[len("field_") :]: str(value)
        for name, value in form.items()
        if name.startswith("field_") and isinstance(value, str)
    }

    def save() -> None:
        with state.transaction() as session:
            review.fix(session, task_id, edits, principal)

    await run_in_threadpool(save)
    return RedirectResponse(f"/review?done={task_id}", status_code=303)


@router.post("/review/{task_id}/reject")
def reject_page(
    task_id: RowId, state: State, principal: Reviewer, reason: str = Form(...)
) -> RedirectResponse:
    with state.transaction() as session:
        review.reject(session, task_id, reason, principal)
    return RedirectResponse(f"/review?done={task_id}", status_code=303)
