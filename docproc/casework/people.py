"""Persons from documents: who a document is about, and which persons may be the same one.

The matching rules:

1. **Same document**: another document with the same document number and issuing country
   (the holder's nationality when the issuing country is missing) already belongs to a person:
   this document belongs to that person too.
2. **Possible duplicate**: a person with the same date of birth whose name is alike after
   normalising and folding common transliteration variants (``MOHAMMAD``/``MUHAMMAD``,
   ``YOUSEF``/``YUSUF``): a *new* person is created and a :class:`~docproc.db.models.PersonMatch`
   proposed; a reviewer decides (:mod:`docproc.casework.merges`). Nothing is ever merged silently.
3. Otherwise a new person.

Everything above :func:`link_person` is pure (no I/O) and tested alone. :func:`link_person` is
the one call the pipeline makes after saving an extraction. Nothing here logs: names, numbers and
dates of birth are personal data; the events it writes carry ids, scores and reason codes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from docproc.config import get_settings
from docproc.db import repo
from docproc.db.crypto import blind_index
from docproc.db.models import Document, MatchStatus, Person, PersonMatch, utcnow

__all__ = [
    "FUZZY_REASON",
    "Identity",
    "LinkKind",
    "PersonLink",
    "fold",
    "identity_from_fields",
    "jaro_winkler",
    "link_person",
    "name_key",
    "name_similarity",
    "possible_duplicate",
    "transliteration_key",
]

#: The reason code of a proposed match (the only kind the matcher makes today).
FUZZY_REASON = "similar_name_same_birth_date"
#: At most this many match proposals for one new person (the best scores).
MAX_PROPOSALS = 5

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_REPEATS = re.compile(r"(.)\1+")
# Romanisations of one name that differ in spelling only (Arabic, Persian, Pashto, Somali names
# as written by different registration offices), applied in this order to each folded token.
_DIGRAPHS = (
    ("ph", "f"),
    ("kh", "k"),
    ("gh", "g"),
    ("dh", "d"),
    ("th", "t"),
    ("ck", "k"),
    ("q", "k"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("w", "u"),
    ("y", "i"),
    ("o", "u"),
    ("e", "a"),  # fatha: AHMAD = AHMED, HUSSAIN = HUSSEIN
)


# ------------------------------------------------------------------------------ pure functions


def fold(value: str | None) -> str:
    """Casefold, strip diacritics, turn anything but letters and digits (the MRZ ``<`` filler,
    hyphens, apostrophes) into single spaces: ``"Šārūkh-Khān<"`` -> ``"sarukh khan"``."""
    decomposed = unicodedata.normalize("NFKD", (value or "").casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub(" ", bare).strip()


def name_key(surname: str | None, given_names: str | None) -> str:
    """The name as the matcher compares it: folded, tokens sorted (so a surname written in the
    given-names field, as some documents do, still matches)."""
    return " ".join(sorted(f"{fold(surname)} {fold(given_names)}".split()))


def _fold_token(token: str) -> str:
    for old, new in _DIGRAPHS:
        token = token.replace(old, new)
    token = _REPEATS.sub(r"\1", token)
    return token[:-1] if len(token) > 2 and token.endswith("h") else token  # FATIMAH = FATIMA


def transliteration_key(key: str) -> str:
    """A coarser key on which spelling variants of one name coincide (tokens sorted again)."""
    return " ".join(sorted(_fold_token(token) for token in key.split()))


def jaro_winkler(a: str, b: str, *, prefix_scale: float = 0.1) -> float:
    """The Jaro-Winkler similarity of two strings, 0 (nothing alike) to 1 (equal)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(0, max(len(a), len(b)) // 2 - 1)
    taken = [False] * len(b)
    matched_a: list[str] = []
    for i, char in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not taken[j] and b[j] == char:
                taken[j] = True
                matched_a.append(char)
                break
    if not matched_a:
        return 0.0
    matched_b = [char for j, char in enumerate(b) if taken[j]]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) / 2
    m = len(matched_a)
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * prefix_scale * (1 - jaro)


def name_similarity(key_a: str, key_b: str) -> float:
    """How alike two name keys are: the better of the plain and the transliteration-folded
    comparison, rounded to 3 places (0 when either name is empty)."""
    if not key_a or not key_b:
        return 0.0
    plain = jaro_winkler(key_a, key_b)
    folded = jaro_winkler(transliteration_key(key_a), transliteration_key(key_b))
    return round(max(plain, folded), 3)


