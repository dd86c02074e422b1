"""What a desk officer types to find someone: a name, a document number, a date of birth or a
UNHCR/IOM case number, and the conditions that find persons and documents by it.

One search box takes any of them (:meth:`SearchTerms.parse`): a date is a date of birth; a term
with a digit is a document number or a case number (either matches); anything else is a name,
every word of which must be in the person's name. The API also takes each kind apart
(``name=``, ``document_number=``, ``birth_date=``, ``case_number=``), all of them required.

Dates of birth and document numbers are found by their blind index (equality; the values may be
sealed, :mod:`docproc.db.sealed`). Name words: while names are stored in the clear, a word is a
part of the name (``MOHAM`` finds ``MOHAMMAD``); when they are sealed, a word must be a whole
word of the name (its blind index in ``person_name_words``): ``MOHAMMAD`` finds him,
``MOHAM`` does not.

Terms are bounded (:data:`MAX_SEARCH_LENGTH` characters, :data:`MAX_SEARCH_WORDS` words): a
longer one is no name, and each word is one more ``LIKE`` in the query. Nothing here logs or
audits the terms: the callers audit a search by the kinds of term used, never their values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from docproc.casework.people import fold
from docproc.db.models import Case, CasePerson, Document, Person, PersonNameWord
from docproc.db.sealed import BlindIndex
from docproc.errors import DocprocError, ExitCode

__all__ = [
    "MAX_SEARCH_LENGTH",
    "MAX_SEARCH_WORDS",
    "BadSearch",
    "SearchTerms",
    "document_conditions",
    "parse_birth_date",
    "person_conditions",
]

#: A search takes at most this many words and characters.
MAX_SEARCH_WORDS = 8
MAX_SEARCH_LENGTH = 200
_NUMBER_LENGTH = 64

_NOT_CODE = re.compile(r"[^0-9A-Z]")
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y")


class BadSearch(DocprocError):
    reason = "bad_search"
    fix = (
        f"Search with at most {MAX_SEARCH_WORDS} words and {MAX_SEARCH_LENGTH} characters; "
        "write a date of birth as YYYY-MM-DD or DD.MM.YYYY."
    )
    http_status = 422
    exit_code = ExitCode.bad_arguments


def parse_birth_date(text: str) -> date | None:
    """``1990-04-12``, ``12.04.1990``, ``12/04/1990`` or ``12-04-1990`` as a date; else None."""
    text = text.strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _document_number(text: str) -> str:
    """A document number as stored (upper case, letters and digits only)."""
    return _NOT_CODE.sub("", text.upper())[:_NUMBER_LENGTH]


def case_number(text: str) -> str:
    """A case number as stored and compared: trimmed, upper case (``123-12C00456``)."""
    return " ".join(text.split()).upper()[:_NUMBER_LENGTH]


def _check_length(text: str | None) -> None:
    if text is not None and (len(text) > MAX_SEARCH_LENGTH or len(text.split()) > MAX_SEARCH_WORDS):
        raise BadSearch(f"a search term of {len(text)} characters and {len(text.split())} words")


@dataclass(frozen=True)
class SearchTerms:
    """What to look for; every term given must match (``number``: a document or a case number)."""

    name: str | None = None
    document_number: str | None = None
    birth_date: date | None = None
    case_number: str | None = None
    number: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> SearchTerms:
        """The one search box: a date of birth, a document or case number, or a name."""
        _check_length(text)
        text = (text or "").strip()
        if not text:
            return cls()
        born = parse_birth_date(text)
        if born is not None:
            return cls(birth_date=born)
        if any(c.isdigit() for c in text) and len(text.split()) <= 2:
            return cls(number=text)
        return cls(name=text)

    @classmethod
    def of(
        cls,
        *,
        q: str | None = None,
        name: str | None = None,
        document_number: str | None = None,
        birth_date: str | None = None,
        case_number: str | None = None,
    ) -> SearchTerms:
        """The API's terms: ``q`` parsed as the search box, and each kind apart."""
        for value in (name, document_number, birth_date, case_number):
            _check_length(value)
        base = cls.parse(q)
        born = None
        if birth_date and birth_date.strip():
            born = parse_birth_date(birth_date)
            if born is None:
                raise BadSearch("the date of birth is not a date")
        return cls(
            name=_joined(base.name, name),
            document_number=(document_number or "").strip() or None,
            birth_date=born or base.birth_date,
            case_number=(case_number or "").strip() or None,
            number=base.number,
        )

    @property
    def empty(self) -> bool:
        return not self.kinds

    @property
    def kinds(self) -> list[str]:
        """The kinds of term given (what the audit records: never the terms themselves)."""
        return [
            kind
            for kind, value in (
                ("name", self.name),
                ("document_number", self.document_number),
                ("birth_date", self.birth_date),
                ("case_number", self.case_number),
                ("number", self.number),
            )
            if value
        ]

    @property
    def name_words(self) -> list[str]:
        words = fold(self.name).split()
        if len(words) > MAX_SEARCH_WORDS:
            raise BadSearch(f"a name of {len(words)} words")
        return words


