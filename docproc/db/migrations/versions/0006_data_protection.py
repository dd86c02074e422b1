"""Data protection: erasable review history, legal holds, the audit trail's hash chain.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

* ``review_history``: what reviewers changed (old and new values), moved out of the append-only
  ``events``. Existing ``field_corrected`` events are copied into it and their ``old``/``new``
  cleared; reviewers' match notes are dropped from event details (the note stays on the match).
  Only this migration may change events: the append-only triggers are dropped and made again
  around that one step.
* ``persons.legal_hold`` and ``documents.legal_hold``: no erasure or purge while set.
* ``event_seals``: one SHA-256 per event, chained to the previous one; append-only.
* ``sites`` and ``user_sites``; ``site_id`` (indexed, no foreign key) on documents, persons and
  cases: need-to-know scoping.

Only new columns and tables, so no referenced table is rebuilt on SQLite.
"""

import json
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: Tables whose rows carry the site that created them (need-to-know).
_SITED = ("documents", "persons", "cases")

_PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION docproc_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""


def _triggers(table: str, create: bool) -> None:
    """The append-only triggers of ``events`` (as in 0001) or ``event_seals`` (new here)."""
    dialect = op.get_bind().dialect.name
    prefix = "events" if table == "events" else "event_seals"
    if dialect == "postgresql":
        if create:
            op.execute(_PG_APPEND_ONLY)
            op.execute(
                f"CREATE TRIGGER {prefix}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION docproc_events_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {prefix}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION docproc_events_append_only()"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {prefix}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {prefix}_append_only ON {table}")
    elif dialect == "sqlite":
        for operation in ("update", "delete"):
            if create:
                op.execute(
                    f"CREATE TRIGGER {prefix}_no_{operation} BEFORE {operation.upper()} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {prefix}_no_{operation}")


def _move_corrections_out_of_events() -> None:
    bind = op.get_bind()
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("entity_type", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("kind", sa.String),
        sa.column("old", sa.String),
        sa.column("new", sa.String),
        sa.column("actor", sa.String),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("detail", sa.JSON),
    )
    documents = {
        str(row[0]).replace("-", "") for row in bind.execute(sa.text("SELECT id FROM documents"))
    }
    history = sa.table(
        "review_history",
        sa.column("document_id", sa.Uuid),
        sa.column("task_id", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("field", sa.String),
        sa.column("old_value", sa.Text),
        sa.column("new_value", sa.Text),
        sa.column("actor", sa.String),
        sa.column("at", sa.DateTime(timezone=True)),
    )
    corrections = bind.execute(
        sa.select(events).where(
            events.c.kind == "field_corrected",
            sa.or_(events.c.old.is_not(None), events.c.new.is_not(None)),
        )
    ).all()
    for row in corrections:
        detail: dict[str, Any] = row.detail or {}
        if row.entity_id.replace("-", "") in documents:
            bind.execute(
                history.insert().values(
                    document_id=uuid.UUID(row.entity_id),
                    task_id=detail.get("task_id"),
                    version=detail.get("version"),
                    field=str(detail.get("field", "?"))[:64],
                    old_value=row.old,
                    new_value=row.new,
                    actor=row.actor,
                    at=row.at,
                )
            )
        bind.execute(events.update().where(events.c.id == row.id).values(old=None, new=None))
    decided = bind.execute(
        sa.select(events.c.id, events.c.detail).where(
            events.c.entity_type == "person_match", events.c.kind.in_(["merged", "kept_apart"])
        )
    ).all()
    for event_id, detail in decided:
        if isinstance(detail, str):
            detail = json.loads(detail)
        if isinstance(detail, dict) and detail.get("note") is not None:
            cleaned = {**detail, "note": True}
            bind.execute(events.update().where(events.c.id == event_id).values(detail=cleaned))


def upgrade() -> None:
    op.create_table(
        "review_history",
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_review_history_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_history")),
    )
    op.create_index(op.f("ix_review_history_document_id"), "review_history", ["document_id"])
    for table in ("persons", "documents"):
        op.add_column(
            table,
            sa.Column("legal_hold", sa.Boolean(), server_default=sa.false(), nullable=False),
        )
    op.create_table(
        "event_seals",
        sa.Column("event_id", _BIGINT_ID, autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_seals")),
    )
    _triggers("event_seals", create=True)
    op.create_table(
        "sites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("code", name=op.f("uq_sites_code")),
    )
    op.create_table(
        "user_sites",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sites_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_user_sites_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "site_id", name=op.f("pk_user_sites")),
    )
    for table in _SITED:
        op.add_column(table, sa.Column("site_id", sa.Uuid(), nullable=True))
        op.create_index(op.f(f"ix_{table}_site_id"), table, ["site_id"])
    _triggers("events", create=False)
    _move_corrections_out_of_events()
    _triggers("events", create=True)


def downgrade() -> None:
    for table in _SITED:
        op.drop_index(op.f(f"ix_{table}_site_id"), table_name=table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN site_id")
    op.drop_table("user_sites")
    op.drop_table("sites")
    # Corrections moved into review_history are not put back into the events.
    _triggers("event_seals", create=False)
    op.drop_table("event_seals")
    for table in ("documents", "persons"):
        # Natively on SQLite too (3.35+): a batch rebuild of a referenced table would cascade.
        op.execute(f"ALTER TABLE {table} DROP COLUMN legal_hold")
    op.drop_index(op.f("ix_review_history_document_id"), table_name="review_history")
    op.drop_table("review_history")
