"""The database's data keys, the blind indexes kept current on every flush, and the commands'
work: sealing rows stored in the clear, re-wrapping the data keys after a KEK rotation.

:func:`install_cipher` (called by :func:`docproc.db.session.make_engine` when a keyring is
configured) registers a loader for the engine: on first need it reads the ``data_keys`` rows
(``db-values`` and ``db-index``), making them if the database has none, and unwraps them with
the keyring. The sealed columns and blind indexes are described in :mod:`docproc.db.sealed`.
"""

from __future__ import annotations

import base64
import contextlib
import os
import weakref
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, event, func, or_, select, type_coerce
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, attributes
from sqlalchemy.types import Text

from docproc.db.models import (
    DataKey,
    Document,
    ExtractionField,
    Person,
    PersonNameWord,
    ReviewHistory,
    User,
)
from docproc.db.sealed import (
    TAG,
    BlindIndex,
    ColumnCipher,
    ValueTampered,
    blind_index_of,
    register_cipher,
)
from docproc.keyring import EncryptionKeyError, Keyring

__all__ = [
    "INDEX_KEY",
    "VALUES_KEY",
    "SealReport",
    "blind_index",
    "install_cipher",
    "refresh_indexes",
    "rewrap_data_keys",
    "seal_database",
    "unsealed_rows",
]

VALUES_KEY = "db-values"
INDEX_KEY = "db-index"
_NONCE = 12


def _aad(key_id: str) -> bytes:
    return b"docproc-db-key:" + key_id.encode()


def _wrap(keyring: Keyring, key_id: str, key: bytes) -> tuple[str, str]:
    nonce = os.urandom(_NONCE)
    wrapped = AESGCM(keyring.kek(keyring.current)).encrypt(nonce, key, _aad(key_id))
    return keyring.current, base64.b64encode(nonce + wrapped).decode()


def _unwrap(keyring: Keyring, row: DataKey) -> bytes:
    raw = base64.b64decode(row.wrapped)
    try:
        return AESGCM(keyring.kek(row.kek_id)).decrypt(raw[:_NONCE], raw[_NONCE:], _aad(row.id))
    except InvalidTag:
        raise ValueTampered(
            f"the data key {row.id!r} does not unwrap with {row.kek_id!r}"
        ) from None


def _load_cipher(engine: Engine, keyring: Keyring) -> ColumnCipher:
    """Read (or make, once per database) the data keys and unwrap them."""
    for _ in range(2):
        with Session(engine) as session, session.begin():
            rows = {row.id: row for row in session.scalars(select(DataKey))}
            missing = [
                (k, p) for k, p in ((VALUES_KEY, "values"), (INDEX_KEY, "index")) if k not in rows
            ]
            if not missing:
                keys = {key_id: _unwrap(keyring, row) for key_id, row in rows.items()}
                return ColumnCipher(VALUES_KEY, keys, keys[INDEX_KEY])
            try:
                with session.begin_nested():
                    for key_id, purpose in missing:
                        kek_id, wrapped = _wrap(keyring, key_id, AESGCM.generate_key(256))
                        session.add(
                            DataKey(id=key_id, purpose=purpose, kek_id=kek_id, wrapped=wrapped)
                        )
            except IntegrityError:
                pass  # another process made them first: read theirs
    raise EncryptionKeyError("the database's data keys could not be made")


def install_cipher(engine: Engine, keyring: Keyring) -> None:
    """Seal the sealed columns of ``engine`` with ``keyring``'s data keys.

    The keys are loaded now when the ``data_keys`` table exists (so no writing transaction is
    open when they are first made), otherwise on first use (a database not migrated yet)."""
    loaded: list[ColumnCipher] = []
    # the registry is keyed weakly by the engine's dialect: a loader holding the engine itself
    # would keep every engine ever sealed (and its pool) alive
    engine_ref = weakref.ref(engine)

    def loader() -> ColumnCipher:
        if not loaded:
            live = engine_ref()
            if live is None:
                raise EncryptionKeyError("the engine this cipher was for is gone")
            loaded.append(_load_cipher(live, keyring))
        return loaded[0]

    register_cipher(engine.dialect, loader)
    with contextlib.suppress(DBAPIError):  # no table yet (or no database): first use tells
        loader()


