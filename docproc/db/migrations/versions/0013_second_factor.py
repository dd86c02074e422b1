"""A second factor for logins: TOTP secrets, and sessions that still owe their code.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

* ``users.totp_secret``, ``users.totp_last_step``: the user's TOTP secret (NULL: none) and the
  last step a code was taken for.
* ``web_sessions.owes``: NULL for a full session; ``code`` or ``enrol`` while the password was
  right but the second factor is still owed (such a session opens no page but the login's).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild on SQLite would recreate tables others refer to.
    op.add_column("users", sa.Column("totp_secret", sa.Text(), nullable=True))
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.add_column("web_sessions", sa.Column("owes", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("owes")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
