"""What the desk's lists take in a URL: bounded search terms and "today" in the local zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query

from docproc.casework.search import MAX_SEARCH_LENGTH, SearchTerms

__all__ = ["SearchText", "Terms", "start_of_today"]

#: A search term in a query string (a name, document number, date of birth or case number).
SearchText = Annotated[str | None, Query(max_length=MAX_SEARCH_LENGTH)]


def search_terms(
    q: SearchText = None,
    name: SearchText = None,
    document_number: SearchText = None,
    birth_date: SearchText = None,
    case_number: SearchText = None,
) -> SearchTerms:
    """The API's search: ``q`` as the pages' search box, and each kind of term apart."""
    return SearchTerms.of(
        q=q,
        name=name,
        document_number=document_number,
        birth_date=birth_date,
        case_number=case_number,
    )


#: The search terms of an API listing (``q``, ``name``, ``document_number``, ``birth_date``,
#: ``case_number``).
Terms = Annotated[SearchTerms, Depends(search_terms)]


def start_of_today(zone: str, now: datetime | None = None) -> datetime:
    """Midnight of today in the installation's zone (``DOCPROC_TIMEZONE``), in UTC."""
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