def blind_index(session: Session) -> BlindIndex:
    """The blind index of the database ``session`` is bound to."""
    return blind_index_of(session.get_bind().dialect)


# --------------------------------------------------------------------- indexes kept on flush


def refresh_indexes(obj: Person | Document, index: BlindIndex) -> None:
    """Recompute the blind indexes of a person or a document from its values."""
    if isinstance(obj, Document):
        number = obj.document_number
        obj.number_index = index.value("document_number", number) if number else None
        return
    born = obj.date_of_birth
    obj.birth_date_index = index.value("birth_date", born.isoformat()) if born else None
    words = sorted({index.value("name_word", word) for word in (obj.name_key or "").split()})
    if sorted(w.word_index for w in obj.name_words) != words:
        obj.name_words = [PersonNameWord(word_index=word) for word in words]


def _changed(obj: Any, *names: str) -> bool:
    return any(attributes.get_history(obj, name).has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _index_on_flush(session: Session, _context: Any, _instances: Any) -> None:
    index: BlindIndex | None = None
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Person):
            due = obj in session.new or _changed(obj, "name_key", "date_of_birth")
        elif isinstance(obj, Document):
            due = obj in session.new or _changed(obj, "document_number")
        else:
            continue
        if due:
            index = index or blind_index(session)
            refresh_indexes(obj, index)


# ------------------------------------------------------------------------- sealing, rewrapping

#: The sealed columns, by model.
SEALED: tuple[tuple[type[Any], tuple[str, ...]], ...] = (
    (Person, ("surname", "given_names", "name_key", "date_of_birth")),
    (Document, ("document_number", "original_filename")),
    (ExtractionField, ("value", "sentence")),
    (ReviewHistory, ("old_value", "new_value")),
    (User, ("totp_secret",)),
)


@dataclass
class SealReport:
    rows: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, int]:
        return dict(self.rows)


def _plain(model: type[Any], names: tuple[str, ...]) -> Any:
    """Rows of ``model`` with a value of ``names`` stored in the clear."""
    columns = [type_coerce(getattr(model, name), Text) for name in names]
    return or_(*[c.is_not(None) & c.not_like(f"{TAG}%") for c in columns])


def unsealed_rows(session: Session) -> dict[str, int]:
    """How many rows of each table still hold a value in the clear (``docproc doctor``)."""
    return {
        model.__tablename__: session.scalar(
            select(func.count()).select_from(model).where(_plain(model, names))
        )
        or 0
        for model, names in SEALED
    }


def seal_database(session: Session, *, batch: int = 500) -> SealReport:
    """Seal every value still stored in the clear (rows written before encryption was on) and
    recompute their blind indexes with the index key. Idempotent: a second run seals nothing."""
    index = blind_index(session)
    if not index.sealed:
        raise EncryptionKeyError("no key-encryption key is configured")
    report = SealReport()
    for model, names in SEALED:
        plain = _plain(model, names)
        done = 0
        while True:
            rows = list(session.scalars(select(model).where(plain).limit(batch)))
            if not rows:
                break
            for row in rows:
                for name in names:
                    attributes.flag_modified(row, name)
                if isinstance(row, Person | Document):
                    refresh_indexes(row, index)
            session.flush()
            done += len(rows)
        report.rows[model.__tablename__] = done
    return report


def rewrap_data_keys(session: Session, keyring: Keyring) -> dict[str, int]:
    """Wrap every data key with the current KEK (the sealed values stay as they are)."""
    counts = {"rewrapped": 0, "current": 0}
    for row in session.scalars(select(DataKey).with_for_update()):
        if row.kek_id == keyring.current:
            counts["current"] += 1
            continue
        row.kek_id, row.wrapped = _wrap(keyring, row.id, _unwrap(keyring, row))
        counts["rewrapped"] += 1
    return counts
