"""``POST /hooks/s3``: MinIO and SeaweedFS bucket notifications, handed to
:func:`docproc.processing.ingest.handle_object_event`.

The route answers 200 with counts for any well-formed event (so the sender does not retry an event
for a missing object forever) and 503 when storage or the database is down (so it does retry).
It requires ``Authorization: Bearer <DOCPROC_WEBHOOK_TOKEN>`` (MinIO:
``MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_<ID>``; SeaweedFS: ``bearer_token`` in notification.toml); with
no token set it is off unless ``DOCPROC_WEBHOOK_OPEN=true``. A body that is not a well-formed
event is answered 400 ``bad_event``.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from docproc.errors import DocprocError, ExitCode
from docproc.processing.ingest import ObjectRef, handle_object_event, parse_object_event
from docproc.processing.submit import Dispatch
from docproc.storage import ObjectStore

__all__ = ["BadEvent", "WebhookDisabled", "make_hooks_router"]

log = logging.getLogger(__name__)


class WebhookDisabled(DocprocError):
    reason = "webhook_disabled"
    fix = (
        "Set DOCPROC_WEBHOOK_TOKEN and give the same token to the store's notification "
        "(or set DOCPROC_WEBHOOK_OPEN=true if only the store can reach this port)."
    )
    http_status = 403
    exit_code = ExitCode.bad_arguments


class BadEvent(DocprocError):
    reason = "bad_event"
    fix = "Send a MinIO/S3 event ({'Records': [...]}) or a SeaweedFS event as a JSON object."
    http_status = 400
    exit_code = ExitCode.input_file


class WebhookUnauthorised(DocprocError):
    reason = "bad_webhook_token"
    fix = "Send 'Authorization: Bearer <DOCPROC_WEBHOOK_TOKEN>' with every bucket event."
    http_status = 401
    exit_code = ExitCode.bad_arguments


def _parse(body: bytes) -> list[ObjectRef]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadEvent("the body is not JSON") from exc
    if not isinstance(payload, dict):
        raise BadEvent("the event is not a JSON object")
    if "Records" in payload and not isinstance(payload["Records"], list):
        raise BadEvent("'Records' is not a list")
    try:
        return parse_object_event(payload)
    except (TypeError, KeyError, AttributeError, ValueError, IndexError) as exc:
        raise BadEvent(f"the event has an unexpected shape ({type(exc).__name__})") from exc


def make_hooks_router(
    get_store: Callable[[], ObjectStore],
    get_session_factory: Callable[[], sessionmaker[Session]],
    get_dispatch: Callable[[], Dispatch | None],
    token: SecretStr | None = None,
    *,
    open_without_token: bool = False,
) -> APIRouter:
    """An ``APIRouter`` with ``POST /hooks/s3``; mount it with ``app.include_router(router)``.

    Without a token the hook refuses every event (``webhook_disabled``) unless
    ``open_without_token`` (``DOCPROC_WEBHOOK_OPEN``) says otherwise.
    """
    router = APIRouter(tags=["hooks"])
    secret = token.get_secret_value() if token is not None else ""
    if not secret and open_without_token:
        log.warning("POST /hooks/s3 is open to anyone who can reach it (DOCPROC_WEBHOOK_OPEN)")

    @router.post("/hooks/s3")
    async def s3_hook(request: Request) -> dict[str, Any]:
        # The credentials are checked before the body is read (BodyLimit caps its size).
        if secret:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {secret}".encode()):
                raise WebhookUnauthorised("bad or missing bearer token")
        elif not open_without_token:
            raise WebhookDisabled("bucket events are off: no DOCPROC_WEBHOOK_TOKEN is set")
        refs = _parse(await request.body())
        # Storage and database calls block: keep them off the event loop. A DocprocError
        # (storage or database down: retryable, 503) goes to the app's one error handler.
        report = await run_in_threadpool(
            handle_object_event,
            refs,
            store=get_store(),
            session_factory=get_session_factory(),
            dispatch=get_dispatch(),
        )
        return {"objects": len(refs), **report.counts()}

    return router