@dataclass(frozen=True, slots=True)
class Identity:
    """What one document says about its holder, normalised for matching."""

    surname: str
    given_names: str
    date_of_birth: date | None
    sex: str | None
    nationality: str | None
    document_number: str | None
    issuing_country: str | None

    @property
    def name_key(self) -> str:
        return name_key(self.surname, self.given_names)

    @property
    def document_key(self) -> tuple[str, str] | None:
        """(document number, issuing country), or None when either is unknown."""
        country = self.issuing_country or self.nationality
        if self.document_number and country:
            return self.document_number, country
        return None


class _NamedValue(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def value(self) -> str | None: ...


def _code(value: str | None, length: int) -> str | None:
    cleaned = re.sub(r"[^0-9A-Z]", "", (value or "").upper())
    return cleaned[:length] or None


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def identity_from_fields(fields: Iterable[_NamedValue]) -> Identity | None:
    """The holder's identity from extraction fields (MRZ names; without an MRZ, a registration
    form's ``form.*`` fields), or None when there is no name and no document number to go by."""
    values = {f.name: (f.value or "").strip() for f in fields}
    surname = values.get("surname", "").replace("<", " ").strip()
    given = values.get("given_names", "").replace("<", " ").strip()
    number = _code(values.get("document_number"), 64)
    if not (surname or given or number):
        values = _form_values(values)
        surname, given = values.get("surname", ""), values.get("given_names", "")
        number = _code(values.get("document_number"), 64)
    if not (surname or given or number):
        return None
    sex = (values.get("sex") or "")[:1].upper()
    return Identity(
        surname=surname[:200],
        given_names=given[:200],
        date_of_birth=_iso_date(values.get("birth_date")),
        sex=sex if sex in ("M", "F", "X") else None,
        nationality=_code(values.get("nationality"), 3),
        document_number=number,
        issuing_country=_code(values.get("issuing_country"), 3),
    )


def _form_values(values: dict[str, str]) -> dict[str, str]:
    """A registration form's fields under the MRZ's names. A form's single full name goes to
    ``given_names`` (the name key sorts the words, so it matches a passport's surname + given
    names in any order); its travel document number is the document number, the nationality
    standing in for the issuing country."""
    out = {
        "surname": values.get("form.surname", ""),
        "given_names": values.get("form.given_names", ""),
        "birth_date": values.get("form.birth_date", ""),
        "sex": values.get("form.sex", ""),
        "nationality": values.get("form.nationality", ""),
        "document_number": values.get("form.travel_document_number", ""),
    }
    if not (out["surname"] or out["given_names"]):
        out["given_names"] = values.get("form.name", "")
    return {k: v.strip() for k, v in out.items()}


def possible_duplicate(
    a: Identity | Person, b: Identity | Person, threshold: float
) -> float | None:
    """The name score when ``a`` and ``b`` may be one person (same date of birth, names alike
    at ``threshold`` or more); None otherwise. Without a date of birth there is no match."""
    if a.date_of_birth is None or a.date_of_birth != b.date_of_birth:
        return None
    score = name_similarity(a.name_key, b.name_key)
    return score if score >= threshold else None


# ------------------------------------------------------------------------------------ service


class LinkKind(StrEnum):
    """What :func:`link_person` did with a document."""

    same_document = "same_document"  # linked to the person of the same document number
    possible_duplicate = "possible_duplicate"  # new person, match(es) proposed for review
    new_person = "new_person"
    already_linked = "already_linked"  # a re-read of a document that has its person
    no_identity = "no_identity"  # no name and no document number read


@dataclass(frozen=True, slots=True)
class PersonLink:
    kind: LinkKind
    person_id: uuid.UUID | None = None
    match_ids: tuple[int, ...] = ()


def _serialise_on(session: Session, identity: Identity) -> None:
    """On PostgreSQL, one matcher at a time per date of birth (until commit), so two documents
    of one new person read at once cannot both miss each other. SQLite serialises writers."""
    if session.get_bind().dialect.name != "postgresql":
        return
    born = identity.date_of_birth.isoformat() if identity.date_of_birth else "no-birth-date"
    # Keyed like the blind index, so the lock id (visible in pg_locks) gives no date away.
    basis = blind_index(session).value("birth_date", born)
    digest = hashlib.sha256(f"docproc-person:{basis}".encode()).digest()
    session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"),
        {"key": int.from_bytes(digest[:8], "big", signed=True)},
    )


def surviving_person(session: Session, person_id: uuid.UUID) -> Person | None:
    """The person, or the one it was merged into (following merges to the end)."""
    person = session.get(Person, person_id)
    seen: set[uuid.UUID] = set()
    while person is not None and person.merged_into_id is not None and person.id not in seen:
        seen.add(person.id)
        person = session.get(Person, person.merged_into_id)
    return person


