"""The second factor on the web: the login's code and enrolment steps, the caller's own set-up
and removal on ``/account``, and an admin's removal for a lost phone.

The login steps run on the *pending* session the password opened (it opens no other page, see
:mod:`docproc.casework.second_factor`); their forms carry that session's CSRF token. Wrong codes
count against the login throttle like wrong passwords.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

import segno
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from docproc.casework import auth, second_factor, totp
from docproc.casework.auth import CsrfFailed
from docproc.db.models import User
from docproc.web.deps import SESSION_COOKIE, State
from docproc.web.i18n import N_
from docproc.web.pages.desk import PRELOGIN_COOKIE, safe_next, set_session_cookie
from docproc.web.render import render, request_localizer

__all__ = ["enrolment", "router"]

router = APIRouter(include_in_schema=False)

Username = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9._-]+$")]
#: A code as typed (spaces allowed: "123 456") and a base32 secret.
Code = Annotated[str, Form(max_length=16)]
Secret = Annotated[str, Form(min_length=16, max_length=64, pattern=r"^[A-Z2-7]+$")]


def enrolment(username: str, secret: str | None = None) -> dict[str, object]:
    """What a set-up form shows: the secret, grouped for typing, and its QR code (inline SVG)."""
    secret = secret or totp.new_secret()
    uri = totp.provisioning_uri(secret, username)
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")
    return {
        "secret": secret,
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr": Markup(svg),  # segno's own SVG of our own otpauth address: no user text
    }


def _pending(request: Request, state: State, owes: str) -> tuple[str, User] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with state.transaction() as session:
        found = second_factor.pending_login(session, token)
        if found is None or found[0].owes != owes:
            return None
        session.expunge(found[1])
        return token, found[1]


def _check_csrf(token: str, given: str) -> None:
    if not hmac.compare_digest(auth.csrf_token_for(token), given):
        raise CsrfFailed("the form was stale; log in again")


def _step_page(
    request: Request,
    state: State,
    owes: str,
    token: str,
    user: User,
    next_url: str,
    *,
    error: str | None = None,
    secret: str | None = None,
) -> HTMLResponse:
    extra = enrolment(user.username, secret) if owes == "enrol" else {}
    return render(
        state,
        request,
        "second_factor.html",
        None,
        owes=owes,
        username=user.username,
        step_csrf=auth.csrf_token_for(token),
        next=next_url,
        error=error,
        status_code=401 if error else 200,
        **extra,
    )


def _logged_in(request: Request, token: str, next_url: str) -> RedirectResponse:
    response = RedirectResponse(safe_next(next_url), status_code=303)
    set_session_cookie(response, request, token)
    response.delete_cookie(PRELOGIN_COOKIE)
    return response


@router.get("/login/code", response_model=None)
def code_page(request: Request, state: State, next: str = "/desk") -> Response:
    found = _pending(request, state, "code")
    if found is None:
        return RedirectResponse(f"/login?next={quote(safe_next(next))}", status_code=303)
    return _step_page(request, state, "code", *found, safe_next(next))


def _finish(
    request: Request,
    state: State,
    owes: str,
    next_url: str,
    csrf_token: str,
    complete: Callable[[Session, str], str],
    *,
    error: str,
    secret: str | None = None,
) -> Response:
    """The second step's form: checked against the pending login, counted by the throttle;
    ``complete`` turns the pending session into a full one (or raises :class:`BadCode`)."""
    found = _pending(request, state, owes)
    if found is None:
        return RedirectResponse(f"/login?next={quote(safe_next(next_url))}", status_code=303)
    token, user = found
    _check_csrf(token, csrf_token)
    address = request.client.host if request.client else ""
    state.login_throttle.check(user.username, address)
    try:
        with state.transaction() as session:
            new_token = complete(session, token)
    except second_factor.BadCode:
        state.login_throttle.failed(user.username, address)
        with state.transaction() as session:
            auth.record_failed_login(session, user.username)
        _ = request_localizer(request, state).gettext
        return _step_page(
            request, state, owes, token, user, next_url, error=_(error), secret=secret
        )
    state.login_throttle.succeeded(user.username, address)
    return _logged_in(request, new_token, next_url)


@router.post("/login/code", response_model=None)
def code_login(
    request: Request,
    state: State,
    code: Code,
    csrf_token: str = Form(..., max_length=200),
    next: str = Form("/desk", max_length=2000),
) -> Response:
    return _finish(
        request,
        state,
        "code",
        next,
        csrf_token,
        lambda session, token: second_factor.complete_login(session, token, code),
        error=N_("Wrong or used code. Try again."),
    )


@router.get("/login/enrol", response_model=None)
def enrol_page(request: Request, state: State, next: str = "/desk") -> Response:
    found = _pending(request, state, "enrol")
    if found is None:
        return RedirectResponse(f"/login?next={quote(safe_next(next))}", status_code=303)
    return _step_page(request, state, "enrol", *found, safe_next(next))


@router.post("/login/enrol", response_model=None)
def enrol_login(
    request: Request,
    state: State,
    code: Code,
    secret: Secret,
    csrf_token: str = Form(..., max_length=200),
    next: str = Form("/desk", max_length=2000),
) -> Response:
    return _finish(
        request,
        state,
        "enrol",
        next,
        csrf_token,
        lambda session, token: second_factor.complete_enrolment(session, token, secret, code),
        error=N_("Wrong code. Type the code the app shows now."),
        secret=secret,
    )
