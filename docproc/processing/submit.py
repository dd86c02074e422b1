"""Submitting an original: store it by its sha256 and create its document ``queued``."""

from __future__ import annotations

import logging
import mimetypes
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from docproc.db import repo
from docproc.db.models import Document
from docproc.db.session import session_scope
from docproc.storage import ObjectStore, put_original, sha256_hex

log = logging.getLogger(__name__)

#: Sends one queued document to whatever reads it (a Celery queue, a thread pool, a list in a test).
Dispatch = Callable[[uuid.UUID], None]


def media_type_for(filename: str | None) -> str:
    guessed = mimetypes.guess_type(filename or "")[0]
    return guessed or "application/octet-stream"


def submit_bytes(
    data: bytes,
    filename: str | None,
    *,
    store: ObjectStore,
    session_factory: sessionmaker[Session],
    batch_id: uuid.UUID | None = None,
    actor: str = "intake",
) -> tuple[Document, bool]:
    """Store an original by its sha256 and create its document ``queued``.

    The same content twice makes one document: the second call returns it with ``created`` False.
    """
    stored, _ = put_original(store, data, media_type_for(filename))
    with session_scope(session_factory) as session:
        return repo.get_or_create_document(
            session,
            sha256=sha256_hex(data),
            source_key=stored.key,
            filename=(filename or "")[-255:] or None,
            media_type=media_type_for(filename),
            batch_id=batch_id,
            actor=actor,
        )
