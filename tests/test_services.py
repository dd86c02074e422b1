"""Opening the services of a settings object: a malformed installation form definition refuses
the start before anything stored is touched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from docproc.config import Settings
from docproc.db.session import migrate
from docproc.errors import FormDefinitionInvalid
from docproc.services import open_services


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_malformed_form_definition_refuses_the_start_and_changes_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    migrate(f"sqlite:///{data / 'docproc.db'}")
    (data / "objects").mkdir()
    (data / "objects" / "kept.bin").write_bytes(b"an original")
    before = _digest(data)
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "office.json").write_text('{"fields": {"name": {"labels": {"ar": "x"}}}}')
    settings = Settings(data_dir=data, form_definitions_dir=forms)
    with pytest.raises(FormDefinitionInvalid, match=r"office\.json"):
        open_services(settings, migrate=True)
    assert _digest(data) == before
    (forms / "office.json").write_text('{"fields": {"name": {"labels": {"ar": ["الاسم"]}}}}')
    fixed = tmp_path / "forms-fixed"
    forms.rename(fixed)
    services = open_services(Settings(data_dir=data, form_definitions_dir=fixed))
    assert services.database_url.endswith("docproc.db")
