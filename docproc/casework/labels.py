"""Learning from review: form labels reviewers assign to schema fields.

A registration form's label the lexicon does not know is kept as a raw pair (``form.raw:<label>``)
and shown to the reviewer, who may assign it to a schema field; a label read as the wrong field
may be assigned to the right one. The installation remembers each as a label variant (table
``label_variants``, one row per normalised label, with who set it and when; every change is an
event too), and processing hands :func:`label_variants` to the form reader with every form it
reads, so the next form printing that label is read with it.

Functions take a session and never commit (the caller owns the transaction).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.casework.review import get_task
from docproc.db import repo
from docproc.db.models import LabelVariant, utcnow
from docproc.errors import DocprocError, ExitCode
from docproc.reading.extract.schema import LabelVariants, label_key

__all__ = [
    "RAW_FIELD_PREFIX",
    "BadLabelMapping",
    "LabelMapping",
    "forget_label",
    "label_variants",
    "map_label",
    "mappings",
    "raw_label",
]

#: Stored name prefix of a form's raw pair (``form.raw:<label as read>``).
RAW_FIELD_PREFIX = "form.raw:"
#: The longest label kept (the column's width).
MAX_LABEL = 120


class BadLabelMapping(DocprocError):
    reason = "bad_label_mapping"
    fix = (
        "Give the label as printed on the form (letters, at most 120 characters) and one of "
        "the form schema's field keys (docs/extraction.md lists them)."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments


@dataclass(frozen=True)
class LabelMapping:
    """A label variant as the review pages show it."""

    label: str
    field: str
    set_by: str
    set_at: str  # ISO 8601, UTC

    def to_json(self) -> dict[str, str]:
        return {"label": self.label, "field": self.field, "set_by": self.set_by, "at": self.set_at}


def raw_label(field_name: str) -> str | None:
    """The label of a stored raw pair's name (``form.raw:Religion of father`` -> the label),
    ``None`` for any other field."""
    if not field_name.startswith(RAW_FIELD_PREFIX):
        return None
    return field_name[len(RAW_FIELD_PREFIX) :].split("@", 1)[0].strip() or None


def _clean(label: str) -> tuple[str, str]:
    shown = " ".join(label.split()).rstrip(" :*").strip()
    key = label_key(shown)
    if not key or not any(ch.isalpha() for ch in key) or len(shown) > MAX_LABEL:
        raise BadLabelMapping(f"not a label: {shown[:40]!r}")
    return shown, key


def _view(row: LabelVariant) -> LabelMapping:
    at = row.changed_at or row.created_at
    return LabelMapping(
        row.label, row.field, row.changed_by or row.created_by, at.isoformat(timespec="seconds")
    )


def map_label(
    session: Session,
    *,
    label: str,
    field: str,
    fields: Collection[str],
    actor: Principal,
    task_id: int | None = None,
) -> LabelMapping:
    """Remember that forms printing ``label`` mean ``field`` (one of ``fields``, the schema's
    keys); a label already mapped to another field is corrected. With ``task_id``, the task
    must be within the reviewer's sites; the event names it and its document."""
    if field not in fields:
        raise BadLabelMapping(f"unknown field {field[:64]!r}")
    shown, key = _clean(label)
    document_id: uuid.UUID | None = None
    if task_id is not None:
        document_id = get_task(session, task_id, actor).document_id
    row = session.scalar(select(LabelVariant).where(LabelVariant.label_key == key))
    old = row.field if row is not None else None
    if row is None:
        row = LabelVariant(label=shown, label_key=key, field=field, created_by=actor.username)
        session.add(row)
        kind = "label_mapped"
    elif row.field == field:
        return _view(row)
    else:
        row.field, row.label = field, shown
        row.changed_by, row.changed_at = actor.username, utcnow()
        kind = "label_remapped"
    session.flush()
    repo.record_event(
        session,
        entity_type="label_variant",
        entity_id=row.id,
        kind=kind,
        actor=actor.username,
        old=old,
        new=field,
        detail={
            "label": shown,
            "task_id": task_id,
            "document_id": str(document_id) if document_id else None,
            "via": actor.via,
        },
    )
    return _view(row)


def forget_label(session: Session, *, label: str, actor: Principal) -> bool:
    """Stop reading ``label`` as a field (the shipped lexicon reads it again); ``False`` when
    no such variant was kept."""
    _shown, key = _clean(label)
    row = session.scalar(select(LabelVariant).where(LabelVariant.label_key == key))
    if row is None:
        return False
    repo.record_event(
        session,
        entity_type="label_variant",
        entity_id=row.id,
        kind="label_forgotten",
        actor=actor.username,
        old=row.field,
        detail={"label": row.label, "via": actor.via},
    )
    session.delete(row)
    return True


def mappings(session: Session) -> list[LabelMapping]:
    """Every label variant the installation was taught, by label."""
    rows = session.scalars(select(LabelVariant).order_by(LabelVariant.label_key))
    return [_view(r) for r in rows]


def label_variants(session: Session) -> LabelVariants:
    """``(field, label)`` of every taught variant: what processing hands the form reader."""
    rows = session.execute(
        select(LabelVariant.field, LabelVariant.label).order_by(LabelVariant.id)
    ).all()
    return tuple((f, lab) for f, lab in rows)
