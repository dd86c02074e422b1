"""Accounts: API tokens that expire; failed logins counted in the database.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

* ``api_tokens.expires_at``: after it the token is refused. Tokens live at the upgrade get 90
  days from then (the default of ``DOCPROC_API_TOKEN_DAYS``), so none stays valid for ever.
* ``login_failures``: one row per failed login and throttle key, so the login throttle holds
  across web processes and restarts (it was in each process's memory).
* ``bulk_reads``: one row per bulk read (a long listing, an export) per user, so the bulk-read
  rate limit holds across web processes too.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild on SQLite would recreate a table others refer to.
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table(
        "api_tokens",
        sa.column("revoked_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    expiry = datetime.now(UTC) + timedelta(days=90)
    if op.get_bind().dialect.name == "sqlite":  # naive UTC there, as the models store it
        expiry = expiry.replace(tzinfo=None)
    op.execute(tokens.update().where(tokens.c.revoked_at.is_(None)).values(expires_at=expiry))
    op.create_table(
        "login_failures",
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=140), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_key_at", "login_failures", ["key", "at"])
    op.create_index(op.f("ix_login_failures_at"), "login_failures", ["at"])
    op.create_table(
        "bulk_reads",
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_reads")),
    )
    op.create_index("ix_bulk_reads_user_at", "bulk_reads", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_bulk_reads_user_at", table_name="bulk_reads")
    op.drop_table("bulk_reads")
    op.drop_index(op.f("ix_login_failures_at"), table_name="login_failures")
    op.drop_index("ix_login_failures_key_at", table_name="login_failures")
    op.drop_table("login_failures")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
