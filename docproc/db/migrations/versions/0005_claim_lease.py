"""Claims with a lease: ``documents.lease_until``, renewed by the claim's owner while it reads.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

A claim whose lease has run out (its owner stopped renewing it: the process died, the host was
lost) is taken back by the next claim or sweep within seconds, instead of after
``DOCPROC_CLAIM_STALE_AFTER``. Rows claimed before this migration have no lease; for them the
old rule (a claim older than ``DOCPROC_CLAIM_STALE_AFTER``) still applies. Adding a nullable
column needs no table rebuild on SQLite.
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
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_column("lease_until")
