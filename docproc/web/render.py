"""Rendering a page: the template, the caller, and the caller's language and time zone."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from docproc.casework.auth import Principal
from docproc.web import labels
from docproc.web.deps import AppState
from docproc.web.i18n import LANGUAGES, Localizer, localizer, negotiate

__all__ = [
    "LANGUAGE_COOKIE",
    "page_context",
    "render",
    "request_localizer",
]

#: A visitor's language choice before logging in (the login page's switch); a logged-in user's
#: own choice (``users.language``) comes first.
LANGUAGE_COOKIE = "docproc_language"


def request_localizer(
    request: Request, state: AppState, principal: Principal | None = None
) -> Localizer:
    """The caller's language (their choice, else the login page's, else the browser's) and the
    installation's zone."""
    preferred = principal.language if principal else None
    if preferred is None and request.cookies.get(LANGUAGE_COOKIE) in LANGUAGES:
        preferred = request.cookies.get(LANGUAGE_COOKIE)
    header = request.headers.get("accept-language")
    language = negotiate(header, preferred) if (preferred or header) else None
    return localizer(language or state.settings.default_language, state.settings.timezone)


def page_context(request: Request, state: AppState, principal: Principal | None) -> dict[str, Any]:
    """What every page's template gets besides its own values."""
    local = request_localizer(request, state, principal)
    _ = local.gettext
    return {
        "principal": principal,
        "csrf": principal.csrf if principal else None,
        **local.context(),
        "reason_label": lambda code: labels.reason_label(code, _),
        "status_label": lambda code: labels.status_label(code, _),
        "field_name": lambda name: labels.field_name(name, _),
        "is_warning": labels.is_warning,
        "role_label": lambda code: labels.role_label(code, _),
        "case_role_label": lambda code: labels.case_role_label(code, _),
        "reject_label": lambda code: labels.reject_label(code, _),
        "event_label": lambda kind: labels.event_label(kind, _),
        "record_label": lambda kind: labels.record_label(kind, _),
        "source_label": lambda source: labels.source_label(source, _),
        "form_field_keys": lambda: labels.form_field_keys(state.settings.form_definitions_dir),
    }


def render(
    state: AppState,
    request: Request,
    name: str,
    principal: Principal | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page ``name`` for ``principal`` in their language (``status_code``: error pages)."""
    return state.templates.TemplateResponse(
        request,
        name,
        {**page_context(request, state, principal), **context},
        status_code=status_code,
    )
