"""The login page's language switch: a visitor who is not logged in picks the interface's
language; it is kept in a cookie (no account to keep it in yet) and followed by every page
until a logged-in user's own choice takes over."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from docproc.casework.auth import CsrfFailed
from docproc.web.deps import State
from docproc.web.i18n import LANGUAGES
from docproc.web.render import LANGUAGE_COOKIE

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The login form's own CSRF cookie (set by ``GET /login``).
_PRELOGIN_COOKIE = "docproc_prelogin"
_YEAR = 365 * 24 * 3600


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
