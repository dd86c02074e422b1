"""Server-rendered pages: the review queue and the review task.

A decision (accept, fix, reject) moves the reviewer to the next task of the queue, claimed for
them, with a banner to undo it. A fix that does not fit a field comes back as the task page with
the refusal beside the field (and what was typed kept), never as an error page.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from docproc.casework import decisions, review
from docproc.casework.auth import Principal
from docproc.casework.review_fields import (
    SOURCES,
    entity_fields,
    field_rows,
    mrz_segment,
    other_fields,
    raw_pairs,
)
from docproc.casework.validation import (
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    BadFix,
    check_digit_of,
    editable,
    field_errors,
    mrz_check_digits,
)
from docproc.db.models import MRZ_FIELDS, ReviewState
from docproc.reading.mrz.countries import KNOWN_CODES
from docproc.storage import ObjectNotFound, ObjectStore, derived_key
from docproc.web.deps import AppState, Reviewer, RowId, State, Supervisor
from docproc.web.i18n import N_
from docproc.web.imaging import has_portrait
from docproc.web.labels import is_warning
from docproc.web.render import render, request_localizer

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: Refusals of a fix, by code, as the reviewer reads them beside the field.
FIX_MESSAGES = {
    "not_a_date": N_("Write the date as YYYY-MM-DD, e.g. 1978-05-17."),
    "implausible_birth_date": N_("Not a possible date of birth."),
    "not_a_country_code": N_("Write a 3-letter country code, e.g. IDN."),
    "unknown_country": N_("Not a known country code."),
    "not_a_sex": N_("Write M, F or X."),
    "not_a_letter": N_("Letters only (and - ' . ,)."),
    "too_long": N_("Too long: at most %(limit)s characters."),
    "not_a_document_number": N_("Letters and digits only, up to 20."),
    "not_a_document_code": N_("A document code: P, I, ID, V, …"),
    "not_optional_data": N_("Letters and digits only, up to 30."),
    "control_character": N_("Contains a control or direction character."),
    "unknown_field": N_("This field cannot be corrected here."),
    "nothing_changed": N_("Nothing was changed: accept the record instead."),
    "check_ok": N_("Check digit matches the MRZ."),
    "check_differs": N_("Check digit %(typed)s; the MRZ printed %(printed)s."),
}
#: The sources of a reading, as the column headings say them.
SOURCE_NAMES = {
    "mrz": N_("MRZ"),
    "viz": N_("Printed page"),
    "form": N_("Form"),
    "reviewer": N_("Reviewer"),
    "ner": N_("Text"),
}
#: A decision, as the banner on the next task says it.
DECIDED = {
    "accepted": N_("Accepted task %(n)s."),
    "fixed": N_("Saved the fix of task %(n)s."),
    "rejected": N_("Rejected task %(n)s."),
}
#: A review task's state, in words.
STATE_NAMES = {
    "open": N_("open"),
    "claimed": N_("claimed"),
    "accepted": N_("accepted"),
    "fixed": N_("fixed"),
    "rejected": N_("rejected"),
}
REJECT_NAMES = {
    "illegible": N_("Illegible"),
    "not_a_travel_document": N_("Not a travel document"),
    "wrong_person": N_("Wrong person"),
    "suspected_fraud": N_("Suspected fraud"),
    "duplicate": N_("Duplicate"),
    "other": N_("Other"),
}
_MAX_SENTENCE = 240


def _derived(store: ObjectStore, document_id: uuid.UUID, name: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(store.get(derived_key(document_id, name)))
    except (ObjectNotFound, ValueError):
        return {}
    return data


def _sentence(text: str, value: str) -> str | None:
    """The sentence of ``text`` in which ``value`` first occurs (shortened), or None."""
    at = text.find(value)
    if at < 0:
        return None
    marks = ".!?\n"
    start = max(text.rfind(m, 0, at) for m in marks) + 1
    ends = [i for i in (text.find(m, at + len(value)) for m in marks) if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    sentence = " ".join(text[start:end].split())
    return sentence if len(sentence) <= _MAX_SENTENCE else sentence[: _MAX_SENTENCE - 1] + "…"


def _entities(store: ObjectStore, document_id: uuid.UUID, fields: list[Any]) -> list[Any]:
    pages: dict[int, str] = {}
    shown = []
    for f in fields:
        if f.sentence:  # stored with the entity (since migration 0012)
            shown.append((f, f.sentence))
            continue
        page = f.page or 0  # older records: find the value in the page's OCR text
        if page not in pages:
            pages[page] = str(_derived(store, document_id, f"page-{page}.ocr.json").get("text", ""))
        shown.append((f, _sentence(pages[page], f.value or "")))
    return shown


def _box(box: tuple[int, int, int, int] | None) -> str:
    return ",".join(str(v) for v in box) if box else ""


def _task_context(
    state: AppState,
    session: Any,
    task_id: int,
    principal: Principal,
    *,
    edits: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    after: int | None = None,
) -> dict[str, Any]:
    store = state.services.store
    task = review.get_task(session, task_id, principal)
    mrz = _derived(store, task.document_id, "mrz.json")
    record = review.document_record(
        session,
        task.document_id,
        principal,
        checks={str(k): bool(v) for k, v in (mrz.get("checks") or {}).items()},
        mrz_page=int(mrz.get("page") or 0) if mrz else None,
    )
    rows = field_rows(record.fields, review.machine_fields(session, task.document_id))
    quad = [(float(x), float(y)) for x, y in mrz.get("quad") or []]
    mine = task.state is ReviewState.claimed and task.claimed_by == principal.username
    digits = mrz_check_digits(record.doc_type, [str(line) for line in mrz.get("lines") or []])
    undo = None
    if after is not None:
        event = decisions.undoable(session, after, principal)
        if event is not None:
            undo = {"task": after, "kind": event.kind}
    expired = task.claimed_at is not None and task.claimed_at < review.claim_cutoff(
        state.settings.review_claim_timeout
    )
    return {
        "task": task,
        "record": record,
        "rows": rows,
        "sources": [s for s in SOURCES if any(row.reading(s) for row in rows)],
        "source_names": SOURCE_NAMES,
        "segments": {row.name: _box(mrz_segment(record.doc_type, quad, row.name)) for row in rows},
        "mrz_box": _box(_zone_box(quad)),
        "mrz_page": int(mrz.get("page") or 0) + 1 if mrz else None,
        "box": _box,
        "check_digits": digits,
        "typed_digits": {
            row.name: check_digit_of(row.name, (edits or {}).get(row.name) or row.value)
            for row in rows
            if row.name in digits
        },
        "others": other_fields(record.fields, rows),
        "entities": _entities(store, task.document_id, entity_fields(record.fields)),
        "raw_pairs": raw_pairs(record.fields),
        "doubts": [r for r in task.reasons.split(",") if r and not is_warning(r)],
        "doc_warnings": list(
            dict.fromkeys(
                w
                for w in [*task.reasons.split(","), *(mrz.get("document_warnings") or [])]
                if w and is_warning(w)
            )
        ),
        "state_names": STATE_NAMES,
        "mine": mine,
        "claim_expired": expired and task.state is ReviewState.claimed,
        "reject_reasons": decisions.REJECT_REASONS,
        "reject_names": REJECT_NAMES,
        "page_count": max(1, record.pages or 1),
        "edits": edits or {},
        "errors": errors or {},
        "undo": undo,
        "decided": DECIDED,
        "reviewers": review.reviewers(session) if principal.may("supervisor") else [],
        "timeout": state.settings.review_claim_timeout,
        "portrait": has_portrait(store, task.document_id),
    }


def _zone_box(quad: list[tuple[float, float]]) -> tuple[int, int, int, int] | None:
    """The bounding box of the MRZ's quad (the zone a field without a box of its own came from)."""
    if not quad:
        return None
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    return int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys))


