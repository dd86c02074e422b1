"""The REST API, ``/api/v1``: documents (upload, status, record, images), review, audit.

Each route keeps its transaction short and in its own thread (``state.transaction()``); reading
the store and decoding images happen outside it.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUploadFile

from docproc.casework import audit_log, documents, review
from docproc.casework.auth import Principal
from docproc.casework.export import safe_cell
from docproc.casework.throttle import check_upload_quota
from docproc.db.models import TERMINAL_STATUSES, DocumentStatus, Event
from docproc.errors import DocprocError, ExitCode
from docproc.reading.intake import detect_format
from docproc.web.deps import AppState, DeskUser, Offset, PageNumber, State, Supervisor
from docproc.web.imaging import highlighted_page, load_mrz_info, mrz_crop, page_image
from docproc.web.search_params import Terms, start_of_today
from docproc.web.uploads import accept_upload

__all__ = ["AUDIT_COLUMNS", "audit_csv", "detected_media_type", "router"]

router = APIRouter(prefix="/api/v1", tags=["api"])

AUDIT_COLUMNS = ("id", "at", "actor", "entity_type", "entity_id", "kind", "old", "new", "detail")


@router.get("/me")
def whoami(principal: DeskUser) -> dict[str, str]:
    """The calling user and role."""
    return {"username": principal.username, "role": principal.role.value, "via": principal.via}


_UPLOAD_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


class MissingFile(DocprocError):
    reason = "missing_file"
    fix = "Send the scan as multipart/form-data in a field named 'file'."
    http_status = 422
    exit_code = ExitCode.bad_arguments


def _check_quota(state: AppState, principal: Principal) -> None:
    with state.transaction() as session:
        check_upload_quota(session, principal, state.settings.uploads_per_hour)


@router.post("/documents", status_code=202, openapi_extra=_UPLOAD_SCHEMA)
async def upload_document(request: Request, state: State, principal: DeskUser) -> dict[str, Any]:
    """Upload one scan; it is checked (format, size, pixels), stored and queued for reading.

    The caller is authenticated before the body is read (the form is read here, after the
    dependencies, not by FastAPI before them), and the body is capped by ``BodyLimit``.
    A file uploaded before is not read again: ``created`` is false and ``duplicate_of`` says
    when and by whom it was first uploaded, with the links to its record.
    """
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise MissingFile("the upload is not multipart/form-data")
    await run_in_threadpool(_check_quota, state, principal)
    form = await request.form(max_files=1, max_fields=4)
    try:
        file = form.get("file")
        if not isinstance(file, StarletteUploadFile):
            raise MissingFile("no file in the form field 'file'")
        data = await file.read(state.settings.max_file_bytes + 1)
        filename = file.filename
    finally:
        await form.close()
    accepted = await run_in_threadpool(accept_upload, state, data, filename, principal)
    document = accepted.document
    return {
        "id": str(document.id),
        "status": document.status.value,
        "created": accepted.created,
        "url": f"/api/v1/documents/{document.id}",
        "duplicate_of": accepted.duplicate_of.to_json() if accepted.duplicate_of else None,
    }


@router.get("/documents")
def list_documents(
    state: State,
    principal: DeskUser,
    terms: Terms,
    mine: bool = False,
    today: bool = False,
    status: DocumentStatus | None = None,
    batch: uuid.UUID | None = None,
    page: int = Query(default=1, ge=1, le=1_000_000),
    page_size: int = Query(default=documents.DEFAULT_PAGE_SIZE, ge=1, le=documents.MAX_PAGE_SIZE),
) -> dict[str, Any]:
    """Documents of the caller's sites, newest first, a page at a time: ``mine`` (uploaded by
    the caller), ``today`` (since midnight in the installation's zone), by ``status``, by
    ``batch``; found by ``q`` (a name, document number, date of birth or case number) or by each
    of those apart. An audited read (the filters and kinds of term, not the terms)."""
    filters = documents.DocumentFilters(
        mine=mine,
        since=start_of_today(state.settings.timezone) if today else None,
        status=status,
        batch_id=batch,
        terms=terms,
    )
    with state.transaction() as session:
        found = documents.list_documents(
            session, principal, filters, page=page, page_size=page_size
        )
    return found.to_json()


def record_of(
    state: State, session: Session, document_id: uuid.UUID, who: Principal
) -> review.DocumentRecord:
    """The document's record with its MRZ checks; an audited read."""
    info = load_mrz_info(state.services.store, document_id)
    return review.document_record(
        session,
        document_id,
        who,
        checks=info.checks if info else None,
        mrz_page=info.page if info else None,
    )


@router.get("/documents/{document_id}")
def get_document(document_id: uuid.UUID, state: State, principal: DeskUser) -> dict[str, Any]:
    """Status while the document is read; the record (an audited read) once it is finished."""
    with state.transaction() as session:
        document = review.document_status(session, document_id, principal)
        if document.status not in TERMINAL_STATUSES:
            return {"id": str(document.id), "status": document.status.value, "finished": False}
        record = record_of(state, session, document_id, principal)
    return {**record.to_json(), "finished": True}


def _original(
    state: State, document_id: uuid.UUID, principal: Principal, kind: str
) -> tuple[bytes, str, str]:
    with state.transaction() as session:
        document = review.record_access(session, document_id, principal, kind)
        key, media, name = document.source_key, document.media_type, document.original_filename
    return state.services.store.get(key), media, name or ""


_MEDIA_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "pdf": "application/pdf",
}