def _person_of_same_document(
    session: Session, document: Document, key: tuple[str, str]
) -> Person | None:
    """Candidates by the number's blind index (the number may be sealed), then the decrypted
    number compared, the oldest document first."""
    number, country = key
    query = (
        select(Document)
        .where(
            Document.number_index.in_(blind_index(session).candidates("document_number", number)),
            Document.issuing_country == country,
            Document.person_id.is_not(None),
            Document.id != document.id,
        )
        .order_by(Document.created_at)
    )
    for other in session.scalars(query):
        if other.document_number == number and other.person_id is not None:
            return surviving_person(session, other.person_id)
    return None


def pair_known(session: Session, a: uuid.UUID, b: uuid.UUID) -> bool:
    """Whether the pair was ever proposed, in either order (so a kept-apart pair never is again)."""
    query = select(PersonMatch.id).where(
        or_(
            (PersonMatch.person_a_id == a) & (PersonMatch.person_b_id == b),
            (PersonMatch.person_a_id == b) & (PersonMatch.person_b_id == a),
        )
    )
    return session.scalar(query.limit(1)) is not None


def _propose_matches(
    session: Session, person: Person, document: Document, threshold: float, actor: str
) -> tuple[int, ...]:
    if person.date_of_birth is None:
        return ()
    # Candidates by the birth date's blind index; possible_duplicate compares the decrypted
    # dates and names.
    born = blind_index(session).candidates("birth_date", person.date_of_birth.isoformat())
    others = session.scalars(
        select(Person).where(
            Person.birth_date_index.in_(born),
            Person.merged_into_id.is_(None),
            Person.id != person.id,
        )
    )
    scored = [
        (score, other)
        for other in others
        if (score := possible_duplicate(person, other, threshold))
    ]
    scored.sort(key=lambda pair: (-pair[0], pair[1].created_at))
    proposed: list[int] = []
    for score, other in scored[:MAX_PROPOSALS]:
        if pair_known(session, other.id, person.id):
            continue
        match = PersonMatch(
            person_a_id=other.id,
            person_b_id=person.id,
            document_id=document.id,
            score=score,
            reason=FUZZY_REASON,
            status=MatchStatus.pending,
            created_at=utcnow(),
        )
        session.add(match)
        session.flush()
        repo.record_event(
            session,
            entity_type="person_match",
            entity_id=match.id,
            kind="proposed",
            actor=actor,
            new=MatchStatus.pending.value,
            detail={
                "person_a": str(other.id),
                "person_b": str(person.id),
                "score": score,
                "reason": FUZZY_REASON,
                "document_id": str(document.id),
            },
        )
        proposed.append(match.id)
    return tuple(proposed)


def _set_document_key(document: Document, identity: Identity) -> tuple[str, str] | None:
    key = identity.document_key
    document.document_number, document.issuing_country = key if key else (None, None)
    return key


def link_person(
    session: Session,
    document: Document,
    fields: Iterable[_NamedValue],
    *,
    actor: str,
    threshold: float | None = None,
) -> PersonLink:
    """Link ``document`` to its person (found or created) and propose possible duplicates.

    Called once per saved extraction: by ``processing.process.record_outcome`` and by
    ``decisions.fix`` (a document read without a name gets its person once a reviewer types it).
    A document that has its person keeps it (only its document number is refreshed; merges move
    documents).
    """
    identity = identity_from_fields(fields)
    if document.person_id is not None:
        if identity is not None:  # a reviewer's correction keeps the exact-match key current
            _set_document_key(document, identity)
        return PersonLink(LinkKind.already_linked, document.person_id)
    if identity is None:
        return PersonLink(LinkKind.no_identity)
    threshold = get_settings().person_match_threshold if threshold is None else threshold
    _serialise_on(session, identity)
    key = _set_document_key(document, identity)
    existing = _person_of_same_document(session, document, key) if key else None
    if existing is not None:
        repo.link_document_to_person(session, document, existing, actor=actor)
        return PersonLink(LinkKind.same_document, existing.id)
    person = repo.create_person(
        session,
        surname=identity.surname,
        given_names=identity.given_names,
        date_of_birth=identity.date_of_birth,
        sex=identity.sex,
        nationality=identity.nationality,
        name_key=identity.name_key[:400],
        site_id=document.site_id,  # the person belongs to the desk that registered them
        actor=actor,
    )
    repo.link_document_to_person(session, document, person, actor=actor)
    matches = _propose_matches(session, person, document, threshold, actor)
    kind = LinkKind.possible_duplicate if matches else LinkKind.new_person
    return PersonLink(kind, person.id, matches)
