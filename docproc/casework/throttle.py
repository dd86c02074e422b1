"""Throttles kept in the case database, so every web process (and a restarted one) applies the
same counts: the login throttle (failed logins), the bulk-read limit (long listings and exports
per user) and the upload quota (new documents per user per hour, counted on the documents
themselves: ``documents.uploaded_by``, ``created_at``).

Login throttle.
Three counters over a sliding ``window`` (15 minutes): a user name from one address (``limit``,
5), one address over all names (``address_limit``, 20: one machine guessing many accounts), and
a user name over all addresses (``account_limit``, 50: one account guessed from many machines).
A wrong password from one address therefore does not lock the real user out everywhere. Keys are
cut to 64 characters of name and of address, and rows older than the window are deleted as new
failures come in, so junk names cannot grow the table without bound (each guess also costs an
argon2 verification, ~50 ms of CPU). A successful login clears its name-and-address counter.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from docproc.casework.auth import Principal, TooManyAttempts
from docproc.db import repo
from docproc.db.models import Document, utcnow
from docproc.db.models.access import BulkRead, LoginFailure
from docproc.db.session import session_scope
from docproc.errors import DocprocError, ExitCode

__all__ = [
    "KEY_CHARS",
    "BulkReadLimit",
    "LoginThrottle",
    "TooManyBulkReads",
    "TooManyUploads",
    "check_upload_quota",
    "record_bulk_read",
]

#: Characters kept of a user name and of an address in a throttle key.
KEY_CHARS = 64


class LoginThrottle:
    """Refuse logins after too many recent failures, counted in the ``login_failures`` table."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        limit: int = 5,
        window: timedelta = timedelta(minutes=15),
        *,
        address_limit: int = 20,
        account_limit: int = 50,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = session_factory
        self.limit, self.window = limit, window
        self.address_limit, self.account_limit = address_limit, account_limit
        self._clock = clock

    def _keys(self, username: str, address: str) -> list[tuple[str, int]]:
        name, addr = username.lower()[:KEY_CHARS], address[:KEY_CHARS]
        return [
            (f"pair:{name}:{addr}", self.limit),
            (f"addr:{addr}", self.address_limit),
            (f"user:{name}", self.account_limit),
        ]

    def check(self, username: str, address: str = "") -> None:
        """Raise :class:`TooManyAttempts` if any of the three counters is at its limit."""
        keys = self._keys(username, address)
        since = self._clock() - self.window
        with session_scope(self._sessions) as session:
            counts = dict(
                session.execute(
                    select(LoginFailure.key, func.count())
                    .where(LoginFailure.key.in_([k for k, _ in keys]), LoginFailure.at > since)
                    .group_by(LoginFailure.key)
                ).all()
            )
        for key, limit in keys:
            if counts.get(key, 0) >= limit:
                raise TooManyAttempts(f"too many failed logins ({key.split(':', 1)[0]})")

    def failed(self, username: str, address: str = "") -> None:
        """Count one failed login (and forget failures older than the window)."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.window))
            session.add_all(
                LoginFailure(key=key, at=now) for key, _ in self._keys(username, address)
            )

    def succeeded(self, username: str, address: str = "") -> None:
        """A login went through: clear the name-and-address counter (not the other two)."""
        pair = self._keys(username, address)[0][0]
        with session_scope(self._sessions) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.key == pair))

    def count(self) -> int:
        """How many failures are kept (all keys)."""
        with session_scope(self._sessions) as session:
            return int(session.scalar(select(func.count()).select_from(LoginFailure)) or 0)


class TooManyBulkReads(DocprocError):
    reason = "too_many_bulk_reads"
    fix = (
        "Wait until the hour is over, ask for fewer records per page, or ask an admin to raise "
        "DOCPROC_BULK_READS_PER_HOUR."
    )
    http_status = 429
    exit_code = ExitCode.bad_arguments


class BulkReadLimit:
    """At most ``per_hour`` bulk reads per user in any hour (0: no limit)."""

    def __init__(
        self,
        per_hour: int,
        *,
        window: timedelta = timedelta(hours=1),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.per_hour, self.window, self._clock = per_hour, window, clock

    def take(self, session: Session, actor: Principal, what: str) -> None:
        """Count one bulk read of ``what`` (a path) by ``actor`` and audit it as ``bulk_read``;
        raise :class:`TooManyBulkReads` (nothing counted) if the hour's budget is spent."""
        now = self._clock()
        user_id = uuid.UUID(actor.user_id)
        session.execute(delete(BulkRead).where(BulkRead.at <= now - self.window))
        if self.per_hour > 0:
            done = session.scalar(
                select(func.count())
                .select_from(BulkRead)
                .where(BulkRead.user_id == user_id, BulkRead.at > now - self.window)
            )
            if int(done or 0) >= self.per_hour:
                raise TooManyBulkReads(
                    f"{self.per_hour} bulk reads in the last hour (the limit) by {actor.username}"
                )
        session.add(BulkRead(user_id=user_id, at=now))
        record_bulk_read(session, actor, what)


def record_bulk_read(session: Session, actor: Principal, what: str) -> None:
    """Audit a bulk read: who, when, which listing (the path, not the records' values)."""
    repo.record_event(
        session,
        entity_type="user",
        entity_id=actor.user_id,
        kind="bulk_read",
        actor=actor.username,
        detail={"path": what[:200], "via": actor.via},
    )


class TooManyUploads(DocprocError):
    reason = "too_many_uploads"
    fix = (
        "Wait until the hour is over, or run archived paperwork as a batch (docproc batch); an "
        "admin can raise DOCPROC_UPLOADS_PER_HOUR."
    )
    http_status = 429
    exit_code = ExitCode.bad_arguments


def check_upload_quota(
    session: Session,
    actor: Principal,
    per_hour: int,
    *,
    now: datetime | None = None,
) -> None:
    """Refuse (:class:`TooManyUploads`) a user who uploaded ``per_hour`` new documents in the
    last hour (0: no quota). Called before the upload's body is read; a re-upload of a known
    file creates no document and does not count."""
    if per_hour <= 0:
        return
    since = (now or utcnow()) - timedelta(hours=1)
    done = session.scalar(
        select(func.count())
        .select_from(Document)
        .where(Document.uploaded_by == actor.username, Document.created_at > since)
    )
    if int(done or 0) >= per_hour:
        raise TooManyUploads(f"{per_hour} uploads in the last hour (the quota) by {actor.username}")
