"""Label variants reviewers taught the installation.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

* ``label_variants``: a form label (as printed) and the schema field it names, one row per
  normalised label, with who set it and when; the form reader is given them with every form.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "label_variants",
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("label_key", sa.String(length=120), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_variants")),
        sa.UniqueConstraint("label_key", name=op.f("uq_label_variants_label_key")),
    )


def downgrade() -> None:
    op.drop_table("label_variants")
