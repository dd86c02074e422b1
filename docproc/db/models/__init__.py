"""The case database: typed SQLAlchemy 2 models, one module per concern.

Importing this package registers every table on :data:`Base.metadata`.
"""

from docproc.db.models.access import ApiToken, Role, User, WebSession
from docproc.db.models.base import Base, BigIntId, UTCDateTime, utcnow
from docproc.db.models.documents import (
    MRZ_FIELDS,
    TERMINAL_STATUSES,
    Batch,
    Document,
    DocumentStatus,
    Event,
    EventSeal,
    Extraction,
    ExtractionField,
    FieldSource,
)
from docproc.db.models.forms import LabelVariant
from docproc.db.models.keys import DataKey
from docproc.db.models.people import (
    Case,
    CasePerson,
    CaseRole,
    CaseStatus,
    MatchStatus,
    Person,
    PersonMatch,
    PersonNameWord,
)
from docproc.db.models.review import ReviewHistory, ReviewState, ReviewTask
from docproc.db.models.sites import Site, UserSite

__all__ = [
    "MRZ_FIELDS",
    "TERMINAL_STATUSES",
    "ApiToken",
    "Base",
    "Batch",
    "BigIntId",
    "Case",
    "CasePerson",
    "CaseRole",
    "CaseStatus",
    "DataKey",
    "Document",
    "DocumentStatus",
    "Event",
    "EventSeal",
    "Extraction",
    "ExtractionField",
    "FieldSource",
    "LabelVariant",
    "MatchStatus",
    "Person",
    "PersonMatch",
    "PersonNameWord",
    "ReviewHistory",
    "ReviewState",
    "ReviewTask",
    "Role",
    "Site",
    "UTCDateTime",
    "User",
    "UserSite",
    "WebSession",
    "utcnow",
]
