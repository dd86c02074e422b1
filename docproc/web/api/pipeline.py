"""``GET /api/v1/pipeline/status``: the pipeline for supervisors, as ``docproc status`` shows it
(counts by status and reason, stuck claims with age and owner, failures by class and their fix).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from docproc.processing.status import status_report
from docproc.web.deps import State, Supervisor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/pipeline/status")
def pipeline_status(state: State, principal: Supervisor) -> dict[str, Any]:
    """Documents by status and reason, stuck claims, failures by class with the fixing command."""
    report = status_report(state.services.session_factory, state.settings)
    return report.to_json()
