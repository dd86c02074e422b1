"""Rendering a page: the template, the caller, and the caller's language and time zone."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from docproc.casework.auth import Principal
from docproc.web import labels
from docproc.web.deps import AppState
from docproc.web.i18n import N_, Localizer, localizer, negotiate

__all__ = ["FIELD_LABELS", "field_label", "page_context", "render", "request_localizer"]

#: The MRZ fields' labels, in English (marked for translation; shown through ``_``).
FIELD_LABELS = {
    "document_code": N_("Document code"),
    "issuing_country": N_("Issuing country"),
    "surname": N_("Surname"),
    "given_names": N_("Given names"),
    "document_number": N_("Document number"),
    "nationality": N_("Nationality"),
    "birth_date": N_("Date of birth"),
    "sex": N_("Sex"),
    "expiry_date": N_("Expiry date"),
    "optional_data": N_("Optional data"),
    "optional_data_2": N_("Optional data 2"),
}

#: The roles' names, as the header shows them (``_(principal.role.value)``).
ROLE_NAMES = (N_("desk"), N_("reviewer"), N_("supervisor"), N_("admin"))


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


def request_localizer(
    request: Request, state: AppState, principal: Principal | None = None
) -> Localizer:
    """The caller's language (their choice, else the browser's) and the installation's zone."""
    preferred = principal.language if principal else None
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
        "form_field_keys": lambda: labels.form_field_keys(state.settings.form_definitions_dir),
    }


def render(
    state: AppState, request: Request, name: str, principal: Principal | None, **context: Any
) -> HTMLResponse:
    return state.templates.TemplateResponse(
        request, name, {**page_context(request, state, principal), **context}
    )
