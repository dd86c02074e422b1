"""The ways documents come in: upload, bucket events, reconciliation (and ``docproc batch``).

* :func:`upload`: store the bytes by content hash, create the document ``queued``, dispatch it.
* :func:`handle_object_event` (behind the ``POST /hooks/s3`` route of :mod:`docproc.web.api.hooks`):
  MinIO / AWS-style S3 event notifications (``Records[].s3.bucket.name``,
  ``Records[].s3.object.key``, URL-encoded) and SeaweedFS filer webhooks (``{"key":
  "/buckets/<bucket>/<key>", "event_type": "create", "message": {...}}``). An event for an object
  that is not there is counted and ignored; an event for an original that already has a document
  does nothing.
* :func:`reconcile`: list a prefix and queue every object that has no document (by content
  hash); the safety net for events that never arrived.

Objects under ``originals/`` are named by their sha256 and are used in place; objects elsewhere
(a scanner dropping files into ``incoming/``) are copied to their content address first.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from sqlalchemy.orm import Session, sessionmaker

from docproc.db import repo
from docproc.db.models import Document
from docproc.db.session import session_scope
from docproc.errors import DocprocError
from docproc.processing.submit import Dispatch, submit_bytes
from docproc.storage import (
    DERIVED_PREFIX,
    ORIGINALS_PREFIX,
    InvalidKey,
    ObjectNotFound,
    ObjectStore,
    original_key,
    sha256_hex,
)

__all__ = [
    "EventReport",
    "ObjectRef",
    "handle_object_event",
    "parse_minio_event",
    "parse_object_event",
    "parse_seaweed_event",
    "reconcile",
    "upload",
]

log = logging.getLogger(__name__)

SEAWEED_BUCKETS_DIR = "/buckets/"


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One object an event or a listing points at."""

    bucket: str | None
    key: str


@dataclass
class EventReport:
    """Counts of what happened to the objects of an event or a reconciliation (no names)."""

    queued: int = 0
    existing: int = 0
    missing: int = 0
    ignored: int = 0
    failed: int = 0
    document_ids: list[uuid.UUID] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "queued": self.queued,
            "existing": self.existing,
            "missing": self.missing,
            "ignored": self.ignored,
            "failed": self.failed,
        }


# ------------------------------------------------------------------------------------- upload


def _dispatch_quietly(dispatch: Dispatch | None, document: Document) -> None:
    """Dispatch; if the broker is down the document stays queued and the sweeper sends it."""
    if dispatch is None:
        return
    try:
        dispatch(document.id)
    except DocprocError as exc:
        log.warning("document %s left queued: %s", document.id, exc.reason)


def upload(
    data: bytes,
    filename: str | None,
    *,
    store: ObjectStore,
    session_factory: sessionmaker[Session],
    dispatch: Dispatch | None,
    batch_id: uuid.UUID | None = None,
    actor: str = "upload",
) -> tuple[Document, bool]:
    """Store and queue an uploaded file; the same content twice is one document, sent once."""
    document, created = submit_bytes(
        data,
        filename,
        store=store,
        session_factory=session_factory,
        batch_id=batch_id,
        actor=actor,
    )
    if created:
        _dispatch_quietly(dispatch, document)
    return document, created


# ------------------------------------------------------------------------------------- events


def parse_minio_event(payload: dict[str, Any]) -> list[ObjectRef]:
    """Objects of an S3 event notification (MinIO, AWS, Ceph): keys are URL-encoded."""
    refs: list[ObjectRef] = []
    for record in payload.get("Records") or []:
        if not isinstance(record, dict):
            continue
        event_name = str(record.get("eventName", ""))
        if event_name and "ObjectCreated" not in event_name:
            continue
        s3 = record.get("s3") or {}
        key = (s3.get("object") or {}).get("key")
        if not isinstance(key, str) or not key:
            continue
        bucket = (s3.get("bucket") or {}).get("name")
        refs.append(ObjectRef(bucket if isinstance(bucket, str) else None, unquote_plus(key)))
    return refs


