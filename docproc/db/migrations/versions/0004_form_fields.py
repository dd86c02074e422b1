"""Full extraction in the pipeline: field source ``form``; longer document status reasons.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

* ``extraction_fields.source`` accepts ``form`` (fields of registration forms). The CHECK
  constraint is replaced; on SQLite that rebuilds ``extraction_fields``, which no table references,
  so the rebuild cannot cascade.
* ``documents.status_reason`` grows from 64 to 200 characters (the length of
  ``review_tasks.reasons``) on PostgreSQL, so that MRZ and cross-check review reasons fit whole.
  SQLite does not enforce VARCHAR lengths; its declared length stays 64 (the model declares it as
  a variant) rather than rebuilding ``documents``, which other tables reference.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_SOURCES = ("mrz", "viz", "ner", "reviewer")
_NEW_SOURCES = ("mrz", "viz", "form", "ner", "reviewer")
_CONSTRAINT = "ck_extraction_fields_field_source"


def _set_sources(sources: tuple[str, ...]) -> None:
    allowed = ", ".join(f"'{s}'" for s in sources)
    with op.batch_alter_table("extraction_fields") as batch_op:
        batch_op.drop_constraint(op.f(_CONSTRAINT), type_="check")
        batch_op.create_check_constraint(op.f(_CONSTRAINT), f"source IN ({allowed})")


def _set_reason_length(length: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        "documents",
        "status_reason",
        existing_type=sa.String(length=64 if length > 64 else 200),
        type_=sa.String(length=length),
        existing_nullable=True,
    )


def upgrade() -> None:
    _set_sources(_NEW_SOURCES)
    _set_reason_length(200)


def downgrade() -> None:
    op.execute("UPDATE extraction_fields SET source = 'viz' WHERE source = 'form'")
    _set_sources(_OLD_SOURCES)
    op.execute(
        "UPDATE documents SET status_reason = substr(status_reason, 1, 64) "
        "WHERE length(status_reason) > 64"
    )
    _set_reason_length(64)
