"""Server-rendered pages: login, logout, the interface language, the desk."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from docproc.casework import auth
from docproc.db.models import MRZ_FIELDS
from docproc.db.session import session_scope
from docproc.web.deps import SESSION_COOKIE, DeskUser, State
from docproc.web.i18n import LANGUAGES
from docproc.web.render import FIELD_LABELS, render, request_localizer

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PRELOGIN_COOKIE = "docproc_prelogin"


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
            error=request_localizer(request, state).gettext("Wrong user name or password."),
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
    _ = request_localizer(request, state, principal).gettext
    labels = [[name, _(FIELD_LABELS[name])] for name in MRZ_FIELDS]
    return render(state, request, "desk.html", principal, labels=labels)


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
    return RedirectResponse(_safe_next(next), status_code=303)
