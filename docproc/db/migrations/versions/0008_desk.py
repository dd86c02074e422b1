"""The desk finds things: who uploaded a document, and a case's UNHCR/IOM case number.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

* ``documents.uploaded_by``: the user name of the first upload (NULL for batch runs and for
  documents uploaded before this revision; their ``created`` event still names the actor).
* ``cases.external_number``: the case number another agency gave the household (UNHCR, IOM),
  searchable from the people and documents pages.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild on SQLite would recreate tables others refer to.
    op.add_column("documents", sa.Column("uploaded_by", sa.String(200), nullable=True))
    op.create_index("ix_documents_uploaded_by", "documents", ["uploaded_by", "created_at"])
    op.add_column("cases", sa.Column("external_number", sa.String(64), nullable=True))
    op.create_index("ix_cases_external_number", "cases", ["external_number"])


def downgrade() -> None:
    op.drop_index("ix_cases_external_number", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("external_number")
    op.drop_index("ix_documents_uploaded_by", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("uploaded_by")
