"""Server-rendered pages: user management for admins (``/admin/users``).

List and create users; per user: role, sites, disable or enable, a new password, removing the
second factor (a lost phone), API tokens (listed, revoked one by one or all). Every change goes
through :mod:`docproc.casework.auth`, :mod:`docproc.casework.second_factor` or
:mod:`docproc.casework.accounts` and is written to the audit trail there. Admins only; forms
carry the session's CSRF token (checked by the ``Admin`` dependency); disabling a user and
revoking tokens ask for a confirmation first (a second page, so it works without script). An
admin cannot disable their own account or take away their own admin role.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from docproc.casework import accounts, auth, second_factor
from docproc.casework.review import NotFound
from docproc.casework.sites import BadSite
from docproc.db.models import Role, User
from docproc.errors import DocprocError
from docproc.web import labels
from docproc.web.deps import Admin, State
from docproc.web.i18n import N_
from docproc.web.render import render, request_localizer

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

Username = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9._-]+$")]
TokenId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[0-9a-fA-F-]+$")]

#: What the user page says after a change (``?done=<key>``).
NOTICES = {
    "created": N_("User created."),
    "role": N_("Role changed. The user's sessions ended, so the new role holds at once."),
    "sites": N_("Sites saved."),
    "disabled": N_("User disabled. Their sessions ended and their API tokens stop working."),
    "enabled": N_("User enabled."),
    "password": N_("Password set. The user's sessions ended."),
    "revoked": N_("API token revoked."),
    "revoked_all": N_("All API tokens of this user revoked."),
    "second_factor_removed": N_(
        "Second factor removed. The user sets up a new one on their account page (or at their "
        "next login, where their role requires one)."
    ),
}
_ACCOUNT_ERRORS = (auth.InvalidUser, auth.UserExists, BadSite)


def _user_url(username: str, done: str | None = None, **extra: int) -> str:
    url = f"/admin/users/{quote(username)}"
    query = [f"done={done}"] if done else []
    query += [f"{key}={value}" for key, value in extra.items()]
    return url + ("?" + "&".join(query) if query else "")


def _users_page(
    request: Request, state: State, principal: auth.Principal, *, error: str | None = None
) -> HTMLResponse:
    with state.transaction() as session:
        users = accounts.users(session)
    return render(
        state,
        request,
        "admin_users.html",
        principal,
        users=users,
        roles=[role.value for role in Role],
        error=error,
        status_code=422 if error else 200,
    )


def _user_page(
    request: Request,
    state: State,
    principal: auth.Principal,
    username: str,
    *,
    error: str | None = None,
    done: str | None = None,
    revoked: int | None = None,
) -> HTMLResponse:
    with state.transaction() as session:
        user = accounts.user_row(session, username)
        tokens = accounts.tokens_of(session, username)
        sites = accounts.all_sites(session)
    _ = request_localizer(request, state, principal).gettext
    notice = _(NOTICES[done]) if done in NOTICES else None
    if done == "password" and revoked:
        notice = f"{notice} " + _("%(n)s API token(s) revoked.", n=revoked)
    return render(
        state,
        request,
        "admin_user.html",
        principal,
        user=user,
        tokens=tokens,
        sites=sites,
        roles=[role.value for role in Role],
        is_self=user.username == principal.username,
        token_days=state.settings.api_token_days,
        revoke_on_password=state.settings.revoke_tokens_on_password_change,
        has_factor=user.second_factor,
        notice=notice,
        error=error,
        status_code=422 if error else 200,
    )


def _error_text(
    request: Request, state: State, principal: auth.Principal, exc: DocprocError
) -> str:
    _ = request_localizer(request, state, principal).gettext
    return f"{labels.reason_label(exc.reason, _)}: {exc.message}"


def _confirm(
    request: Request,
    state: State,
    principal: auth.Principal,
    username: str,
    *,
    action: str,
    question: str,
    button: str,
    fields: dict[str, str] | None = None,
) -> HTMLResponse:
    """The confirmation page: the same form again, with ``confirm=yes``."""
    return render(
        state,
        request,
        "admin_confirm.html",
        principal,
        username=username,
        action=action,
        question=question,
        button=button,
        fields=fields or {},
    )


@router.get("/admin/users")
def users_page(request: Request, state: State, principal: Admin) -> HTMLResponse:
    return _users_page(request, state, principal)


@router.post("/admin/users")
def create_user(
    request: Request,
    state: State,
    principal: Admin,
    role: Annotated[Role, Form()],
    username: str = Form(..., max_length=64),
    password: str = Form(..., max_length=1024),
    password_again: str = Form(..., max_length=1024),
) -> Response:
    username = username.strip()
    try:
        if password != password_again:
            raise auth.InvalidUser("the two passwords differ")
        with state.transaction() as session:
            auth.create_user(session, username, password, role, actor=principal.username)
    except _ACCOUNT_ERRORS as exc:
        return _users_page(
            request, state, principal, error=_error_text(request, state, principal, exc)
        )
    return RedirectResponse(_user_url(username, "created"), status_code=303)


@router.get("/admin/users/{username}")
def user_page(
    request: Request,
    state: State,
    principal: Admin,
    username: Username,
    done: str | None = None,
    revoked: int | None = None,
) -> HTMLResponse:
    try:
        return _user_page(request, state, principal, username, done=done, revoked=revoked)
    except auth.InvalidUser as exc:
        raise NotFound(exc.message) from None


@router.post("/admin/users/{username}/role")
def change_role(
    request: Request,
    state: State,
    principal: Admin,
    username: Username,
    role: Annotated[Role, Form()],
) -> Response:
    if username == principal.username and role is not Role.admin:
        raise auth.Forbidden("an admin cannot take away their own admin role")
    with state.transaction() as session:
        auth.set_role(session, username, role, actor=principal.username)
    return RedirectResponse(_user_url(username, "role"), status_code=303)


@router.post("/admin/users/{username}/sites")
def change_sites(
    request: Request,
    state: State,
    principal: Admin,
    username: Username,
    site: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    try:
        with state.transaction() as session:
            accounts.set_sites(session, username, site, actor=principal.username)
    except _ACCOUNT_ERRORS as exc:
        return _user_page(
            request, state, principal, username, error=_error_text(request, state, principal, exc)
        )
    return RedirectResponse(_user_url(username, "sites"), status_code=303)


@router.post("/admin/users/{username}/active")
def change_active(
    request: Request,
    state: State,
    principal: Admin,
    username: Username,
    active: bool = Form(...),
    confirm: str = Form("", max_length=8),
) -> Response:
    if not active and username == principal.username:
        raise auth.Forbidden("an admin cannot disable their own account")
    if not active and confirm != "yes":
        _ = request_localizer(request, state, principal).gettext
        return _confirm(
            request,
            state,
            principal,
            username,
            action="active",
            question=_(
                "Disable %(user)s? They are logged out at once and their API tokens stop "
                "working until the account is enabled again.",
                user=username,
            ),
            button=_("Disable"),
            fields={"active": "false"},
        )
    with state.transaction() as session:
        auth.set_active(session, username, active, actor=principal.username)
    return RedirectResponse(
        _user_url(username, "enabled" if active else "disabled"), status_code=303
    )


@router.post("/admin/users/{username}/password")
def reset_password(
    request: Request,
    state: State,
    principal: Admin,
    username: Username,
    password: str = Form(..., max_length=1024),
    password_again: str = Form(..., max_length=1024),
) -> Response:
    try:
        if password != password_again:
            raise auth.InvalidUser("the two passwords differ")
        with state.transaction() as session:
            revoked = auth.set_password(
                session,
                username,
                password,
                actor=principal.username,
                revoke_tokens=state.settings.revoke_tokens_on_password_change,
            )
    except _ACCOUNT_ERRORS as exc:
        return _user_page(
            request, state, principal, username, error=_error_text(request, state, principal, exc)
        )
    return RedirectResponse(_user_url(username, "password", revoked=revoked), status_code=303)


@router.post("/admin/users/{username}/tokens/revoke")
def revoke_all_tokens(
    request: Request,
    state: State,
    principal: Admin,
    username: Username,
    confirm: str = Form("", max_length=8),
) -> Response:
    if confirm != "yes":
        _ = request_localizer(request, state, principal).gettext
        return _confirm(
            request,
            state,
            principal,
            username,
            action="tokens/revoke",
            question=_(
                "Revoke every API token of %(user)s? Systems using them stop working.",
                user=username,
            ),
            button=_("Revoke all"),
        )
    with state.transaction() as session:
        auth.revoke_tokens(session, username, actor=principal.username)
    return RedirectResponse(_user_url(username, "revoked_all"), status_code=303)


@router.post("/admin/users/{username}/tokens/{token_id}/revoke")
def revoke_one_token(
    request: Request,
    state: State,
    principal: Admin,
    username: Username,
    token_id: TokenId,
    confirm: str = Form("", max_length=8),
) -> Response:
    if confirm != "yes":
        _ = request_localizer(request, state, principal).gettext
        return _confirm(
            request,
            state,
            principal,
            username,
            action=f"tokens/{token_id}/revoke",
            question=_(
                "Revoke the API token %(token)s of %(user)s? A system using it stops working.",
                token=token_id[:8],
                user=username,
            ),
            button=_("Revoke"),
        )
    with state.transaction() as session:
        if not auth.revoke_token(session, username, token_id, actor=principal.username):
            raise NotFound(f"no live API token {token_id[:8]} of {username}")
    return RedirectResponse(_user_url(username, "revoked"), status_code=303)


@router.post("/admin/users/{username}/second-factor/remove")
def remove_second_factor(
    request: Request,
    state: State,
    principal: Admin,
    username: Username,
    confirm: str = Form("", max_length=8),
) -> Response:
    """Remove a user's second factor (a lost phone), after confirming; audited."""
    if confirm != "yes":
        _ = request_localizer(request, state, principal).gettext
        return _confirm(
            request,
            state,
            principal,
            username,
            action="second-factor/remove",
            question=_(
                "Remove the second factor of %(name)s? Until they set up a new one, their "
                "password alone logs them in (unless their role requires one).",
                name=username,
            ),
            button=_("Remove"),
        )
    with state.transaction() as session:
        user = session.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None:
            raise NotFound(f"no user {username!r}")
        second_factor.remove(session, user, actor=principal.username)
    return RedirectResponse(_user_url(username, "second_factor_removed"), status_code=303)
