"""Claims with a lease: ``documents.lease_until``, renewed by the claim's owner while it reads.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

A claim whose lease has run out (its owner stopped renewing it: the process died, the host was
lost) is taken back by the next claim or sweep within seconds, instead of after
``DOCPROC_CLAIM_STALE_AFTER``. Rows claimed before this migration have no lease; for them the
old rule (a claim older than ``DOCPROC_CLAIM_STALE_AFTER``) still applies. Adding a nullable
column needs no table rebuild on SQLite, and the downgrade drops it in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # In place on SQLite (3.35+): a batch-mode rebuild of ``documents``, which other tables
    # reference, would cascade (see docs/storage-and-database.md, migrations).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE documents DROP COLUMN lease_until")
    else:
        op.drop_column("documents", "lease_until")
