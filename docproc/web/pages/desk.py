"""Server-rendered pages: login, the desk, the review queue and task, the audit log."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from docproc.casework import auth, review
from docproc.casework.auth import Principal
from docproc.db.models import MRZ_FIELDS, ReviewState
from docproc.db.session import session_scope
from docproc.web.deps import (
    SESSION_COOKIE,
    DeskUser,
    Offset,
    Reviewer,
    RowId,
    State,
    Supervisor,
)
from docproc.web.imaging import load_mrz_info

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PRELOGIN_COOKIE = "docproc_prelogin"
FIELD_LABELS = {
    "document_code": "Document code",
    "issuing_country": "Issuing country",
    "surname": "Surname",
    "given_names": "Given names",
    "document_number": "Document number",
    "nationality": "Nationality",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "expiry_date": "Expiry date",
    "optional_data": "Optional data",
    "optional_data_2": "Optional data 2",
}


def field_label(name: str) -> str:
    """A reader's label for a stored field name: MRZ fields by :data:`FIELD_LABELS`, printed
    ones (``viz.birth_date``, ``form.phone``) by their field, entities (``entity.PERSON.1``) by
    their label and number."""
    prefix, _, rest = name.partition(".")
    if prefix == "entity":
        label, _, number = rest.partition(".")
        return label if number in ("", "0") else f"{label} {int(number) + 1}"
    key = rest or prefix
    return FIELD_LABELS.get(key, key.replace("_", " ").capitalize())


def render(
    state: State, request: Request, name: str, principal: Principal | None, **context: Any
) -> HTMLResponse:
    return state.templates.TemplateResponse(
        request,
        name,
        {"principal": principal, "csrf": principal.csrf if principal else None, **context},
    )


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/desk"


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/desk", status_code=303)


@router.get("/login")
def login_page(request: Request, state: State, next: str = "/desk") -> HTMLResponse:
    token = request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        state, request, "login.html", None, login_csrf=token, next=_safe_next(next), error=None
    )
    response.set_cookie(
        PRELOGIN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


@router.post("/login")
def login(
    request: Request,
    state: State,
    username: str = Form(..., max_length=64),
    password: str = Form(..., max_length=1024),
    csrf_token: str = Form(..., max_length=200),
    next: str = Form("/desk", max_length=2000),
) -> Response:
    expected = request.cookies.get(PRELOGIN_COOKIE)
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise auth.CsrfFailed("the login form was stale; reload it")
    username = username.strip()
    address = request.client.host if request.client else ""
    state.login_throttle.check(username, address)
    try:
        with state.transaction() as session:
            user = auth.authenticate(session, username, password)
            token = auth.create_session(session, user)
    except auth.BadCredentials:
        state.login_throttle.failed(username, address)
        with state.transaction() as session:
            auth.record_failed_login(session, username)
        response = render(
            state,
            request,
            "login.html",
            None,
            login_csrf=expected,
            next=_safe_next(next),
            error="Wrong user name or password.",
        )
        response.status_code = 401
        return response
    state.login_throttle.succeeded(username, address)
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    redirect.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    redirect.delete_cookie(PRELOGIN_COOKIE)
    return redirect


@router.post("/logout")
def logout(request: Request, state: State, principal: DeskUser) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with session_scope(state.services.session_factory) as session:
            auth.end_session(session, token, actor=principal.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/desk")
def desk_page(request: Request, state: State, principal: DeskUser) -> HTMLResponse:
    # A list, not a dict: tojson sorts keys, and the fields should keep the document's order.
    labels = [[name, FIELD_LABELS[name]] for name in MRZ_FIELDS]
    return render(state, request, "desk.html", principal, labels=labels)


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
