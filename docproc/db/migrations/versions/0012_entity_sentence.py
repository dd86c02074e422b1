"""Entities keep the sentence they were found in.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

* ``extraction_fields.sentence``: for an entity field (``entity.<LABEL>.<n>``), the sentence of
  the text the tagger found it in, as the tagger returned it. The desk and review pages show it
  from here instead of searching the page's OCR text for the value again. Older rows have none
  (the pages then fall back to the search).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (nullable): no batch rebuild on SQLite.
    op.add_column("extraction_fields", sa.Column("sentence", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("extraction_fields") as batch:
        batch.drop_column("sentence")
