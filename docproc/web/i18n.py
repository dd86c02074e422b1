"""The interface's languages (English, Indonesian) and the installation's time zone.

Messages are marked in templates as ``{{ _("Desk") }}`` (``ngettext`` for plurals) and in Python
with :func:`N_` (a no-op marker, translated when shown). Translations are gettext catalogues read
with Babel: ``docproc/web/locale/<language>/*.po``. A language has several ``.po`` files, one per
area of the interface (``base.po``, ``review.po``, ...), merged when loaded, so parts of the
interface can be translated apart. ``tests/web/test_i18n.py`` checks that every marked message
has an Indonesian translation; ``scripts/i18n.py`` lists the missing ones.

Times are stored in UTC and shown in the installation's time zone (``DOCPROC_TIMEZONE``,
default ``Asia/Jakarta``: WIB), in the user's language, with the Indonesian zone's abbreviation.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "Localizer",
    "localizer",
    "negotiate",
    "zone_abbreviation",
]

#: The interface's languages, by code, each named in its own language.
LANGUAGES: dict[str, str] = {"en": "English", "id": "Bahasa Indonesia"}
DEFAULT_LANGUAGE = "en"

#: Indonesia's three zones by their official abbreviations (the IANA names' own are numeric).
_ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; it is translated when shown."""
    return message


def zone_abbreviation(zone: str) -> str:
    """WIB, WITA or WIT for Indonesia's zones; otherwise the zone's own abbreviation now."""
    if zone in _ZONE_NAMES:
        return _ZONE_NAMES[zone]
    return datetime.now(ZoneInfo(zone)).tzname() or zone


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The user's language: their own choice when set, else the browser's first supported one."""
    if preferred in LANGUAGES:
        return preferred
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        # "in" is the withdrawn code for Indonesian that some Android browsers still send.
        primary = "id" if primary == "in" else primary
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


@cache
def _translations(language: str) -> NullTranslations:
    folder = resources.files("docproc.web").joinpath("locale", language)
    if language == DEFAULT_LANGUAGE or not folder.is_dir():
        return NullTranslations()
    merged = Catalog(locale=language)
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string:
                    merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(buffer)


@dataclass(frozen=True)
class Localizer:
    """One request's language and the installation's time zone, for templates and labels."""

    language: str
    zone: str

    @property
    def _catalogue(self) -> NullTranslations:
        return _translations(self.language)

    def gettext(self, message: str, **values: object) -> str:
        text = self._catalogue.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self._catalogue.ngettext(singular, plural, count)
        return text % {"num": count, **values}

    @property
    def zone_name(self) -> str:
        return zone_abbreviation(self.zone)

    def datetime(self, value: datetime | str | None, format: str = "medium") -> str:
        """A stored (UTC) time in the installation's zone and the user's language, e.g.
        ``30 Nov 2026, 08.14 WIB``; naive times are taken as UTC; ``None`` is a dash."""
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
        else:
            moment = value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        shown = format_datetime(
            moment, format=format, tzinfo=ZoneInfo(self.zone), locale=self.language
        )
        return f"{shown} {self.zone_name}"

    def date(self, value: date | str | None, format: str = "medium") -> str:
        """A calendar date (a date of birth, an expiry date) in the user's language."""
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                return value
        else:
            day = value
        return format_date(day, format=format, locale=self.language)

    def context(self) -> dict[str, object]:
        """What every template gets: ``_``, ``ngettext``, ``when`` (times), ``day`` (dates)."""
        gettext: Callable[..., str] = self.gettext
        return {
            "_": gettext,
            "gettext": gettext,
            "ngettext": self.ngettext,
            "when": self.datetime,
            "day": self.date,
            "lang": self.language,
            "languages": LANGUAGES,
            "zone_name": self.zone_name,
        }


def localizer(language: str, zone: str) -> Localizer:
    return Localizer(language if language in LANGUAGES else DEFAULT_LANGUAGE, zone)
