"""Limits before reading: request bodies are refused by their declared size and capped while
they stream, before any route (or FastAPI's body parsing) sees them; bulk reads are counted
per user and refused over the hour's budget (:func:`bulk_read_guard`).

Each route class has its own ceiling (:func:`body_limit`): uploads the largest scan accepted
plus room for the multipart framing, the bucket webhook and JSON routes much less, the login
form a few kilobytes. A ``Content-Length`` over the ceiling is answered 413 without reading a
byte; a body sent without one (chunked) is cut off at the ceiling, also 413. Uploads also
authenticate before reading the body (the route reads the form itself, after its dependencies).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docproc.casework.auth import AuthError
from docproc.casework.throttle import BulkReadLimit, TooManyBulkReads
from docproc.config import Settings
from docproc.errors import DocprocError, ExitCode
from docproc.web.deps import SESSION_COOKIE, AppState, bearer_token, lookup_principal

__all__ = [
    "BULK_LISTINGS",
    "MULTIPART_OVERHEAD",
    "BodyLimit",
    "BodyTooLarge",
    "body_limit",
    "bulk_read_guard",
    "is_bulk_read",
]

#: Listings whose ``limit`` above ``DOCPROC_BULK_READ_ROWS`` makes a bulk read (exports always do).
BULK_LISTINGS = frozenset({"/api/v1/persons", "/api/v1/cases", "/api/v1/audit/events"})

#: Room for the multipart boundary, part headers and the CSRF field around an uploaded file.
MULTIPART_OVERHEAD = 64 * 1024
_LOGIN_LIMIT = 16 * 1024
_UPLOAD_PATHS = frozenset({"/api/v1/documents"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyTooLarge(DocprocError, HTTPException):
    """A request body over its route's ceiling.

    Also an ``HTTPException`` so FastAPI's body parsing lets it through instead of turning it
    into a generic 400; the app's one error handler answers it like any other DocprocError.
    """

    reason = "body_too_large"
    fix = (
        "Send a smaller request: scans up to DOCPROC_MAX_FILE_BYTES, bucket events up to "
        "DOCPROC_WEBHOOK_MAX_BYTES, other requests up to DOCPROC_MAX_BODY_BYTES."
    )
    http_status = 413
    exit_code = ExitCode.input_file

    def __init__(self, message: str) -> None:
        DocprocError.__init__(self, message)
        HTTPException.__init__(self, status_code=413, detail=message)


def body_limit(settings: Settings, method: str, path: str) -> int:
    """The largest body, in bytes, a request to ``method path`` may send."""
    if path in _UPLOAD_PATHS:
        return settings.max_file_bytes + MULTIPART_OVERHEAD
    if path.startswith("/hooks/"):
        return settings.webhook_max_bytes
    if path == "/login":
        return _LOGIN_LIMIT
    return settings.max_body_bytes


def _refusal(limit: int) -> bytes:
    error = BodyTooLarge(f"the request body is over the limit of {limit:,} bytes for this route")
    return json.dumps(error.to_dict()).encode()


class BodyLimit:
    """ASGI middleware enforcing :func:`body_limit` on every request that may carry a body."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = body_limit(self.settings, scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_refusal(send, limit)
            return
        received = 0
        started = False

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(
                        f"the request body is over the limit of {limit:,} bytes for this route"
                    )
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, capped_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _send_refusal(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_refusal(send: Send, limit: int) -> None:
    body = _refusal(limit)
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def is_bulk_read(settings: Settings, request: Request) -> bool:
    """A read of many records at once: a long page of a listing, a CSV of the audit log, an
    export of a batch or a case."""
    if request.method != "GET" or not request.url.path.startswith("/api/"):
        return False
    path = request.url.path
    if path.endswith("/export"):
        return True
    if path not in BULK_LISTINGS:
        return False
    if request.query_params.get("format") == "csv":
        return True
    try:
        return int(request.query_params.get("limit", "0")) > settings.bulk_read_rows
    except ValueError:
        return False  # the route refuses it (422)


def _take_bulk_read(state: AppState, request: Request) -> None:
    try:
        principal = lookup_principal(
            state, bearer_token(request), request.cookies.get(SESSION_COOKIE)
        )
    except AuthError:
        return  # the route answers 401
    if principal is None:
        return
    limit = BulkReadLimit(state.settings.bulk_reads_per_hour)
    with state.transaction() as session:
        limit.take(session, principal, request.url.path)


async def bulk_read_guard(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """HTTP middleware: count a bulk read against its user's hour (audited as ``bulk_read``),
    and answer 429 ``too_many_bulk_reads`` over the budget, before the route reads anything."""
    state: AppState = request.app.state.docproc
    if is_bulk_read(state.settings, request):
        try:
            await run_in_threadpool(_take_bulk_read, state, request)
        except TooManyBulkReads as exc:
            return JSONResponse(exc.to_dict(), status_code=exc.http_status)
    return await call_next(request)
