"""Erasure and legal holds (``/api/v1``, admins only): the API face of
:mod:`docproc.casework.erasure` (the command line's is ``docproc erase`` / ``docproc hold``)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from docproc.casework import erasure
from docproc.db.session import scrub_after_erasure
from docproc.web.deps import Admin, State

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["erasure"])

Subject = Literal["persons", "documents"]


class ErasureRequest(BaseModel):
    reason: str = Field(description=f"one of {', '.join(erasure.ERASURE_REASONS)}")
    reference: str | None = Field(
        default=None, max_length=64, description="e.g. the request number (never a name)"
    )


class HoldRequest(BaseModel):
    hold: bool


def _erase(
    state: State, subject: Subject, subject_id: uuid.UUID, body: ErasureRequest, actor: str
) -> dict[str, Any]:
    erase = erasure.erase_person if subject == "persons" else erasure.erase_document
    with state.transaction() as session:
        report = erase(
            session,
            state.services.store,
            subject_id,
            actor=actor,
            reason=body.reason,
            reference=body.reference,
        )
    scrub_after_erasure(state.services.engine)
    return report.to_json()


@router.post("/{subject}/{subject_id}/erase")
async def erase(
    subject: Subject, subject_id: uuid.UUID, body: ErasureRequest, state: State, principal: Admin
) -> dict[str, Any]:
    """Erase a person (with all their documents) or one document; refused under a legal hold."""
    return await run_in_threadpool(_erase, state, subject, subject_id, body, principal.username)


@router.put("/{subject}/{subject_id}/legal-hold")
def legal_hold(
    subject: Subject, subject_id: uuid.UUID, body: HoldRequest, state: State, principal: Admin
) -> dict[str, Any]:
    """Set or clear a legal hold: while set, nothing of the record can be erased or purged."""
    with state.transaction() as session:
        erasure.set_legal_hold(
            session, subject.removesuffix("s"), subject_id, body.hold, actor=principal.username
        )
    return {"subject": subject, "id": str(subject_id), "hold": body.hold}
