"""Server-rendered pages for documents: the list (mine, today, by status, by batch, a search)
and one document (every page, its fields, warnings apart from doubts, names in the text)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from docproc.casework import documents
from docproc.casework.search import SearchTerms
from docproc.db.models import MRZ_FIELDS, DocumentStatus
from docproc.storage import ObjectNotFound, ObjectStore, derived_key
from docproc.web.api.documents import record_of
from docproc.web.deps import DeskUser, State
from docproc.web.i18n import N_
from docproc.web.labels import is_warning
from docproc.web.render import render
from docproc.web.search_params import SearchText, start_of_today

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/documents")
def documents_page(
    request: Request,
    state: State,
    principal: DeskUser,
    q: SearchText = None,
    mine: bool = False,
    today: bool = False,
    status: Annotated[str, Query(max_length=32)] = "",
    batch: Annotated[str, Query(max_length=36)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=documents.MAX_PAGE_SIZE)
    ] = documents.DEFAULT_PAGE_SIZE,
) -> HTMLResponse:
    """The documents of the caller's sites, a page at a time; an audited read."""
    wanted = DocumentStatus(status) if status in DocumentStatus.__members__ else None
    batch_id = _uuid_or_none(batch)
    filters = documents.DocumentFilters(
        mine=mine,
        since=start_of_today(state.settings.timezone) if today else None,
        status=wanted,
        batch_id=batch_id,
        terms=SearchTerms.parse(q),
    )
    with state.transaction() as session:
        found = documents.list_documents(
            session, principal, filters, page=page, page_size=page_size
        )
        batches = documents.recent_batches(session, principal)
    # the query string of this list without its page, for the pager's links
    kept = {
        key: value
        for key, value in request.query_params.items()
        if key != "page" and value not in ("", None)
    }
    return render(
        state,
        request,
        "documents.html",
        principal,
        found=found,
        query=q or "",
        mine=mine,
        today=today,
        status=wanted.value if wanted else "",
        statuses=[s.value for s in DocumentStatus],
        batch=str(batch_id) if batch_id else "",
        batches=batches,
        kept=kept,
    )


def _uuid_or_none(text: str) -> uuid.UUID | None:
    """A batch id from the filter form ("" for any batch; anything else unknown is any)."""
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def _stored_warnings(store: ObjectStore, document_id: uuid.UUID) -> list[str]:
    """The document warnings the pipeline stored with the MRZ (expired, minor, ...)."""
    try:
        data: dict[str, Any] = json.loads(store.get(derived_key(document_id, "mrz.json")))
    except (ObjectNotFound, ValueError):
        return []
    return [str(code) for code in data.get("document_warnings") or []]


#: The document page's field groups: by where a value was read (entities apart, collapsed).
_GROUPS = (
    ("mrz", N_("Machine-readable zone")),
    ("viz", N_("Printed page")),
    ("form", N_("Form")),
    ("other", N_("Other fields")),
)


def _source_of(name: str) -> str:
    """``surname`` -> mrz, ``viz.surname`` -> viz, ``form.phone`` -> form, ``entity.X.0``."""
    prefix, dot, _ = name.partition(".")
    if not dot:
        return "mrz" if name in MRZ_FIELDS else "other"
    return prefix if prefix in ("viz", "form", "entity") else "other"


@router.get("/documents/{document_id}")
def document_page(
    document_id: uuid.UUID, request: Request, state: State, principal: DeskUser
) -> HTMLResponse:
    """One document: every page, its fields, warnings apart from doubts; an audited read."""
    with state.transaction() as session:
        row = documents.document_row(session, document_id, principal)
        record = record_of(state, session, document_id, principal)
        upload = documents.first_upload(
            session, documents.document_of(session, document_id, principal)
        )
    reasons = row.reasons
    warnings = [r for r in reasons if is_warning(r)]
    stored = _stored_warnings(state.services.store, document_id)
    warnings += [w for w in stored if w not in warnings]
    doubts = [r for r in reasons if not is_warning(r)]
    order = {name: i for i, name in enumerate(MRZ_FIELDS)}
    fields = sorted(record.fields, key=lambda f: (order.get(f.name, len(order)), f.name))
    groups = [
        (title, [f for f in fields if _source_of(f.name) == prefix]) for prefix, title in _GROUPS
    ]
    entities = [f for f in fields if _source_of(f.name) == "entity"]
    return render(
        state,
        request,
        "document.html",
        principal,
        row=row,
        record=record,
        upload=upload,
        warnings=warnings,
        doubts=doubts,
        groups=[(title, group) for title, group in groups if group],
        entities=entities,
        page_numbers=list(range(1, (row.pages or 1) + 1)),
    )
