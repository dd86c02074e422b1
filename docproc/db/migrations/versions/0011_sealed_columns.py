"""Sealed personal columns: text columns for sealed values, blind indexes, data keys.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

* ``persons.surname``, ``given_names``, ``name_key``, ``documents.document_number`` and
  ``original_filename`` (an uploader's file name may be a person's name) become
  ``TEXT`` (a sealed value is longer than the plain one), ``persons.date_of_birth``
  ``YYYY-MM-DD`` text (a sealed date is text): ``ALTER ... TYPE`` on PostgreSQL; on SQLite each
  column is renamed, re-added as text, copied and dropped (no table rebuild: others refer to
  persons and documents).
* Blind indexes replace the indexes on plain values: ``persons.birth_date_index``,
  ``documents.number_index`` (indexed with ``issuing_country``), and ``person_name_words``
  (one row per word of the name key). Existing rows get the unkeyed index
  (:data:`docproc.db.sealed.UNKEYED`); ``docproc keys seal`` seals them and keys their indexes
  once encryption is configured.
* ``data_keys``: the database's data keys, wrapped by a key-encryption key.

The downgrade refuses while sealed values exist (they would be lost as text a date column
cannot hold): unseal them first by restoring a backup from before sealing.
"""

import hashlib
import hmac
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# docproc.db.sealed.UNKEYED and index_value, frozen as they were at this revision.
_UNKEYED = b"docproc-unkeyed-blind-index-v1"


def _index(kind: str, value: str) -> str:
    return hmac.new(_UNKEYED, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


_NAME_COLUMNS = (("surname", 200), ("given_names", 200), ("name_key", 400))
_NOT_NULL = "NOT NULL DEFAULT ''"


def _sqlite_retype(table: str, column: str, new_type: str) -> None:
    """Give a SQLite column a new declared type without rebuilding the table."""
    old = f"{column}_before_0011"
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {column} TO {old}")
    op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {new_type}")
    op.execute(f"UPDATE {table} SET {column} = {old}")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {old}")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "data_keys",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("kek_id", sa.String(length=64), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
    )
    op.create_table(
        "person_name_words",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("word_index", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_name_words_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "word_index", name=op.f("pk_person_name_words")),
    )
    op.create_index(op.f("ix_person_name_words_word_index"), "person_name_words", ["word_index"])

    op.drop_index("ix_persons_date_of_birth", table_name="persons")
    op.drop_index("ix_documents_number_country", table_name="documents")
    if sqlite:
        _sqlite_retype("persons", "date_of_birth", "TEXT")
        for column, _length in _NAME_COLUMNS:
            _sqlite_retype("persons", column, f"TEXT {_NOT_NULL}")
        _sqlite_retype("documents", "document_number", "TEXT")
        _sqlite_retype("documents", "original_filename", "TEXT")
    else:
        op.alter_column(
            "persons",
            "date_of_birth",
            type_=sa.Text(),
            postgresql_using="to_char(date_of_birth, 'YYYY-MM-DD')",
        )
        for column, _length in _NAME_COLUMNS:
            op.alter_column("persons", column, type_=sa.Text())
        op.alter_column("documents", "document_number", type_=sa.Text())
        op.alter_column("documents", "original_filename", type_=sa.Text())
    op.add_column("persons", sa.Column("birth_date_index", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_persons_birth_date_index"), "persons", ["birth_date_index"])
    op.add_column("documents", sa.Column("number_index", sa.String(length=64), nullable=True))
    op.create_index("ix_documents_number_country", "documents", ["number_index", "issuing_country"])
    _index_existing_rows()


def _index_existing_rows() -> None:
    bind = op.get_bind()
    persons = sa.table(
        "persons",
        sa.column("id", sa.Uuid()),
        sa.column("name_key", sa.Text()),
        sa.column("date_of_birth", sa.Text()),
        sa.column("birth_date_index", sa.String()),
    )
    words = sa.table(
        "person_name_words", sa.column("person_id", sa.Uuid()), sa.column("word_index", sa.String())
    )
    for person_id, key, born in bind.execute(
        sa.select(persons.c.id, persons.c.name_key, persons.c.date_of_birth)
    ).all():
        if born:
            bind.execute(
                persons.update()
                .where(persons.c.id == person_id)
                .values(birth_date_index=_index("birth_date", str(born)[:10]))
            )
        rows = [
            {"person_id": person_id, "word_index": _index("name_word", word)}
            for word in sorted(set((key or "").split()))
        ]
        if rows:
            bind.execute(words.insert(), rows)
    documents = sa.table(
        "documents",
        sa.column("id", sa.Uuid()),
        sa.column("document_number", sa.Text()),
        sa.column("number_index", sa.String()),
    )
    for document_id, number in bind.execute(
        sa.select(documents.c.id, documents.c.document_number).where(
            documents.c.document_number.is_not(None)
        )
    ).all():
        bind.execute(
            documents.update()
            .where(documents.c.id == document_id)
            .values(number_index=_index("document_number", number))
        )


_SEALED = (
    ("persons", ("surname", "given_names", "name_key", "date_of_birth")),
    ("documents", ("document_number", "original_filename")),
    ("extraction_fields", ("value",)),
    ("review_history", ("old_value", "new_value")),
)


def downgrade() -> None:
    bind = op.get_bind()
    for table, columns in _SEALED:
        where = " OR ".join(f"{c} LIKE :tag" for c in columns)
        query = sa.text(f"SELECT 1 FROM {table} WHERE {where} LIMIT 1")
        if bind.execute(query, {"tag": "enc:v1:%"}).first():
            raise RuntimeError(
                f"{table} holds sealed values: a downgrade below 0011 would lose them; "
                "restore a backup from before sealing instead"
            )
    sqlite = bind.dialect.name == "sqlite"
    op.drop_index("ix_documents_number_country", table_name="documents")
    op.drop_column("documents", "number_index")
    op.drop_index(op.f("ix_persons_birth_date_index"), table_name="persons")
    op.drop_column("persons", "birth_date_index")
    if sqlite:
        _sqlite_retype("persons", "date_of_birth", "DATE")
        for column, length in _NAME_COLUMNS:
            _sqlite_retype("persons", column, f"VARCHAR({length}) {_NOT_NULL}")
        _sqlite_retype("documents", "document_number", "VARCHAR(64)")
        _sqlite_retype("documents", "original_filename", "VARCHAR(255)")
    else:
        op.alter_column(
            "persons", "date_of_birth", type_=sa.Date(), postgresql_using="date_of_birth::date"
        )
        for column, length in _NAME_COLUMNS:
            op.alter_column("persons", column, type_=sa.String(length=length))
        op.alter_column("documents", "document_number", type_=sa.String(length=64))
        op.alter_column("documents", "original_filename", type_=sa.String(length=255))
    op.create_index(
        "ix_documents_number_country", "documents", ["document_number", "issuing_country"]
    )
    op.create_index("ix_persons_date_of_birth", "persons", ["date_of_birth"])
    op.drop_index(op.f("ix_person_name_words_word_index"), table_name="person_name_words")
    op.drop_table("person_name_words")
    op.drop_table("data_keys")
