"""The caller's own account, and the login page's language switch.

``/account`` shows who the caller is (role, sites), lets them change their own password (the
current one first; the attempt counts against the login throttle, so a stolen session cannot
guess it), set up or remove their second factor (a TOTP app, see
:mod:`docproc.web.pages.second_factor`), and list and revoke their own API tokens. A password
change ends every other session of the account, revokes its API tokens when
``DOCPROC_REVOKE_TOKENS_ON_PASSWORD_CHANGE`` says so, and keeps this browser logged in with a new
session.

The login page's language switch: a visitor who is not logged in picks the interface's
language; it is kept in a cookie (no account to keep it in yet) and followed by every page
until a logged-in user's own choice takes over."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from docproc.casework import accounts, auth, second_factor
from docproc.casework.auth import CsrfFailed
from docproc.db.models import User
from docproc.web import labels
from docproc.web.deps import DeskUser, State
from docproc.web.i18n import LANGUAGES, N_
from docproc.web.pages.desk import set_session_cookie
from docproc.web.pages.second_factor import Code, Secret, enrolment
from docproc.web.render import LANGUAGE_COOKIE, render, request_localizer

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The login form's own CSRF cookie (set by ``GET /login``).
_PRELOGIN_COOKIE = "docproc_prelogin"
_YEAR = 365 * 24 * 3600

TokenId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[0-9a-fA-F-]+$")]

#: What the account page says after a change (``?done=<key>``).
NOTICES = {
    "password": N_("Password changed. Your other sessions ended."),
    "revoked": N_("API token revoked."),
    "second_factor_on": N_("Second factor set up: from now on you log in with a code too."),
    "second_factor_off": N_("Second factor removed."),
}


def _me(session: Session, principal: auth.Principal) -> User:
    """The caller's own user row (gone only if deleted under a live session)."""
    me = session.get(User, uuid.UUID(principal.user_id))
    if me is None:
        raise auth.LoginRequired("the account is gone")
    return me


def _account_page(
    request: Request,
    state: State,
    principal: auth.Principal,
    *,
    error: str | None = None,
    done: str | None = None,
    revoked: int | None = None,
    secret: str | None = None,
    factor_error: str | None = None,
) -> HTMLResponse:
    with state.transaction() as session:
        user = accounts.user_row(session, principal.username)
        tokens = accounts.tokens_of(session, principal.username)
    has_factor = user.second_factor
    _ = request_localizer(request, state, principal).gettext
    notice = _(NOTICES[done]) if done in NOTICES else None
    if done == "password" and revoked:
        notice = f"{notice} " + _("%(n)s API token(s) revoked.", n=revoked)
    return render(
        state,
        request,
        "account.html",
        principal,
        user=user,
        tokens=tokens,
        token_days=state.settings.api_token_days,
        revoke_on_password=state.settings.revoke_tokens_on_password_change,
        has_factor=has_factor,
        factor_required=second_factor.required_for(
            principal.role, state.settings.second_factor_roles
        ),
        factor_error=factor_error,
        **({} if has_factor else enrolment(principal.username, secret)),
        notice=notice,
        error=error,
        status_code=422 if error or factor_error else 200,
    )


@router.get("/account")
def account_page(
    request: Request,
    state: State,
    principal: DeskUser,
    done: str | None = None,
    revoked: int | None = None,
) -> HTMLResponse:
    """Who the caller is, their password and their API tokens."""
    return _account_page(request, state, principal, done=done, revoked=revoked)


@router.post("/account/password")
def change_password(
    request: Request,
    state: State,
    principal: DeskUser,
    current_password: str = Form(..., max_length=1024),
    password: str = Form(..., max_length=1024),
    password_again: str = Form(..., max_length=1024),
) -> Response:
    """Change the caller's own password: the current one first, the new one twice."""
    _ = request_localizer(request, state, principal).gettext
    address = request.client.host if request.client else ""
    state.login_throttle.check(principal.username, address)
    try:
        with state.transaction() as session:
            auth.authenticate(session, principal.username, current_password)
    except auth.BadCredentials:
        state.login_throttle.failed(principal.username, address)
        with state.transaction() as session:
            auth.record_failed_login(session, principal.username)
        return _account_page(request, state, principal, error=_("The current password is wrong."))
    state.login_throttle.succeeded(principal.username, address)
    try:
        if password != password_again:
            raise auth.InvalidUser("the two passwords differ")
        if password == current_password:
            raise auth.InvalidUser("the new password is the current one")
        with state.transaction() as session:
            revoked = auth.set_password(
                session,
                principal.username,
                password,
                actor=principal.username,
                revoke_tokens=state.settings.revoke_tokens_on_password_change,
            )
            user = auth.authenticate(session, principal.username, password)
            token = auth.create_session(session, user)
    except auth.InvalidUser as exc:
        error = f"{labels.reason_label(exc.reason, _)}: {exc.message}"
        return _account_page(request, state, principal, error=error)
    query = f"?done=password&revoked={revoked}" if revoked else "?done=password"
    response = RedirectResponse("/account" + query, status_code=303)
    set_session_cookie(response, request, token)
    return response


@router.post("/account/second-factor", response_model=None)
def set_up_second_factor(
    request: Request, state: State, principal: DeskUser, secret: Secret, code: Code
) -> Response:
    """Set up the caller's second factor: the secret shown, proved by a code from the app."""
    try:
        with state.transaction() as session:
            second_factor.enrol(
                session, _me(session, principal), secret, code, actor=principal.username
            )
    except second_factor.BadCode:
        _ = request_localizer(request, state, principal).gettext
        return _account_page(
            request,
            state,
            principal,
            secret=secret,
            factor_error=_("Wrong code. Type the code the app shows now."),
        )
    return RedirectResponse("/account?done=second_factor_on", status_code=303)


@router.post("/account/second-factor/remove", response_model=None)
def remove_second_factor(
    request: Request, state: State, principal: DeskUser, code: Code
) -> Response:
    """Remove the caller's second factor, with a code from it (not when their role needs one)."""
    try:
        with state.transaction() as session:
            had = second_factor.remove_own(
                session,
                _me(session, principal),
                code,
                required_roles=state.settings.second_factor_roles,
            )
    except second_factor.BadCode:
        _ = request_localizer(request, state, principal).gettext
        return _account_page(
            request,
            state,
            principal,
            factor_error=_("Wrong code. Type the code the app shows now."),
        )
    return RedirectResponse(
        "/account?done=second_factor_off" if had else "/account", status_code=303
    )


@router.post("/account/tokens/{token_id}/revoke")
def revoke_own_token(state: State, principal: DeskUser, token_id: TokenId) -> Response:
    """Revoke one of the caller's own API tokens (another user's id changes nothing)."""
    with state.transaction() as session:
        auth.revoke_token(session, principal.username, token_id, actor=principal.username)
    return RedirectResponse("/account?done=revoked", status_code=303)


@router.post("/login/language")
def visitor_language(
    request: Request,
    state: State,
    language: str = Form("", max_length=8),
    csrf_token: str = Form(..., max_length=200),
    next: str = Form("/desk", max_length=2000),
) -> RedirectResponse:
    """Keep the visitor's language ('' follows the browser's again) and show the login page."""
    expected = request.cookies.get(_PRELOGIN_COOKIE)
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise CsrfFailed("the login form was stale; reload it")
    target = (
        next if next.startswith("/") and not next.startswith("//") and "\\" not in next else "/desk"
    )
    response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=_YEAR,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    else:
        response.delete_cookie(LANGUAGE_COOKIE)
    return response