def _client_data(request: Request, state: AppState, principal: Principal) -> str:
    """What task.js needs besides the markup: the refusals in the reader's language, the known
    country codes and how often to renew the claim (JSON in a data attribute: no inline script)."""
    _ = request_localizer(request, state, principal).gettext
    messages = {code: _(text) for code, text in FIX_MESSAGES.items() if "%(" not in text}
    messages["too_long"] = _(FIX_MESSAGES["too_long"], limit=MAX_NAME_LENGTH)
    messages["too_long_text"] = _(FIX_MESSAGES["too_long"], limit=MAX_TEXT_LENGTH)
    messages["check_differs"] = _(
        FIX_MESSAGES["check_differs"], typed="{typed}", printed="{printed}"
    )
    return json.dumps(
        {
            "messages": messages,
            "countries": sorted(KNOWN_CODES),
            "renew_seconds": max(15.0, state.settings.review_claim_timeout / 3),
        }
    )


def _render_task(
    state: AppState,
    request: Request,
    principal: Principal,
    task_id: int,
    *,
    status_code: int = 200,
    **kwargs: Any,
) -> HTMLResponse:
    with state.transaction() as session:
        context = _task_context(state, session, task_id, principal, **kwargs)
    response = render(
        state,
        request,
        "task.html",
        principal,
        client_data=_client_data(request, state, principal),
        **context,
    )
    response.status_code = status_code
    return response


def _next(state: AppState, principal: Principal, decided: int) -> RedirectResponse:
    """To the next task of the queue (claimed for the reviewer), with the undo banner."""
    with state.transaction() as session:
        task = review.take_next(session, principal, timeout=state.settings.review_claim_timeout)
    if task is None:
        return RedirectResponse(f"/review?after={decided}", status_code=303)
    return RedirectResponse(f"/review/{task.id}?after={decided}", status_code=303)


