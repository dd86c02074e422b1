"""The interface's languages: negotiation, translations complete, times in the local zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from docproc.web.i18n import localizer, negotiate, zone_abbreviation
from docproc.web.messages import marked_messages, missing


def test_the_users_choice_wins_over_the_browser() -> None:
    assert negotiate("en-US,en;q=0.9", "id") == "id"


def test_the_browsers_first_supported_language_is_taken() -> None:
    assert negotiate("fr-FR,id;q=0.8,en;q=0.5") == "id"
    assert negotiate("en-GB,id;q=0.8") == "en"
    assert negotiate("in-ID") == "id"  # the old code some Android browsers still send
    assert negotiate("fr,de;q=0.5") == "en"
    assert negotiate("id;q=0,en") == "en"


def test_every_marked_message_has_an_indonesian_translation() -> None:
    assert sum(1 for _ in marked_messages()) > 20
    gaps = missing("id")
    assert gaps == {}, f"untranslated (python -m docproc.web.messages --add AREA): {gaps}"


def test_indonesian_pages_translate_and_english_ones_stay() -> None:
    assert localizer("id", "Asia/Jakarta").gettext("Log out") == "Keluar"
    assert localizer("en", "Asia/Jakarta").gettext("Log out") == "Log out"
    assert localizer("xx", "Asia/Jakarta").language == "en"


def test_times_are_shown_in_the_installations_zone_with_its_indonesian_name() -> None:
    moment = datetime(2026, 11, 29, 19, 42, 27, tzinfo=UTC)
    jakarta = localizer("id", "Asia/Jakarta").datetime(moment)
    assert "02.42" in jakarta and jakarta.endswith("WIB") and "30" in jakarta
    makassar = localizer("en", "Asia/Makassar").datetime(moment.isoformat())
    assert "3:42" in makassar and makassar.endswith("WITA")
    assert zone_abbreviation("Asia/Jayapura") == "WIT"
    assert localizer("en", "Asia/Jakarta").datetime(None) == "—"


def test_dates_are_written_in_the_users_language() -> None:
    assert "Mei" in localizer("id", "Asia/Jakarta").date(date(1978, 5, 17))
    assert "May" in localizer("en", "Asia/Jakarta").date("1978-05-17")
