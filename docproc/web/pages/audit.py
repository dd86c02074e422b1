"""Server-rendered pages: the audit log, in words (event kinds, record types, field names and
reasons labelled; ids shortened; times in the installation's zone)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from docproc.casework import audit_log
from docproc.db.models import Event
from docproc.web import labels
from docproc.web.deps import Offset, State, Supervisor
from docproc.web.render import render, request_localizer

__all__ = ["router", "short_id"]

router = APIRouter(include_in_schema=False)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PAGE_SIZE = 100
Translate = Callable[..., str]


def short_id(value: str) -> str:
    """A UUID's first 8 characters (enough to tell records apart on a page); others as given."""
    return value[:8] if _UUID.match(value) else value


@dataclass(frozen=True, slots=True)
class EventRow:
    """One audit event as the page shows it."""

    at: Any
    actor: str
    record: str  # "Document 3f2a9c1e"
    entity_id: str
    kind: str
    event: str
    old: str
    new: str
    details: list[tuple[str, str]]


def _value(key: str, value: object, _: Translate) -> str:
    """An event's old/new value or detail in words: codes labelled, ids shortened."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(key, item, _) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(k, v, _)}" for k, v in value.items())
    text = str(value)
    if key == "field":
        return labels.field_name(text, _)
    if key in ("reason", "reasons"):
        return ", ".join(labels.reason_label(code, _) for code in text.split(",") if code)
    if key == "via":
        return labels.via_label(text, _)
    if key == "source":
        return labels.source_label(text, _)
    if key == "role":
        return (
            labels.role_label(text, _) if text in labels.ROLES else labels.case_role_label(text, _)
        )
    if text in labels.STATUSES:
        return labels.status_label(text, _)
    if text in labels.ROLES:
        return labels.role_label(text, _)
    return short_id(text)


def event_row(event: Event, _: Translate) -> EventRow:
    detail = event.detail or {}
    return EventRow(
        at=event.at,
        actor=event.actor,
        record=f"{labels.record_label(event.entity_type, _)} {short_id(event.entity_id)}",
        entity_id=event.entity_id,
        kind=event.kind,
        event=labels.event_label(event.kind, _),
        old=_value("old", event.old, _),
        new=_value("new", event.new, _),
        details=[
            (labels.detail_label(key, _), _value(key, value, _))
            for key, value in detail.items()
            if value is not None
        ],
    )


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
        page = audit_log.audit_events(
            session,
            entity_id=entity_id or None,
            actor=actor or None,
            kinds=[kind] if kind else [],
            limit=_PAGE_SIZE,
            offset=max(0, offset),
        )
        _ = request_localizer(request, state, principal).gettext
        rows = [event_row(event, _) for event in page.events]
    kinds = sorted(labels.EVENTS, key=lambda code: labels.event_label(code, _).lower())
    return render(
        state,
        request,
        "audit.html",
        principal,
        page=page,
        rows=rows,
        kinds=kinds,
        filters={"entity_id": entity_id or "", "actor": actor or "", "kind": kind or ""},
        offset=max(0, offset),
        page_size=_PAGE_SIZE,
    )
