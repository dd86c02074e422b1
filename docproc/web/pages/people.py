"""Server-rendered pages for persons, possible duplicates and cases.

``/people`` and ``/cases`` are for desk officers and above; the match queue and its decisions
(``/people/matches``) for reviewers and above. Forms post with the page's CSRF token.

Merging two persons and removing a person from a case ask first: the first post renders the
page again with what will happen and a form to confirm (``confirmed=yes``); after it is done
the page offers the undo (an unmerge, or adding the person back with their role).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from docproc.casework import cases
from docproc.casework import merges as merge_review
from docproc.casework.auth import Principal
from docproc.casework.people import FUZZY_REASON
from docproc.casework.search import SearchTerms
from docproc.db.models import MatchStatus
from docproc.web.deps import DeskUser, Reviewer, RowId, State
from docproc.web.i18n import N_
from docproc.web.imaging import has_portrait
from docproc.web.render import render
from docproc.web.search_params import SearchText

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


#: Roles, case and match states and match reasons in words (``words`` in the templates).
WORDS = {
    "head": N_("head"),
    "spouse": N_("spouse"),
    "child": N_("child"),
    "other": N_("other"),
    "open": N_("open"),
    "closed": N_("closed"),
    "pending": N_("pending"),
    "merged": N_("merged"),
    "kept_apart": N_("kept apart"),
    "obsolete": N_("obsolete"),
    FUZZY_REASON: N_("similar name, same date of birth"),
}


def _render(
    state: State, request: Request, name: str, principal: Principal, **context: Any
) -> HTMLResponse:
    return render(state, request, name, principal, words=WORDS, **context)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ------------------------------------------------------------------------------ persons, matches


@router.get("/people")
def people_page(
    request: Request,
    state: State,
    principal: DeskUser,
    q: SearchText = None,
    name: SearchText = None,
) -> HTMLResponse:
    """Persons found by a name, document number, date of birth or case number (``q``)."""
    query = q if q is not None else name
    with state.transaction() as session:
        found = cases.find_persons(session, principal, terms=SearchTerms.parse(query))
    return _render(state, request, "people.html", principal, persons=found, query=query or "")


@router.get("/people/matches")
def matches_page(
    request: Request,
    state: State,
    principal: Reviewer,
    status: MatchStatus = MatchStatus.pending,
) -> HTMLResponse:
    with state.transaction() as session:
        items = merge_review.match_queue(session, status=status, actor=principal)
    return _render(
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
    match_id: RowId,
    request: Request,
    state: State,
    principal: Reviewer,
    unmerged: bool = False,
) -> HTMLResponse:
    return _match_page(request, state, principal, match_id, unmerged=unmerged)


def _match_page(
    request: Request,
    state: State,
    principal: Principal,
    match_id: int,
    *,
    unmerged: bool = False,
    keep: uuid.UUID | None = None,
    note: str = "",
    confirm: bool = False,
) -> HTMLResponse:
    """The match (an audited read of both persons); with ``confirm``, asking to merge."""
    with state.transaction() as session:
        detail = merge_review.match_detail(session, match_id, principal)
    kept = keep or uuid.UUID(detail.match.person_a)
    return _render(
        state,
        request,
        "match.html",
        principal,
        detail=detail,
        confirm={"keep": str(kept), "note": note} if confirm else None,
        unmerged=unmerged,
    )


@router.post("/people/matches/{match_id}/merge", response_model=None)
def merge_page(
    match_id: RowId,
    request: Request,
    state: State,
    principal: Reviewer,
    keep: Annotated[uuid.UUID | None, Form()] = None,
    note: str = Form("", max_length=1000),
    confirmed: str = Form("", max_length=8),
) -> HTMLResponse | RedirectResponse:
    """Without ``confirmed=yes``: the match again, with what the merge will do and a form to
    confirm it. With it: merge, and show the kept person with an undo."""
    if confirmed != "yes":
        return _match_page(request, state, principal, match_id, keep=keep, note=note, confirm=True)
    with state.transaction() as session:
        item = merge_review.merge(session, match_id, principal, keep=keep, note=note)
    survivor = keep or uuid.UUID(item.person_a)
    return _see_other(f"/people/{survivor}?merged={match_id}")


@router.post("/people/matches/{match_id}/unmerge")
def unmerge_page(
    match_id: RowId, state: State, principal: Reviewer, note: str = Form("", max_length=1000)
) -> RedirectResponse:
    """Undo a merge: both persons and their links as before; the match is pending again."""
    with state.transaction() as session:
        merge_review.unmerge(session, match_id, principal, note)
    return _see_other(f"/people/matches/{match_id}?unmerged=true")


@router.post("/people/matches/{match_id}/keep-apart")
def keep_apart_page(
    match_id: RowId, state: State, principal: Reviewer, note: str = Form("")
) -> RedirectResponse:
    with state.transaction() as session:
        merge_review.keep_apart(session, match_id, principal, note)
    return _see_other(f"/people/matches?done={match_id}")


@router.get("/people/{person_id}")
def person_page(
    person_id: uuid.UUID,
    request: Request,
    state: State,
    principal: DeskUser,
    merged: Annotated[int | None, Query(ge=1, le=2**53)] = None,
) -> HTMLResponse:
    """A person's record; after a merge (``merged``: the match), with the undo."""
    undo = None
    with state.transaction() as session:
        record = cases.person_record(session, person_id, principal)
        if merged is not None and principal.may("reviewer"):
            item = merge_review.match_item(session, merged, principal)
            undo = item.id if item.status == MatchStatus.merged.value else None
    store = state.services.store
    portraits = {d.id for d in record.documents if has_portrait(store, uuid.UUID(str(d.id)))}
    return _render(
        state,
        request,
        "person.html",
        principal,
        record=record,
        merged=undo,
        portraits=portraits,
    )


