"""Server-rendered learning from review: the form on the review task page (partial
``_label_mapping.html``) that assigns a form's label to a schema field posts here."""

from __future__ import annotations

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse

from docproc.casework import labels
from docproc.web.deps import Reviewer, RowId, State
from docproc.web.labels import form_field_keys

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.post("/review/{task_id}/labels")
def map_label_page(
    task_id: RowId,
    state: State,
    principal: Reviewer,
    label: str = Form(..., max_length=200),
    field: str = Form(..., max_length=64),
) -> RedirectResponse:
    """Remember ``label`` as a variant of ``field``: the next form printing it is read with
    it. Back to the task, at the label list."""
    fields = form_field_keys(state.settings.form_definitions_dir)
    with state.transaction() as session:
        labels.map_label(
            session, label=label, field=field, fields=fields, actor=principal, task_id=task_id
        )
    return RedirectResponse(f"/review/{task_id}?label_saved=1#label-mapping", status_code=303)