def parse_seaweed_event(
    payload: dict[str, Any], buckets_dir: str = SEAWEED_BUCKETS_DIR
) -> list[ObjectRef]:
    """The object of a SeaweedFS filer webhook (``[notification.webhook]``) for creates/renames.

    ``key`` is the filer path ``/buckets/<bucket>/<object key>``; a rename's new path is
    ``message.new_parent_path`` + ``message.new_entry.name``.
    """
    event_type = payload.get("event_type", "create")
    message = payload.get("message") or payload.get("message_data") or {}
    if event_type not in {"create", "update", "rename"}:
        return []
    new_entry = message.get("new_entry") if isinstance(message, dict) else None
    if isinstance(new_entry, dict) and new_entry.get("is_directory"):
        return []
    path = payload.get("key")
    if event_type == "rename" and isinstance(new_entry, dict) and message.get("new_parent_path"):
        path = f"{str(message['new_parent_path']).rstrip('/')}/{new_entry.get('name', '')}"
    if not isinstance(path, str) or not path.startswith(buckets_dir):
        return []
    bucket, _, key = path[len(buckets_dir) :].partition("/")
    return [ObjectRef(bucket, key)] if bucket and key else []


def parse_object_event(payload: Any) -> list[ObjectRef]:
    """Either shape, recognised by its fields; anything else yields no objects."""
    if not isinstance(payload, dict):
        return []
    if "Records" in payload:
        return parse_minio_event(payload)
    if "key" in payload and ("message" in payload or "event_type" in payload):
        return parse_seaweed_event(payload)
    return []


def _store_bucket(store: ObjectStore) -> str | None:
    bucket = getattr(store, "bucket", None)
    return bucket if isinstance(bucket, str) else None


def _ingest_object(
    ref: ObjectRef,
    *,
    store: ObjectStore,
    session_factory: sessionmaker[Session],
    dispatch: Dispatch | None,
    report: EventReport,
    actor: str,
) -> None:
    key = ref.key
    bucket = _store_bucket(store)
    if (ref.bucket is not None and bucket is not None and ref.bucket != bucket) or key.startswith(
        DERIVED_PREFIX
    ):
        report.ignored += 1
        return
    if key.startswith(ORIGINALS_PREFIX):
        digest = key.rsplit("/", 1)[-1]
        try:
            if original_key(digest) != key:
                raise InvalidKey(key)
        except InvalidKey:
            report.ignored += 1
            return
        with session_scope(session_factory) as session:
            if repo.get_document_by_sha256(session, digest) is not None:
                report.existing += 1
                return
        if store.stat(key) is None:
            report.missing += 1
            return
        with session_scope(session_factory) as session:
            document, created = repo.get_or_create_document(
                session, sha256=digest, source_key=key, actor=actor
            )
    else:
        try:
            data = store.get(key)
        except (ObjectNotFound, InvalidKey):
            report.missing += 1
            return
        with session_scope(session_factory) as session:
            if repo.get_document_by_sha256(session, sha256_hex(data)) is not None:
                report.existing += 1
                return
        document, created = submit_bytes(
            data,
            key.rsplit("/", 1)[-1],
            store=store,
            session_factory=session_factory,
            actor=actor,
        )
    if not created:
        report.existing += 1
        return
    report.queued += 1
    report.document_ids.append(document.id)
    _dispatch_quietly(dispatch, document)


def handle_object_event(
    refs: Iterable[ObjectRef],
    *,
    store: ObjectStore,
    session_factory: sessionmaker[Session],
    dispatch: Dispatch | None,
    actor: str = "bucket-event",
) -> EventReport:
    """Queue each new object; missing objects and known originals are counted, not errors.

    Retryable faults (storage or database down) propagate so that the sender retries the event.
    """
    report = EventReport()
    for ref in refs:
        _ingest_object(
            ref,
            store=store,
            session_factory=session_factory,
            dispatch=dispatch,
            report=report,
            actor=actor,
        )
    if report.missing or report.ignored:
        log.info("bucket event: %s", report.counts())
    return report


def reconcile(
    store: ObjectStore,
    prefix: str = "",
    *,
    session_factory: sessionmaker[Session],
    dispatch: Dispatch | None,
    actor: str = "reconcile",
) -> EventReport:
    """Queue every object under ``prefix`` that has no document (by content hash)."""
    refs = [
        ObjectRef(None, key) for key in store.list(prefix) if not key.startswith(DERIVED_PREFIX)
    ]
    return handle_object_event(
        refs, store=store, session_factory=session_factory, dispatch=dispatch, actor=actor
    )
