"""Server-rendered pages: login, logout, the interface language, the desk."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from docproc.casework import auth, documents, second_factor
from docproc.db.models import MRZ_FIELDS, DocumentStatus
from docproc.db.session import session_scope
from docproc.web import labels
from docproc.web.api.documents import record_of
from docproc.web.deps import SESSION_COOKIE, DeskUser, State
from docproc.web.i18n import LANGUAGES, N_
from docproc.web.imaging import has_portrait
from docproc.web.render import render, request_localizer

__all__ = ["PRELOGIN_COOKIE", "router", "safe_next", "set_session_cookie"]

router = APIRouter(include_in_schema=False)

PRELOGIN_COOKIE = "docproc_prelogin"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(
    response: Response, request: Request, token: str, *, pending: bool = False
) -> None:
    """Hand the browser its session (``pending``: one that still owes its second factor):
    HTTP-only, same-site strict, secure over HTTPS."""
    lifetime = second_factor.PENDING_LIFETIME if pending else auth.SESSION_LIFETIME
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def safe_next(target: str | None) -> str:
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
        state, request, "login.html", None, login_csrf=token, next=safe_next(next), error=None
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
            token, owes = second_factor.begin_login(
                session, user, state.settings.second_factor_roles
            )
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
            next=safe_next(next),
            error=request_localizer(request, state).gettext("Wrong user name or password."),
        )
        response.status_code = 401
        return response
    if owes is not None:  # the password was right; the second factor is still owed
        step = RedirectResponse(f"/login/{owes}?next={quote(safe_next(next))}", status_code=303)
        set_session_cookie(step, request, token, pending=True)
        return step
    state.login_throttle.succeeded(username, address)
    redirect = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(redirect, request, token)
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


#: The desk lists this many of the caller's latest uploads (the documents page has them all).
RECENT_UPLOADS = 20

#: The desk script's texts, translated for the caller (``%(when)s`` and ``%(who)s`` filled in).
_DESK_TEXTS = {
    "uploading": N_("Uploading"),
    "reading": N_("Reading…"),
    "error": N_("Error"),
    "network_error": N_("Network error: the file was not sent. Try again."),
    "status_unknown": N_("Could not read the status (%(code)s)."),
    "already": N_("Already uploaded on %(when)s by %(who)s."),
    "already_elsewhere": N_("This file was uploaded before."),
    "open_record": N_("Open the record"),
}


@router.get("/desk")
def desk_page(request: Request, state: State, principal: DeskUser) -> HTMLResponse:
    """The desk: upload scans and follow them; the caller's latest uploads survive a reload."""
    local = request_localizer(request, state, principal)
    _ = local.gettext
    with state.transaction() as session:
        recent = documents.list_documents(
            session,
            principal,
            documents.DocumentFilters(mine=True),
            page_size=RECENT_UPLOADS,
        )
    texts = {key: _(text) for key, text in _DESK_TEXTS.items()}
    statuses = {status.value: labels.status_label(status.value, _) for status in DocumentStatus}
    return render(
        state,
        request,
        "desk.html",
        principal,
        recent=recent,
        desk={
            "texts": texts,
            "statuses": statuses,
            "zone": state.settings.timezone,
            "zone_name": local.zone_name,
        },
    )


@router.get("/desk/uploads/{document_id}")
def upload_record(
    document_id: uuid.UUID, request: Request, state: State, principal: DeskUser
) -> HTMLResponse:
    """One upload's record as the desk shows it under its card (an audited read)."""
    with state.transaction() as session:
        record = record_of(state, session, document_id, principal)
    order = {name: i for i, name in enumerate(MRZ_FIELDS)}
    fields = sorted(record.fields, key=lambda f: (order.get(f.name, len(order)), f.name))
    portrait = has_portrait(state.services.store, document_id)
    return render(
        state,
        request,
        "_upload_record.html",
        principal,
        record=record,
        fields=fields,
        portrait=portrait,
    )


@router.post("/language")
def language(
    request: Request,
    state: State,
    principal: DeskUser,
    language: str = Form("", max_length=8),
    next: str = Form("/desk", max_length=2000),
) -> RedirectResponse:
    """The caller's interface language ('' follows the browser's again)."""
    with state.transaction() as session:
        auth.set_language(session, principal.user_id, language if language in LANGUAGES else None)
    return RedirectResponse(safe_next(next), status_code=303)
