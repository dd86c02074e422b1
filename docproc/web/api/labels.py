"""The label-variant API: form labels reviewers taught the installation (learning from review)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from docproc.casework import labels
from docproc.web.deps import Reviewer, RowId, State, Supervisor
from docproc.web.labels import form_field_keys

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"])


class LabelMappingRequest(BaseModel):
    label: str = Field(max_length=200, description="the label as printed on the form")
    field: str = Field(max_length=64, description="a form schema field key")


class ForgetRequest(BaseModel):
    label: str = Field(max_length=200, description="the label as printed on the form")


@router.get("/labels")
def list_labels(state: State, principal: Reviewer) -> dict[str, Any]:
    """Every label variant the installation was taught, and the fields one may name."""
    with state.transaction() as session:
        rows = labels.mappings(session)
    return {
        "labels": [m.to_json() for m in rows],
        "fields": form_field_keys(state.settings.form_definitions_dir),
    }


@router.post("/review/tasks/{task_id}/labels")
def map_label(
    task_id: RowId, body: LabelMappingRequest, state: State, principal: Reviewer
) -> dict[str, Any]:
    """Assign a label read on the task's form (or any label it prints) to a schema field;
    a label already mapped to another field is corrected (422 ``bad_label_mapping``)."""
    fields = form_field_keys(state.settings.form_definitions_dir)
    with state.transaction() as session:
        mapping = labels.map_label(
            session,
            label=body.label,
            field=body.field,
            fields=fields,
            actor=principal,
            task_id=task_id,
        )
    return mapping.to_json()


@router.post("/labels/forget")
def forget_label(body: ForgetRequest, state: State, principal: Supervisor) -> dict[str, Any]:
    """Stop reading a taught label as its field (supervisors)."""
    with state.transaction() as session:
        forgotten = labels.forget_label(session, label=body.label, actor=principal)
    return {"label": body.label, "forgotten": forgotten}
