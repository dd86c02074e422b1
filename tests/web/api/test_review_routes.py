"""The review API's routes for the flow around a decision: next, release, undo, reassign, and the
page sizes the task page draws field boxes with."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import WebApp, upload_sample, wait_until_finished


def _task(web: WebApp, client: TestClient) -> int:
    document_id = upload_sample(client, web.auth("desk"), "03_td2_clean.jpg")
    wait_until_finished(client, document_id, web.auth("desk"))
    tasks = client.get("/api/v1/review/tasks", headers=web.auth("reviewer")).json()["tasks"]
    (task,) = [t for t in tasks if t["document_id"] == document_id]
    return int(task["task_id"])


def test_next_release_undo_and_reassign_through_the_api(web: WebApp, client: TestClient) -> None:
    task_id = _task(web, client)
    reviewer, supervisor = web.auth("reviewer"), web.auth("supervisor")
    taken = client.post("/api/v1/review/next", headers=reviewer)
    assert taken.json() == {"task_id": task_id}
    released = client.post(f"/api/v1/review/tasks/{task_id}/release", headers=reviewer)
    assert released.json() == {"task_id": task_id, "state": "open"}
    refused = client.post(
        f"/api/v1/review/tasks/{task_id}/reassign", headers=reviewer, json={"to": "reviewer"}
    )
    assert refused.status_code == 403
    handed = client.post(
        f"/api/v1/review/tasks/{task_id}/reassign", headers=supervisor, json={"to": "reviewer"}
    )
    assert handed.json() == {"task_id": task_id, "state": "claimed", "claimed_by": "reviewer"}
    nobody = client.post(
        f"/api/v1/review/tasks/{task_id}/reassign", headers=supervisor, json={"to": "desk"}
    )
    assert nobody.status_code == 422 and nobody.json()["reason"] == "bad_reassign"
    fixed = client.post(
        f"/api/v1/review/tasks/{task_id}/fix", headers=reviewer, json={"fields": {"sex": "X"}}
    )
    assert fixed.status_code == 200 and fixed.json()["version"] == 2
    not_theirs = client.post(f"/api/v1/review/tasks/{task_id}/undo", headers=supervisor)
    assert not_theirs.status_code == 409 and not_theirs.json()["reason"] == "cannot_undo"
    undone = client.post(f"/api/v1/review/tasks/{task_id}/undo", headers=reviewer)
    assert undone.json() == {"task_id": task_id, "state": "claimed", "version": 1}
    pages = client.get(f"/api/v1/review/tasks/{task_id}/pages", headers=reviewer).json()
    assert [p["page"] for p in pages["pages"]] == [1]
    assert pages["pages"][0]["width"] > 0 and pages["pages"][0]["height"] > 0
