"""People matching and cases: person name keys and merges, document identity, match candidates,
case roles.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Only new columns, indexes and one new table, so no table that others reference is rebuilt on
SQLite (a rebuild drops the table, and with foreign keys on that DROP would cascade).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CASE_ROLES = ("head", "spouse", "child", "other")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.add_column(
        "persons", sa.Column("name_key", sa.String(length=400), server_default="", nullable=False)
    )
    op.add_column("persons", sa.Column("merged_into_id", sa.Uuid(), nullable=True))
    op.add_column("persons", sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_persons_date_of_birth", "persons", ["date_of_birth"])
    op.create_index(op.f("ix_persons_merged_into_id"), "persons", ["merged_into_id"])

    op.add_column("documents", sa.Column("document_number", sa.String(length=64), nullable=True))
    op.add_column("documents", sa.Column("issuing_country", sa.String(length=3), nullable=True))
    op.create_index(
        "ix_documents_number_country", "documents", ["document_number", "issuing_country"]
    )

    # Case roles become an enumeration; earlier free-text roles ("member" by default) -> other.
    roles = ", ".join(f"'{r}'" for r in _CASE_ROLES)
    op.execute(f"UPDATE case_persons SET role = 'other' WHERE role NOT IN ({roles})")
    with op.batch_alter_table("case_persons") as batch_op:
        batch_op.alter_column(
            "role",
            existing_type=sa.String(length=32),
            type_=sa.String(length=16),
            existing_nullable=False,
        )
        batch_op.create_check_constraint(op.f("ck_case_persons_case_role"), f"role IN ({roles})")

    op.create_table(
        "person_matches",
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("person_a_id", sa.Uuid(), nullable=False),
        sa.Column("person_b_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            _enum("match_status", "pending", "merged", "kept_apart", "obsolete"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "person_a_id <> person_b_id", name=op.f("ck_person_matches_distinct_persons")
        ),
        sa.CheckConstraint("score >= 0 AND score <= 1", name=op.f("ck_person_matches_score_range")),
        sa.ForeignKeyConstraint(
            ["person_a_id"],
            ["persons.id"],
            name=op.f("fk_person_matches_person_a_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_b_id"],
            ["persons.id"],
            name=op.f("fk_person_matches_person_b_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_person_matches_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_matches")),
        sa.UniqueConstraint(
            "person_a_id", "person_b_id", name=op.f("uq_person_matches_person_a_id_person_b_id")
        ),
    )
    op.create_index(
        op.f("ix_person_matches_person_a_id"), "person_matches", ["person_a_id"], unique=False
    )
    op.create_index(
        op.f("ix_person_matches_person_b_id"), "person_matches", ["person_b_id"], unique=False
    )
    op.create_index(
        "ix_person_matches_status_created_at",
        "person_matches",
        ["status", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_person_matches_status_created_at", table_name="person_matches")
    op.drop_index(op.f("ix_person_matches_person_b_id"), table_name="person_matches")
    op.drop_index(op.f("ix_person_matches_person_a_id"), table_name="person_matches")
    op.drop_table("person_matches")

    with op.batch_alter_table("case_persons") as batch_op:
        batch_op.drop_constraint(op.f("ck_case_persons_case_role"), type_="check")
        batch_op.alter_column(
            "role",
            existing_type=sa.String(length=16),
            type_=sa.String(length=32),
            existing_nullable=False,
        )

    op.drop_index("ix_documents_number_country", table_name="documents")
    _drop_columns("documents", "issuing_country", "document_number")
    op.drop_index(op.f("ix_persons_merged_into_id"), table_name="persons")
    op.drop_index("ix_persons_date_of_birth", table_name="persons")
    _drop_columns("persons", "merged_at", "merged_into_id", "name_key")


def _drop_columns(table: str, *columns: str) -> None:
    """Drop plain columns; SQLite (3.35+) in place, never by rebuilding a referenced table."""
    for column in columns:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
        else:
            op.drop_column(table, column)
