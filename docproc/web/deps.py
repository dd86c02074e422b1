"""Typed dependencies: the application's services, the caller, and role checks."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from docproc.casework.auth import (
    AuthError,
    Forbidden,
    LoginRequired,
    Principal,
    check_csrf,
    principal_for_session,
    principal_for_token,
)
from docproc.casework.throttle import LoginThrottle
from docproc.config import Settings
from docproc.db.models import Role
from docproc.db.session import session_scope
from docproc.processing.submit import Dispatch
from docproc.services import Services

__all__ = [
    "MAX_ROW_NUMBER",
    "SESSION_COOKIE",
    "Admin",
    "AppState",
    "Offset",
    "PageNumber",
    "RowId",
    "State",
    "bearer_token",
    "current_principal",
    "lookup_principal",
    "require",
]

SESSION_COOKIE = "docproc_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class AppState:
    """Everything a request needs, made once by ``create_app``."""

    settings: Settings
    services: Services
    dispatch: Dispatch
    sample_rate: float
    templates: Jinja2Templates
    executor: Executor | None = None  # the readers of DOCPROC_DISPATCH=process|thread
    worker_name: str = "web"
    #: Counts failed logins in the database: every web process refuses the same guesser.
    login_throttle: LoginThrottle = field(init=False)

    def __post_init__(self) -> None:
        self.login_throttle = LoginThrottle(self.services.session_factory)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A short transaction, opened and closed in the calling thread.

        Routes use this rather than a yield-dependency: a transaction held across FastAPI's
        threadpool hops keeps SQLite's write lock while the pool is full of requests waiting for
        that lock, which deadlocks under concurrent uploads until the busy timeout.
        """
        with session_scope(self.services.session_factory) as session:
            yield session


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.docproc
    return state


State = Annotated[AppState, Depends(get_state)]


def bearer_token(request: Request) -> str | None:
    """The ``Authorization: Bearer`` token, if any (another scheme is an :class:`AuthError`)."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def lookup_principal(state: AppState, token: str | None, cookie: str | None) -> Principal | None:
    """The user behind an API token (unknown ones are an :class:`AuthError`) or a cookie."""
    with state.transaction() as session:
        if token is not None:
            principal = principal_for_token(session, token)
            if principal is None:
                raise AuthError("unknown, expired or revoked API token")
            return principal
        return principal_for_session(session, cookie) if cookie else None


async def current_principal(request: Request, state: State) -> Principal:
    """The caller, by API token or session cookie; unsafe requests by cookie need a CSRF token."""
    token = bearer_token(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    # The database may block (SQLite's write lock): never on the event loop.
    found = await run_in_threadpool(lookup_principal, state, token, cookie)
    if token is not None and found is not None:
        request.state.principal = found
        return found
    if found is None:
        raise LoginRequired("log in first")
    if request.method not in _SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            value = (await request.form()).get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
        check_csrf(found, given)
    request.state.principal = found
    return found


Caller = Annotated[Principal, Depends(current_principal)]


def require(role: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets in ``role`` and the roles above it (403 for the others)."""

    def check(principal: Caller) -> Principal:
        if not principal.may(role):
            raise Forbidden(f"needs the {role.value} role or higher")
        return principal

    return check


DeskUser = Annotated[Principal, Depends(require(Role.desk))]
Reviewer = Annotated[Principal, Depends(require(Role.reviewer))]
Supervisor = Annotated[Principal, Depends(require(Role.supervisor))]
Admin = Annotated[Principal, Depends(require(Role.admin))]

#: The largest row id or offset a route takes: well inside a signed 64-bit integer (and so inside
#: both databases' integers), so a huge number is a 404 or a 422, never an overflow.
MAX_ROW_NUMBER = 2**53

#: A numeric id in a path (review tasks, person matches).
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_NUMBER)]
#: A page number in a path (pages count from 1; no scan has more than DOCPROC_MAX_PAGES).
PageNumber = Annotated[int, Path(ge=1, le=10_000)]
#: An offset into a listing.
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_NUMBER)]
