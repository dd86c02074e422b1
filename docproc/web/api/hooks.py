"""``POST /hooks/s3``: MinIO and SeaweedFS bucket notifications, handed to
:func:`docproc.processing.ingest.handle_object_event`.

The route answers 200 with counts for any well-formed event (so the sender does not retry an event
for a missing object forever) and 503 when storage or the database is down (so it does retry).
With ``DOCPROC_WEBHOOK_TOKEN`` set it requires ``Authorization: Bearer <token>`` (MinIO:
``MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_<ID>``; SeaweedFS: ``bearer_token`` in notification.toml).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from docproc.errors import DocprocError
from docproc.processing.ingest import handle_object_event, parse_object_event
from docproc.processing.submit import Dispatch
from docproc.storage import ObjectStore

__all__ = ["make_hooks_router"]


def make_hooks_router(
    get_store: Callable[[], ObjectStore],
    get_session_factory: Callable[[], sessionmaker[Session]],
    get_dispatch: Callable[[], Dispatch | None],
    token: SecretStr | None = None,
) -> APIRouter:
    """An ``APIRouter`` with ``POST /hooks/s3``; mount it with ``app.include_router(router)``."""
    router = APIRouter(tags=["hooks"])

    @router.post("/hooks/s3")
    async def s3_hook(request: Request) -> dict[str, Any]:
        if token is not None and token.get_secret_value():
            given = request.headers.get("authorization", "")
            expected = f"Bearer {token.get_secret_value()}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                raise HTTPException(status_code=401, detail="bad or missing bearer token")
        try:
            payload = await request.json()
        except ValueError as exc:
            raise HTTPException(status_code=400, detail="the body is not JSON") from exc
        refs = parse_object_event(payload)
        try:
            # Storage and database calls block: keep them off the event loop.
            report = await run_in_threadpool(
                handle_object_event,
                refs,
                store=get_store(),
                session_factory=get_session_factory(),
                dispatch=get_dispatch(),
            )
        except DocprocError as exc:
            status = exc.http_status if exc.retryable else 500
            raise HTTPException(status_code=status, detail=exc.to_dict()) from exc
        return {"objects": len(refs), **report.counts()}

    return router