@router.get("/review")
def queue_page(
    request: Request,
    state: State,
    principal: Reviewer,
    reason: str | None = None,
    after: int | None = None,
) -> HTMLResponse:
    with state.transaction() as session:
        review.sync_queue(session, state.sample_rate)
        tasks = review.queue(
            session,
            reason=reason or None,
            actor=principal,
            timeout=state.settings.review_claim_timeout,
        )
        reasons = review.queue_reasons(session)
        event = decisions.undoable(session, after, principal) if after is not None else None
    return render(
        state,
        request,
        "queue.html",
        principal,
        tasks=tasks,
        reasons=reasons,
        reason=reason or "",
        undo={"task": after, "kind": event.kind} if event is not None else None,
        decided=DECIDED,
    )


@router.post("/review/next")
def next_page(state: State, principal: Reviewer) -> RedirectResponse:
    """Claim the next task of the queue and open it (back to the queue when there is none)."""
    with state.transaction() as session:
        task = review.take_next(session, principal, timeout=state.settings.review_claim_timeout)
    return RedirectResponse(f"/review/{task.id}" if task else "/review", status_code=303)


@router.post("/review/{task_id}/claim")
def claim_page(task_id: RowId, state: State, principal: Reviewer) -> RedirectResponse:
    with state.transaction() as session:
        review.claim(session, task_id, principal, timeout=state.settings.review_claim_timeout)
    return RedirectResponse(f"/review/{task_id}", status_code=303)


@router.get("/review/{task_id}")
def task_page(
    task_id: RowId,
    request: Request,
    state: State,
    principal: Reviewer,
    after: int | None = None,
) -> HTMLResponse:
    return _render_task(state, request, principal, task_id, after=after)


@router.post("/review/{task_id}/accept")
def accept_page(task_id: RowId, state: State, principal: Reviewer) -> RedirectResponse:
    with state.transaction() as session:
        decisions.accept(session, task_id, principal)
    return _next(state, principal, task_id)


@router.post("/review/{task_id}/fix", response_model=None)
async def fix_page(
    task_id: RowId, request: Request, state: State, principal: Reviewer
) -> HTMLResponse | RedirectResponse:
    form = await request.form()
    edits = {
        name[len("field_") :]: str(value)
        for name, value in form.items()
        if name.startswith("field_") and isinstance(value, str)
    }
    _ = request_localizer(request, state, principal).gettext

    def message(refused: BadFix) -> str:
        text = FIX_MESSAGES.get(refused.code, "")
        return _(text, **refused.params) if text else str(refused)

    def save() -> dict[str, str]:
        typed = {
            k: decisions.typed_value(k, v)
            for k, v in edits.items()
            if k in MRZ_FIELDS or editable(k)
        }
        refusals = field_errors(typed)
        if refusals:
            return {name: message(refused) for name, refused in refusals.items()}
        try:
            with state.transaction() as session:
                decisions.fix(session, task_id, edits, principal)
        except BadFix as refused:
            return {refused.field or "": message(refused)}
        except decisions.BadReview as refused:
            if "nothing was changed" not in str(refused):
                raise
            return {"": _(FIX_MESSAGES["nothing_changed"])}
        return {}

    errors = await run_in_threadpool(save)
    if errors:
        return await run_in_threadpool(
            lambda: _render_task(
                state, request, principal, task_id, status_code=422, edits=edits, errors=errors
            )
        )
    return await run_in_threadpool(_next, state, principal, task_id)


@router.post("/review/{task_id}/reject")
def reject_page(
    task_id: RowId, state: State, principal: Reviewer, reason: str = Form(...)
) -> RedirectResponse:
    with state.transaction() as session:
        decisions.reject(session, task_id, reason, principal)
    return _next(state, principal, task_id)


@router.post("/review/{task_id}/release")
def release_page(task_id: RowId, state: State, principal: Reviewer) -> RedirectResponse:
    with state.transaction() as session:
        review.release(session, task_id, principal)
    return RedirectResponse("/review", status_code=303)


@router.post("/review/{task_id}/undo")
def undo_page(
    task_id: RowId,
    state: State,
    principal: Reviewer,
    release: int | None = Form(None),
) -> RedirectResponse:
    """Undo the last decision; the task the reviewer was moved on to goes back to the queue."""
    with state.transaction() as session:
        decisions.undo(session, task_id, principal, timeout=state.settings.review_claim_timeout)
        if release is not None and release != task_id:
            # already decided or not theirs: nothing to give back
            with contextlib.suppress(review.TaskTaken, review.TaskClosed, review.NotFound):
                review.release(session, release, principal)
    return RedirectResponse(f"/review/{task_id}", status_code=303)


@router.post("/review/{task_id}/reassign")
def reassign_page(
    task_id: RowId, state: State, principal: Supervisor, to: str = Form(...)
) -> RedirectResponse:
    with state.transaction() as session:
        review.reassign(session, task_id, to, principal)
    return RedirectResponse(f"/review/{task_id}", status_code=303)
