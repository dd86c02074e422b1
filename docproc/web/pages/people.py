"""Server-rendered pages for persons, possible duplicates and cases.

``/people`` and ``/cases`` are for desk officers and above; the match queue and its decisions
(``/people/matches``) for reviewers and above. Forms post with the page's CSRF token.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from docproc.casework import cases
from docproc.casework import merges as merge_review
from docproc.db.models import MatchStatus
from docproc.web.deps import DeskUser, Reviewer, RowId, State
from docproc.web.render import FIELD_LABELS, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_LABELS = dict(FIELD_LABELS)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ------------------------------------------------------------------------------ persons, matches


@router.get("/people")
def people_page(
    request: Request,
    state: State,
    principal: DeskUser,
    name: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    with state.transaction() as session:
        found = cases.find_persons(session, principal, name=name)
    return render(state, request, "people.html", principal, persons=found, query=name or "")


@router.get("/people/matches")
def matches_page(
    request: Request,
    state: State,
    principal: Reviewer,
    status: MatchStatus = MatchStatus.pending,
) -> HTMLResponse:
    with state.transaction() as session:
        items = merge_review.match_queue(session, status=status, actor=principal)
    return render(
        state,
        request,
        "matches.html",
        principal,
        matches=items,
        status=status.value,
        statuses=[s.value for s in MatchStatus],
    )


@router.get("/people/matches/{match_id}")
def match_page(
    match_id: RowId, request: Request, state: State, principal: Reviewer
) -> HTMLResponse:
    with state.transaction() as session:
        detail = merge_review.match_detail(session, match_id, principal)
    return render(state, request, "match.html", principal, detail=detail, labels=_LABELS)


@router.post("/people/matches/{match_id}/merge")
def merge_page(
    match_id: RowId,
    state: State,
    principal: Reviewer,
    keep: Annotated[uuid.UUID | None, Form()] = None,
    note: str = Form(""),
) -> RedirectResponse:
    with state.transaction() as session:
        item = merge_review.merge(session, match_id, principal, keep=keep, note=note)
    survivor = keep or uuid.UUID(item.person_a)
    return _see_other(f"/people/{survivor}?merged={match_id}")


@router.post("/people/matches/{match_id}/keep-apart")
def keep_apart_page(
    match_id: RowId, state: State, principal: Reviewer, note: str = Form("")
) -> RedirectResponse:
    with state.transaction() as session:
        merge_review.keep_apart(session, match_id, principal, note)
    return _see_other(f"/people/matches?done={match_id}")


@router.get("/people/{person_id}")
def person_page(
    person_id: uuid.UUID, request: Request, state: State, principal: DeskUser
) -> HTMLResponse:
    with state.transaction() as session:
        record = cases.person_record(session, person_id, principal)
    return render(state, request, "person.html", principal, record=record, labels=_LABELS)


# -------------------------------------------------------------------------------------- cases


@router.get("/cases")
def cases_page(request: Request, state: State, principal: DeskUser) -> HTMLResponse:
    with state.transaction() as session:
        listed = cases.list_cases(session, actor=principal)
    return render(state, request, "cases.html", principal, cases=listed)


@router.post("/cases")
def create_case_page(
    state: State, principal: DeskUser, reference: str = Form("")
) -> RedirectResponse:
    with state.transaction() as session:
        case = cases.create_case(session, principal, reference)
        case_id = case.id
    return _see_other(f"/cases/{case_id}")


@router.get("/cases/{case_id}")
def case_page(
    case_id: uuid.UUID,
    request: Request,
    state: State,
    principal: DeskUser,
    name: str | None = None,
) -> HTMLResponse:
    """The case; with ``name``, also the persons found by that name, to add them."""
    with state.transaction() as session:
        record = cases.case_record(session, case_id, principal)
        found = cases.find_persons(session, principal, name=name, limit=20) if name else []
    members = {person.id for _, person in record.members}
    return render(
        state,
        request,
        "case.html",
        principal,
        record=record,
        labels=_LABELS,
        roles=cases.CASE_ROLES,
        query=name or "",
        found=[p for p in found if p.id not in members],
    )


@router.post("/cases/{case_id}/persons")
def add_member_page(
    case_id: uuid.UUID,
    state: State,
    principal: DeskUser,
    person_id: Annotated[uuid.UUID, Form()],
    role: str = Form("other"),
) -> RedirectResponse:
    with state.transaction() as session:
        cases.add_member(session, case_id, person_id, role, principal)
    return _see_other(f"/cases/{case_id}")


@router.post("/cases/{case_id}/persons/{person_id}/remove")
def remove_member_page(
    case_id: uuid.UUID, person_id: uuid.UUID, state: State, principal: DeskUser
) -> RedirectResponse:
    with state.transaction() as session:
        cases.remove_member(session, case_id, person_id, principal)
    return _see_other(f"/cases/{case_id}")
