"""Need-to-know: sites (desks, offices), who works where, and the filter every read applies.

Desk officers and reviewers see the documents, persons and cases of their sites (records of no
site only when they have none: a deployment without sites works as before); supervisors and
admins see every site. A record outside the caller's sites is answered as if it did not exist
(404 ``record_not_found``), so ids of other sites' records cannot be probed.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.db import repo
from docproc.db.models import Case, Document, Person, Site, User, UserSite
from docproc.errors import DocprocError, ExitCode

__all__ = ["BadSite", "add_member", "create_site", "remove_member", "site_filter", "visible"]

_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")


class BadSite(DocprocError):
    reason = "bad_site"
    fix = (
        "Site codes are 1-32 lower-case letters, digits, '.', '_' or '-' and must be unique; "
        "name an existing site and user."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments


def site_filter(actor: Principal, column: Any) -> Any | None:
    """The WHERE condition that keeps ``column`` (a ``site_id``) within ``actor``'s sites."""
    if actor.sites is None:
        return None
    if not actor.sites:
        return column.is_(None)
    return column.in_(sorted(actor.sites))


def visible(actor: Principal | None, site_id: uuid.UUID | None) -> bool:
    return actor is None or actor.sees_site(site_id)


def create_site(session: Session, code: str, name: str, *, actor: str) -> Site:
    if not _CODE.match(code):
        raise BadSite(f"invalid site code {code[:40]!r}")
    site = Site(code=code, name=name.strip()[:200] or code)
    try:
        with session.begin_nested():
            session.add(site)
    except IntegrityError:
        raise BadSite(f"a site {code!r} exists") from None
    repo.record_event(session, entity_type="site", entity_id=site.id, kind="created", actor=actor)
    return site


def _site_and_user(session: Session, code: str, username: str) -> tuple[Site, User]:
    site = session.scalars(select(Site).where(Site.code == code)).one_or_none()
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if site is None or user is None:
        raise BadSite(f"no site {code[:40]!r} or no user {username[:70]!r}")
    return site, user


def add_member(session: Session, code: str, username: str, *, actor: str) -> None:
    site, user = _site_and_user(session, code, username)
    if session.get(UserSite, (user.id, site.id)) is None:
        session.add(UserSite(user_id=user.id, site_id=site.id))
        repo.record_event(
            session,
            entity_type="site",
            entity_id=site.id,
            kind="member_added",
            actor=actor,
            new=str(user.id),
        )


def remove_member(session: Session, code: str, username: str, *, actor: str) -> None:
    site, user = _site_and_user(session, code, username)
    session.execute(
        delete(UserSite).where(UserSite.user_id == user.id, UserSite.site_id == site.id)
    )
    repo.record_event(
        session,
        entity_type="site",
        entity_id=site.id,
        kind="member_removed",
        actor=actor,
        old=str(user.id),
    )


def adopt_unsited(session: Session, code: str, *, actor: str) -> dict[str, int]:
    """Give site ``code`` every document, person and case that has no site (records made
    before sites existed, or by the command line and batch runs), so the site's desk officers
    and reviewers see them; one audited event with the counts (no personal values). Returns
    the counts; a second run finds nothing left to adopt."""
    site = session.scalars(select(Site).where(Site.code == code)).one_or_none()
    if site is None:
        raise BadSite(f"no site {code[:40]!r}")
    counts: dict[str, int] = {}
    for name, model in (("documents", Document), ("persons", Person), ("cases", Case)):
        result = session.execute(
            update(model)
            .where(model.site_id.is_(None))
            .values(site_id=site.id)
            .execution_options(synchronize_session=False)
        )
        counts[name] = int(getattr(result, "rowcount", 0) or 0)
    repo.record_event(
        session,
        entity_type="site",
        entity_id=site.id,
        kind="records_adopted",
        actor=actor,
        detail=counts,
    )
    return counts
