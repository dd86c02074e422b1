"""Uploads: check, store, queue, and read in reader processes (or threads, or Celery workers).

By default (``DOCPROC_DISPATCH=process``) reader processes under ``DOCPROC_READ_MEMORY_LIMIT``
(:class:`docproc.processing.readers.ReaderPool`) read each upload; with
``DOCPROC_DISPATCH=thread`` a small thread pool in the web process runs
:func:`docproc.processing.process.process_document` for each upload. With
``DOCPROC_DISPATCH=celery`` the document is sent to the workers' queue instead; review tasks for
documents finished there are opened when the queue is next looked at
(:func:`docproc.casework.review.sync_queue`).
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from docproc.casework import review
from docproc.casework.auth import Principal
from docproc.casework.documents import Upload, first_upload
from docproc.config import Settings
from docproc.db import repo
from docproc.db.models import Document
from docproc.db.session import session_scope
from docproc.errors import DocprocError, ImageTooLarge
from docproc.processing.process import process_document
from docproc.processing.submit import Dispatch, submit_bytes
from docproc.reading.intake import check_file
from docproc.services import Services
from docproc.web.deps import AppState

__all__ = ["Accepted", "accept_upload", "make_dispatch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    """An upload taken in: its document, whether it is new, and for a file seen before when
    and by whom it was first uploaded (None when that is outside the caller's sites)."""

    document: Document
    created: bool
    duplicate_of: Upload | None = None


def accept_upload(state: AppState, data: bytes, filename: str | None, actor: Principal) -> Accepted:
    """Refuse a bad file with its reason code (before storing anything), else store and queue it.

    The checks are the intake's header-only ones (format, bytes, pages, pixels, a file cut
    short): a decompression bomb is refused without decoding a pixel. A file uploaded before
    (the same bytes) is not stored again: the earlier document is returned with its first
    upload.
    """
    settings = state.settings
    if len(data) > settings.max_file_bytes:
        raise ImageTooLarge(f"the upload is over the limit of {settings.max_file_bytes:,} bytes")
    name = (filename or "upload")[-255:]
    check_file(data, filename=name, settings=settings)  # also refuses a truncated file
    document, created = submit_bytes(
        data,
        name,
        store=state.services.store,
        session_factory=state.services.session_factory,
        actor=actor.username,
    )
    duplicate_of = None
    with session_scope(state.services.session_factory) as session:
        stored = repo.get_document(session, document.id)
        if created and stored is not None:
            # who and which desk uploaded it (need-to-know), set before anyone reads it
            stored.uploaded_by = actor.username
            if actor.home_site is not None:
                stored.site_id = actor.home_site
        elif stored is not None and actor.sees_site(stored.site_id):
            duplicate_of = first_upload(session, stored)
        repo.record_event(
            session,
            entity_type="document",
            entity_id=document.id,
            kind="uploaded",
            actor=actor.username,
            detail={"via": actor.via, "new": created},
        )
    if created:
        try:
            state.dispatch(document.id)
        except DocprocError as exc:  # the sweeper sends documents left queued
            log.warning("document %s left queued: %s", document.id, exc.reason)
    return Accepted(document, created, duplicate_of)


def _process_in_thread(
    document_id: uuid.UUID,
    services: Services,
    settings: Settings,
    worker_name: str,
    sample_rate: float,
) -> None:
    try:
        process_document(
            document_id,
            store=services.store,
            session_factory=services.session_factory,
            worker_name=worker_name,
            settings=settings,
        )
        _open_task(services.session_factory, document_id, sample_rate)
    except DocprocError as exc:
        log.warning("document %s not processed: %s", document_id, exc.reason)
    except Exception:  # a bug must not kill the pool thread silently
        log.exception("document %s: unexpected error in background processing", document_id)


def _open_task(factory: sessionmaker[Session], document_id: uuid.UUID, sample_rate: float) -> None:
    with session_scope(factory) as session:
        document = repo.get_document(session, document_id)
        if document is not None:
            review.open_task_for(session, document, sample_rate)


def make_dispatch(
    services: Services, settings: Settings, sample_rate: float, worker_name: str
) -> tuple[Dispatch, Executor | None]:
    """The dispatch function for ``DOCPROC_DISPATCH`` (and the pool to shut down, if any)."""
    if settings.dispatch == "process":  # the default: reader processes under a memory limit
        from docproc.processing.readers import ReaderPool

        readers = ReaderPool(
            settings,
            sample_rate=sample_rate,
            store_url=services.store_url,
            database_url=services.database_url,
        )
        return readers, readers
    if settings.dispatch == "celery":
        from docproc.processing.queue import make_celery, make_dispatcher

        # The app's own broker and queue (not the module-level app's, built from the environment).
        return make_dispatcher(make_celery(settings=settings), settings.queue), None
    executor = ThreadPoolExecutor(
        max_workers=max(1, settings.workers), thread_name_prefix="docproc-read"
    )

    def submit(document_id: uuid.UUID) -> None:
        executor.submit(
            _process_in_thread, document_id, services, settings, worker_name, sample_rate
        )

    return submit, executor
