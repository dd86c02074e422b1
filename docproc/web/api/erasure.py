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


@router.post("/persons/{person_id}/erase")
async def erase_person(
    person_id: uuid.UUID, body: ErasureRequest, state: State, principal: Admin
) -> dict[str, Any]:
    """Erase a person, everyone merged into them and all their documents; refused under a
    legal hold. Answers what kinds of data were erased and how many (no values)."""
    return await run_in_threadpool(_erase, state, "persons", person_id, body, principal.username)


@router.post("/documents/{document_id}/erase")
async def erase_document(
    document_id: uuid.UUID, body: ErasureRequest, state: State, principal: Admin
) -> dict[str, Any]:
    """Erase one document (its scan, artefacts, readings, review task and history)."""
    return await run_in_threadpool(
        _erase, state, "documents", document_id, body, principal.username
    )


def _hold(state: State, subject: str, subject_id: uuid.UUID, hold: bool, actor: str) -> None:
    with state.transaction() as session:
        erasure.set_legal_hold(session, subject, subject_id, hold, actor=actor)


@router.put("/persons/{person_id}/legal-hold")
def hold_person(
    person_id: uuid.UUID, body: HoldRequest, state: State, principal: Admin
) -> dict[str, Any]:
    """Set or clear a person's legal hold: while set, nothing of theirs is erased or purged."""
    _hold(state, "person", person_id, body.hold, principal.username)
    return {"person_id": str(person_id), "hold": body.hold}


@router.put("/documents/{document_id}/legal-hold")
def hold_document(
    document_id: uuid.UUID, body: HoldRequest, state: State, principal: Admin
) -> dict[str, Any]:
    """Set or clear a document's legal hold."""
    _hold(state, "document", document_id, body.hold, principal.username)
    return {"document_id": str(document_id), "hold": body.hold}