# -------------------------------------------------------------------------------------- cases


@router.get("/cases")
def cases_page(request: Request, state: State, principal: DeskUser) -> HTMLResponse:
    """The cases of the caller's sites, newest first, and a form to open one."""
    with state.transaction() as session:
        listed = cases.list_cases(session, actor=principal)
    return _render(state, request, "cases.html", principal, cases=listed)


@router.post("/cases")
def create_case_page(
    state: State,
    principal: DeskUser,
    reference: str = Form("", max_length=64),
    external_number: str = Form("", max_length=64),
) -> RedirectResponse:
    with state.transaction() as session:
        case = cases.create_case(session, principal, reference, external_number)
        case_id = case.id
    return _see_other(f"/cases/{case_id}")


@router.post("/cases/{case_id}/external-number")
def external_number_page(
    case_id: uuid.UUID,
    state: State,
    principal: DeskUser,
    external_number: str = Form("", max_length=64),
) -> RedirectResponse:
    """Set or clear the case's UNHCR/IOM case number."""
    with state.transaction() as session:
        cases.set_external_number(session, case_id, external_number, principal)
    return _see_other(f"/cases/{case_id}")


def _case_page(
    request: Request,
    state: State,
    principal: DeskUser,
    case_id: uuid.UUID,
    query: str | None,
    *,
    confirm_remove: uuid.UUID | None = None,
    removed: tuple[uuid.UUID, str] | None = None,
) -> HTMLResponse:
    with state.transaction() as session:
        record = cases.case_record(session, case_id, principal)
        found = (
            cases.find_persons(session, principal, terms=SearchTerms.parse(query), limit=20)
            if query
            else []
        )
    members = {person.id for _, person in record.members}
    return _render(
        state,
        request,
        "case.html",
        principal,
        record=record,
        roles=cases.CASE_ROLES,
        query=query or "",
        found=[p for p in found if p.id not in members],
        confirm_remove=str(confirm_remove) if confirm_remove else None,
        removed=(str(removed[0]), removed[1]) if removed else None,
    )


@router.get("/cases/{case_id}")
def case_page(
    case_id: uuid.UUID,
    request: Request,
    state: State,
    principal: DeskUser,
    q: SearchText = None,
    name: SearchText = None,
    removed: uuid.UUID | None = None,
    role: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """The case; with ``q``, also the persons found by it, to add them; after a removal
    (``removed``, ``role``), the undo."""
    undo = (removed, role) if removed and role in cases.CASE_ROLES else None
    return _case_page(request, state, principal, case_id, q or name, removed=undo)


@router.post("/cases/{case_id}/persons")
def add_member_page(
    case_id: uuid.UUID,
    state: State,
    principal: DeskUser,
    person_id: Annotated[uuid.UUID, Form()],
    role: str = Form("other", max_length=16),
) -> RedirectResponse:
    with state.transaction() as session:
        cases.add_member(session, case_id, person_id, role, principal)
    return _see_other(f"/cases/{case_id}")


@router.post("/cases/{case_id}/persons/{person_id}/remove", response_model=None)
def remove_member_page(
    case_id: uuid.UUID,
    person_id: uuid.UUID,
    request: Request,
    state: State,
    principal: DeskUser,
    confirmed: str = Form("", max_length=8),
) -> HTMLResponse | RedirectResponse:
    """Without ``confirmed=yes``: the case again, asking to confirm; with it: remove, and show
    the case with an undo (adding the person back with the same role)."""
    if confirmed != "yes":
        return _case_page(request, state, principal, case_id, None, confirm_remove=person_id)
    with state.transaction() as session:
        role = cases.remove_member(session, case_id, person_id, principal)
    return _see_other(f"/cases/{case_id}?removed={person_id}&role={role}")
