"""Need-to-know: sites (desks, offices), who works where, and the filter every read applies.

Desk officers and reviewers see the documents, persons and cases of their sites (records of no
site only when they have none: a deployment without sites works as before); supervisors and
admins see every site. A record outside the caller's sites is answered as if it did not exist
(404 ``record_not_found``), so ids of other sites' records cannot be probed.

A person belongs to the site that first registered them, but one passport scanned at two desks
is one person: a person is visible to the users of every site that holds one of the person's
documents or a case the person is in (:func:`person_filter`, :func:`sees_person`); what such a
user sees of the person's documents and cases is still only their own sites' ones.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docproc.casework.auth import Principal
from docproc.db import repo
from docproc.db.models import Case, CasePerson, Document, Person, Site, User, UserSite
from docproc.errors import DocprocError, ExitCode

__all__ = [
    "BadSite",
    "add_member",
    "create_site",
    "person_filter",
    "remove_member",
    "sees_person",
    "site_filter",
    "visible",
]

_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")


class BadSite(DocprocError):
    reason = "bad_site"
    fix = (
        "Site codes are 1-32 lower-case letters, digits, '.', '_' or '-' and must be unique; "
        "name an existing site and user."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments


def _in_sites(sites: frozenset[uuid.UUID], column: Any) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = column.in_(sorted(sites)) if sites else column.is_(None)
    return condition


def site_filter(actor: Principal, column: Any) -> Any | None:
    """The WHERE condition that keeps ``column`` (a ``site_id``) within ``actor``'s sites."""
    return None if actor.sites is None else _in_sites(actor.sites, column)


def visible(actor: Principal | None, site_id: uuid.UUID | None) -> bool:
    return actor is None or actor.sees_site(site_id)


def person_filter(actor: Principal | None) -> Any | None:
    """The WHERE condition on :class:`Person` that keeps the persons ``actor`` may see: of
    their sites, or with a document or a case of their sites. None: every person."""
    if actor is None or actor.sites is None:
        return None
    sites = actor.sites
    documents = select(Document.person_id).where(
        Document.person_id.is_not(None), _in_sites(sites, Document.site_id)
    )
    cases = (
        select(CasePerson.person_id)
        .join(Case, Case.id == CasePerson.case_id)
        .where(_in_sites(sites, Case.site_id))
    )
    return or_(_in_sites(sites, Person.site_id), Person.id.in_(documents), Person.id.in_(cases))


def sees_person(session: Session, actor: Principal | None, person: Person) -> bool:
    """Whether ``actor`` may see ``person`` (see :func:`person_filter`)."""
    if actor is None or actor.sees_site(person.site_id):
        return True
    query = select(Person.id).where(Person.id == person.id)
    condition = person_filter(actor)
    if condition is not None:
        query = query.where(condition)
    return session.scalar(query.limit(1)) is not None


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
