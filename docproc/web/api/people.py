"""The REST API for persons, possible duplicates, cases and exports (``/api/v1``).

Roles: persons and cases are desk+ (desk officers register households); deciding possible
duplicates is reviewer+; exports (personal data leaving the system) are supervisor+.
Every read of a person or a case and every export is audited by the service functions.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from docproc.casework import cases, export
from docproc.casework import merges as merge_review
from docproc.casework.auth import Principal
from docproc.db.models import MatchStatus
from docproc.web.deps import DeskUser, Offset, Reviewer, RowId, State, Supervisor
from docproc.web.search_params import Terms

__all__ = ["export_response", "router"]

router = APIRouter(prefix="/api/v1", tags=["people and cases"])

_FORMAT = Query(default="json", pattern="^(json|csv)$")


class MergeRequest(BaseModel):
    keep: uuid.UUID | None = Field(
        default=None, description="the person that survives (default: the earlier one)"
    )
    note: str | None = Field(default=None, max_length=1000, description="why (for the audit)")


class KeepApartRequest(BaseModel):
    note: str | None = Field(default=None, max_length=1000, description="why (for the audit)")


class CaseRequest(BaseModel):
    reference: str | None = Field(
        default=None, max_length=64, description="e.g. a registration number; made if missing"
    )
    external_number: str | None = Field(
        default=None, max_length=64, description="the household's UNHCR or IOM case number"
    )


class ExternalNumberRequest(BaseModel):
    external_number: str | None = Field(
        default=None, max_length=64, description="the UNHCR or IOM case number (empty: clear)"
    )


class MemberRequest(BaseModel):
    person_id: uuid.UUID
    role: str = Field(default="other", description=f"one of {', '.join(cases.CASE_ROLES)}")


# ------------------------------------------------------------------------------------ persons


@router.get("/persons")
def list_persons(
    state: State,
    principal: DeskUser,
    terms: Terms,
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    """Persons (not merged away), newest first; found by ``q`` (a name, document number, date of
    birth or UNHCR/IOM case number, as the people page's search box) or by each apart: ``name``
    (every word), ``document_number``, ``birth_date`` (YYYY-MM-DD), ``case_number``. Audited
    (the count and kinds of term, not the terms)."""
    with state.transaction() as session:
        found = cases.find_persons(session, principal, terms=terms, limit=limit)
    return {"persons": [p.to_json() for p in found]}


@router.get("/persons/{person_id}")
def get_person(person_id: uuid.UUID, state: State, principal: DeskUser) -> dict[str, Any]:
    """A person with their documents (newest extraction each) and cases; an audited read."""
    with state.transaction() as session:
        return cases.person_record(session, person_id, principal).to_json()


# ---------------------------------------------------------------------------- person matches


@router.get("/person-matches")
def list_matches(
    state: State,
    principal: Reviewer,
    status: MatchStatus = MatchStatus.pending,
) -> dict[str, Any]:
    """Possible duplicates in ``status`` (no personal data: ids and scores)."""
    with state.transaction() as session:
        items = merge_review.match_queue(session, status=status, actor=principal)
    return {"matches": [m.to_json() for m in items]}


@router.get("/person-matches/{match_id}")
def get_match(match_id: RowId, state: State, principal: Reviewer) -> dict[str, Any]:
    """A possible duplicate with both persons' records (an audited read of both)."""
    with state.transaction() as session:
        return merge_review.match_detail(session, match_id, principal).to_json()


@router.post("/person-matches/{match_id}/merge")
def merge_match(
    match_id: RowId, body: MergeRequest, state: State, principal: Reviewer
) -> dict[str, Any]:
    """Merge the two persons: documents and case links move to the survivor."""
    with state.transaction() as session:
        item = merge_review.merge(session, match_id, principal, keep=body.keep, note=body.note)
    return item.to_json()


@router.post("/person-matches/{match_id}/unmerge")
def unmerge_match(
    match_id: RowId, body: KeepApartRequest, state: State, principal: Reviewer
) -> dict[str, Any]:
    """Undo a merge: both persons with their documents, cases and matches as before it; the
    match is pending again (409 ``cannot_unmerge`` if it is not merged)."""
    with state.transaction() as session:
        item = merge_review.unmerge(session, match_id, principal, body.note)
    return item.to_json()


@router.post("/person-matches/{match_id}/keep-apart")
def keep_apart_match(
    match_id: RowId, body: KeepApartRequest, state: State, principal: Reviewer
) -> dict[str, Any]:
    """Two different persons: recorded, and the pair is never proposed again."""
    with state.transaction() as session:
        item = merge_review.keep_apart(session, match_id, principal, body.note)
    return item.to_json()


# -------------------------------------------------------------------------------------- cases


@router.get("/cases")
def list_cases(
    state: State,
    principal: DeskUser,
    limit: int = Query(default=200, ge=1, le=1000),
    offset: Offset = 0,
) -> dict[str, Any]:
    with state.transaction() as session:
        return {
            "cases": [
                c.to_json()
                for c in cases.list_cases(session, limit=limit, offset=offset, actor=principal)
            ]
        }


@router.post("/cases", status_code=201)
def create_case(body: CaseRequest, state: State, principal: DeskUser) -> dict[str, Any]:
    """A new open case (409 ``case_reference_taken`` if the reference is in use)."""
    with state.transaction() as session:
        case = cases.create_case(session, principal, body.reference, body.external_number)
        return {
            "id": str(case.id),
            "reference": case.reference,
            "external_number": case.external_number,
            "url": f"/api/v1/cases/{case.id}",
        }


@router.put("/cases/{case_id}/external-number")
def set_case_number(
    case_id: uuid.UUID, body: ExternalNumberRequest, state: State, principal: DeskUser
) -> dict[str, Any]:
    """Set or clear the case's UNHCR/IOM case number (searchable on people and documents)."""
    with state.transaction() as session:
        case = cases.set_external_number(session, case_id, body.external_number, principal)
        return {"id": str(case.id), "external_number": case.external_number}


@router.get("/cases/{case_id}")
def get_case(case_id: uuid.UUID, state: State, principal: DeskUser) -> dict[str, Any]:
    """A case with every person (role, documents, fields); an audited read."""
    with state.transaction() as session:
        return cases.case_record(session, case_id, principal).to_json()


@router.post("/cases/{case_id}/persons")
def add_case_member(
    case_id: uuid.UUID, body: MemberRequest, state: State, principal: DeskUser
) -> dict[str, Any]:
    with state.transaction() as session:
        cases.add_member(session, case_id, body.person_id, body.role, principal)
    return {"case_id": str(case_id), "person_id": str(body.person_id), "role": body.role}


@router.delete("/cases/{case_id}/persons/{person_id}")
def remove_case_member(
    case_id: uuid.UUID, person_id: uuid.UUID, state: State, principal: DeskUser
) -> dict[str, Any]:
    with state.transaction() as session:
        cases.remove_member(session, case_id, person_id, principal)
    return {"case_id": str(case_id), "person_id": str(person_id), "removed": True}


# ------------------------------------------------------------------------------------- export


def export_response(made: export.Export, fmt: str) -> Response:
    """The export as a download (CSV, formula-safe; or JSON)."""
    if fmt == "csv":
        body, media = export.to_csv(made), "text/csv; charset=utf-8"
    else:
        body, media = json.dumps(made.to_json(), ensure_ascii=False, indent=1), "application/json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{made.filename}.{fmt}"'},
    )


def _exported(
    state: State, principal: Principal, scope: str, scope_id: uuid.UUID, fmt: str
) -> Response:
    with state.transaction() as session:
        if scope == "batch":
            made = export.batch_export(session, scope_id, principal, fmt)
        else:
            made = export.case_export(session, scope_id, principal, fmt)
    return export_response(made, fmt)


@router.get("/batches/{batch_id}/export")
def export_batch(
    batch_id: uuid.UUID, state: State, principal: Supervisor, format: str = _FORMAT
) -> Response:
    """Every document of the batch from its newest extraction (reviewer corrections win)."""
    return _exported(state, principal, "batch", batch_id, format)


@router.get("/cases/{case_id}/export")
def export_case(
    case_id: uuid.UUID, state: State, principal: Supervisor, format: str = _FORMAT
) -> Response:
    """Every document of every person of the case, with their role in it."""
    return _exported(state, principal, "case", case_id, format)
