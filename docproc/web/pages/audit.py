"""Server-rendered pages: the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from docproc.casework import review
from docproc.web.deps import Offset, State, Supervisor
from docproc.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_page(
    request: Request,
    state: State,
    principal: Supervisor,
    entity_id: str | None = None,
    actor: str | None = None,
    kind: str | None = None,
    offset: Offset = 0,
) -> HTMLResponse:
    with state.transaction() as session:
        page = review.audit_events(
            session,
            entity_id=entity_id or None,
            actor=actor or None,
            kinds=[kind] if kind else [],
            limit=100,
            offset=max(0, offset),
        )
    return render(
        state,
        request,
        "audit.html",
        principal,
        page=page,
        filters={"entity_id": entity_id or "", "actor": actor or "", "kind": kind or ""},
        offset=max(0, offset),
    )
