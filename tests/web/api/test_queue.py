"""The review queue without OCR: tasks for needs_review and sampled documents, order, filter,
and an atomic claim under real concurrency."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from docproc.casework import review
from docproc.casework.auth import Principal
from docproc.config import Settings
from docproc.db import repo
from docproc.db.models import DocumentStatus, Role
from docproc.db.session import session_scope
from docproc.web.app import create_app
from docproc.web.uploads import make_dispatch
from tests.web.conftest import WebApp, build_app


@pytest.fixture(params=["sqlite", "postgresql"])
def web_any(request: pytest.FixtureRequest, tmp_path: Path) -> WebApp:
    if request.param == "sqlite":
        return build_app(f"sqlite:///{tmp_path / 'docproc.db'}", tmp_path, sample_rate=0.5)
    make_pg_database: Callable[[], str] = request.getfixturevalue("make_pg_database")
    return build_app(make_pg_database(), tmp_path, sample_rate=0.5)


def _document(web: WebApp, status: DocumentStatus, reason: str | None = None) -> uuid.UUID:
    with session_scope(web.services.session_factory) as session:
        document, _ = repo.get_or_create_document(
            session, sha256=uuid.uuid4().hex * 2, source_key="originals/x", actor="test"
        )
        repo.set_status(session, document, DocumentStatus.processing, actor="test")
        repo.set_status(session, document, status, reason, actor="test")
        return document.id


def _reviewer(name: str) -> Principal:
    return Principal(str(uuid.uuid4()), name, Role.reviewer, "token")


def test_queue_holds_needs_review_and_a_stable_sample_by_priority(web_any: WebApp) -> None:
    web = web_any
    late = _document(web, DocumentStatus.needs_review, "no_mrz")
    early = _document(web, DocumentStatus.needs_review, "low_confidence:surname,check_blind:x")
    done = [_document(web, DocumentStatus.done) for _ in range(40)]
    with session_scope(web.services.session_factory) as session:
        opened = review.sync_queue(session, 0.5)
        assert review.sync_queue(session, 0.5) == 0  # idempotent
        items = review.queue(session)
        filtered = review.queue(session, reason="no_mrz")
        reasons = review.queue_reasons(session)
    sampled = {d for d in done if review.is_sampled(d, 0.5)}
    assert 5 < len(sampled) < 35
    assert opened == 2 + len(sampled)
    ids = [uuid.UUID(i.document_id) for i in items]
    assert set(ids[:2]) == {late, early}  # needs_review first (priority), then the sample
    assert set(ids[2:]) == sampled
    assert [i.document_id for i in filtered] == [str(late)]
    assert {"no_mrz", "low_confidence:surname", "check_blind:x", "sample"} <= set(reasons)


def test_of_many_reviewers_claiming_at_once_exactly_one_wins(web_any: WebApp) -> None:
    web = web_any
    _document(web, DocumentStatus.needs_review, "no_mrz")
    with session_scope(web.services.session_factory) as session:
        review.sync_queue(session, 0.0)
        (item,) = review.queue(session)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def attempt(name: str) -> None:
        barrier.wait()
        try:
            with session_scope(web.services.session_factory) as session:
                review.claim(session, item.task_id, _reviewer(name))
            outcomes.append("won")
        except review.TaskTaken:
            outcomes.append("taken")

    threads = [threading.Thread(target=attempt, args=(f"r{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["taken"] * 5 + ["won"]


def test_celery_dispatch_is_chosen_by_the_environment(
    web: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = web.app.state.docproc
    monkeypatch.setenv("DOCPROC_DISPATCH", "celery")
    settings = Settings(**state.settings.model_dump(exclude={"dispatch"}))
    assert settings.dispatch == "celery"
    dispatch, executor = make_dispatch(web.services, settings, 0.05, "test")
    assert executor is None
    assert dispatch.__qualname__.startswith("make_dispatcher")
    monkeypatch.setenv("DOCPROC_DISPATCH", "thread")
    settings = Settings(**state.settings.model_dump(exclude={"dispatch"}))
    dispatch, executor = make_dispatch(web.services, settings, 0.05, "test")
    assert executor is not None
    executor.shutdown()


def test_the_bucket_hook_is_mounted_and_off_without_a_token(web: WebApp) -> None:
    from fastapi.testclient import TestClient

    with TestClient(web.app) as client:
        response = client.post("/hooks/s3", json={"Records": []})
    assert response.status_code == 403
    assert response.json()["reason"] == "webhook_disabled"

    state = web.app.state.docproc
    settings = state.settings.model_copy(update={"webhook_token": SecretStr("s3cret-token")})
    app = create_app(settings, services=web.services, worker_name="hook-test")
    with TestClient(app) as client:
        assert client.post("/hooks/s3", json={"Records": []}).status_code == 401
        good = {"Authorization": "Bearer s3cret-token"}
        response = client.post("/hooks/s3", json={"Records": []}, headers=good)
        assert response.status_code == 200 and response.json()["objects"] == 0
        for malformed in ({"Records": 5}, {"Records": "x"}, [1, 2], "x"):
            bad = client.post("/hooks/s3", json=malformed, headers=good)
            assert bad.status_code == 400, (malformed, bad.text)
            assert bad.json()["reason"] == "bad_event"
        assert client.post("/hooks/s3", content=b"{", headers=good).status_code == 400