def _joined(first: str | None, second: str | None) -> str | None:
    joined = " ".join(part.strip() for part in (first, second) if part and part.strip())
    return joined or None


def _persons_in_cases(number: str) -> Any:
    wanted = case_number(number)
    return (
        select(CasePerson.person_id)
        .join(Case, Case.id == CasePerson.case_id)
        .where(or_(Case.external_number == wanted, func.upper(Case.reference) == wanted))
    )


def _number_is(index: BlindIndex, number: str) -> Any:
    return Document.number_index.in_(index.candidates("document_number", _document_number(number)))


def _persons_with_document(index: BlindIndex, number: str) -> Any:
    return select(Document.person_id).where(
        _number_is(index, number), Document.person_id.is_not(None)
    )


def _name_has(index: BlindIndex, word: str) -> Any:
    """The person's name holds ``word``: as a part (plain names) or a whole word (sealed)."""
    if not index.sealed:
        return Person.name_key.contains(word, autoescape=True)
    words = select(PersonNameWord.person_id).where(
        PersonNameWord.word_index.in_(index.candidates("name_word", word))
    )
    return Person.id.in_(words)


def _born_on(index: BlindIndex, born: date) -> Any:
    return Person.birth_date_index.in_(index.candidates("birth_date", born.isoformat()))


def person_conditions(terms: SearchTerms, index: BlindIndex) -> list[Any]:
    """WHERE conditions on :class:`Person` for ``terms`` (all must hold); ``index`` is the
    database's blind index (:func:`docproc.db.crypto.blind_index`)."""
    conditions: list[Any] = [_name_has(index, word) for word in terms.name_words]
    if terms.document_number:
        conditions.append(Person.id.in_(_persons_with_document(index, terms.document_number)))
    if terms.birth_date:
        conditions.append(_born_on(index, terms.birth_date))
    if terms.case_number:
        conditions.append(Person.id.in_(_persons_in_cases(terms.case_number)))
    if terms.number:
        conditions.append(
            or_(
                Person.id.in_(_persons_with_document(index, terms.number)),
                Person.id.in_(_persons_in_cases(terms.number)),
            )
        )
    return conditions


def document_conditions(terms: SearchTerms, index: BlindIndex) -> list[Any]:
    """WHERE conditions on :class:`Document` for ``terms``: the document's own number, or its
    person's name, date of birth or cases."""
    conditions: list[Any] = []
    about_person = [
        *[_name_has(index, word) for word in terms.name_words],
        *([_born_on(index, terms.birth_date)] if terms.birth_date else []),
    ]
    if about_person:
        conditions.append(Document.person_id.in_(select(Person.id).where(and_(*about_person))))
    if terms.document_number:
        conditions.append(_number_is(index, terms.document_number))
    if terms.case_number:
        conditions.append(Document.person_id.in_(_persons_in_cases(terms.case_number)))
    if terms.number:
        conditions.append(
            or_(
                _number_is(index, terms.number),
                Document.person_id.in_(_persons_in_cases(terms.number)),
            )
        )
    return conditions