def detected_media_type(data: bytes) -> str:
    """The media type of a scan from its magic bytes (``application/octet-stream`` if none)."""
    try:
        return _MEDIA_TYPES.get(detect_format(data), "application/octet-stream")
    except DocprocError:
        return "application/octet-stream"


@router.get("/documents/{document_id}/original")
def get_original(document_id: uuid.UUID, state: State, principal: DeskUser) -> Response:
    """The original file, streamed from the store (never a public or presigned URL).

    Its type comes from its bytes, never from the uploaded file's name: ``poly.html`` holding
    a JPEG is served as ``image/jpeg``, and anything unrecognised as an opaque download.
    """
    data, _, _ = _original(state, document_id, principal, "original_downloaded")
    return Response(
        data,
        media_type=detected_media_type(data),
        headers={"Content-Disposition": f'attachment; filename="{document_id}"'},
    )


@router.get("/documents/{document_id}/mrz.png")
def get_mrz_crop(document_id: uuid.UUID, state: State, principal: DeskUser) -> Response:
    """The MRZ cut from the original with the stored quad."""
    data, _, name = _original(state, document_id, principal, "mrz_image_viewed")
    info = load_mrz_info(state.services.store, document_id)
    image = page_image(data, name, info.page if info else 0, state.settings)
    return Response(mrz_crop(image, info.quad if info else []), media_type="image/png")


@router.get("/documents/{document_id}/pages/{page}.jpg")
def get_page(
    document_id: uuid.UUID, page: PageNumber, state: State, principal: DeskUser
) -> Response:
    """A page of the scan with the MRZ outlined (pages count from 1)."""
    data, _, name = _original(state, document_id, principal, "page_image_viewed")
    info = load_mrz_info(state.services.store, document_id)
    image = page_image(data, name, max(0, page - 1), state.settings)
    quad = info.quad if info and info.page == page - 1 else None
    return Response(highlighted_page(image, quad), media_type="image/jpeg")


# ------------------------------------------------------------------------------------- audit


def _event_row(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(timespec="seconds"),
        "actor": event.actor,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "kind": event.kind,
        "old": event.old,
        "new": event.new,
        "detail": event.detail,
    }


def audit_csv(rows: list[dict[str, Any]]) -> Iterator[str]:
    """CSV of event rows; cells a spreadsheet would run as formulas are defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_COLUMNS)
    for row in rows:
        writer.writerow(safe_cell(row[c]) for c in AUDIT_COLUMNS)
    yield buffer.getvalue()


@router.get("/audit/events", response_model=None)
def list_events(
    state: State,
    principal: Supervisor,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    kind: list[str] = Query(default=[]),  # noqa: B008
    limit: int = Query(default=100, ge=1, le=10_000),
    offset: Offset = 0,
    format: str = Query(default="json", pattern="^(json|csv)$"),
) -> dict[str, Any] | StreamingResponse:
    """The audit trail, newest first; ``format=csv`` downloads it (the export is audited too)."""
    with state.transaction() as session:
        page = audit_log.audit_events(
            session,
            entity_type=entity_type,
            entity_id=entity_id,
            actor=actor,
            kinds=kind,
            limit=limit,
            offset=offset,
        )
        rows = [_event_row(e) for e in page.events]
        if format == "csv":
            audit_log.record_audit_export(session, principal, len(rows))
    if format == "csv":
        return StreamingResponse(
            audit_csv(rows),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="docproc-audit.csv"'},
        )
    return {"total": page.total, "events": rows}


@router.get("/documents/{document_id}/portrait.jpg")
def get_portrait(document_id: uuid.UUID, state: State, principal: DeskUser) -> Response:
    """The holder's photo, cut from the data page when the document was read (an audited read;
    ``no_portrait`` when no face was found)."""
    from docproc.reading.portrait import NoPortrait
    from docproc.storage import ObjectNotFound, derived_key

    with state.transaction() as session:
        review.record_access(session, document_id, principal, "portrait_viewed")
    try:
        data = state.services.store.get(derived_key(document_id, "portrait.jpg"))
    except ObjectNotFound:
        raise NoPortrait("no portrait is stored for this document") from None
    return Response(data, media_type="image/jpeg")
