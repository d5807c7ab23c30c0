from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sqlalchemy import text

from tests.support.clients import Account, sign_up
from tests.support.isolation import assert_hidden_from, assert_list_excludes


def jobs_of(client: httpx.AsyncClient) -> Any:
    return client.app.state.hearth.jobs  # type: ignore[attr-defined]


async def wait_for_state(client: httpx.AsyncClient, owner: Account, job_id: str, states: set[str],
                         timeout_s: float = 20) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        body = (await client.get(f"/api/v1/jobs/{job_id}", headers=owner.headers)).json()
        if body["state"] in states:
            return body
        assert asyncio.get_running_loop().time() < deadline, f"job stuck in {body['state']}: {body}"
        await asyncio.sleep(0.05)


async def job_events(client: httpx.AsyncClient, owner: Account, job_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(event name, data) of a job's event stream, read until the server ends it."""
    events: list[tuple[str, dict[str, Any]]] = []
    async with client.stream("GET", f"/api/v1/jobs/{job_id}/events", headers=owner.headers) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        name = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line.split(":", 1)[1])))
    return events


async def test_job_reports_progress_and_records_its_side_effect(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    job = await jobs_of(client).enqueue("test.count", {"steps": 4}, owner.user_id)
    body = await wait_for_state(client, owner, job.id, {"succeeded", "failed"})
    assert body["state"] == "succeeded", body
    assert body["progress"] == {"done": 4, "total": 4, "stage": "counting", "message": "step 4 of 4"}
    assert body["result"] == {"counted": 4} and body["attempts"] == 1
    engine = client.app.state.hearth.engine  # type: ignore[attr-defined]
    async with engine.connect() as conn:
        effects = (await conn.execute(text("SELECT value FROM test_job_effects WHERE job_id = :j"),
                                      {"j": job.id})).scalars().all()
    assert effects == [4]


async def test_idempotency_key_returns_the_first_job(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    first = await jobs_of(client).enqueue("test.noop", {}, owner.user_id, idempotency_key="once")
    again = await jobs_of(client).enqueue("test.noop", {}, owner.user_id, idempotency_key="once")
    other = await jobs_of(client).enqueue("test.noop", {}, owner.user_id, idempotency_key="twice")
    assert first.id == again.id != other.id


async def test_retries_with_backoff_until_success(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    job = await jobs_of(client).enqueue("test.flaky", {"fail_times": 2}, owner.user_id)
    body = await wait_for_state(client, owner, job.id, {"succeeded", "failed"})
    assert body["state"] == "succeeded" and body["attempts"] == 3 and body["result"] == {"attempt": 3}


async def test_exhausted_retries_fail_with_a_readable_error(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    planned = await jobs_of(client).enqueue("test.flaky", {"fail_times": 5}, owner.user_id)
    body = await wait_for_state(client, owner, planned.id, {"succeeded", "failed"})
    assert body["state"] == "failed" and body["attempts"] == 3 and body["error"] == "planned failure 3"

    crash = await jobs_of(client).enqueue("test.broken", {}, owner.user_id)
    response = await client.get(f"/api/v1/jobs/{crash.id}", headers=owner.headers)
    body = await wait_for_state(client, owner, crash.id, {"failed"})
    assert body["error"] == "unexpected error in the job handler (RuntimeError)"
    assert "passwd" not in response.text and "Traceback" not in json.dumps(body)


async def test_timeout_fails_the_job(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    job = await jobs_of(client).enqueue("test.slow", {"sleep_s": 5}, owner.user_id)
    body = await wait_for_state(client, owner, job.id, {"failed", "succeeded"})
    assert body["state"] == "failed" and "timed out" in body["error"]


async def test_cancel_stops_a_running_job_at_its_next_check(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    job = await jobs_of(client).enqueue("test.count", {"steps": 500, "sleep_s": 0.02}, owner.user_id)
    running = await wait_for_state(client, owner, job.id, {"running"})
    assert running["state"] == "running"
    await asyncio.sleep(0.2)
    cancelled = await client.post(f"/api/v1/jobs/{job.id}/cancel", headers=owner.headers)
    assert cancelled.status_code == 200 and cancelled.json()["cancel_requested"] is True
    body = await wait_for_state(client, owner, job.id, {"cancelled", "succeeded", "failed"})
    assert body["state"] == "cancelled"
    assert 0 < body["progress"]["done"] < 500


async def test_cancel_of_a_queued_job_is_immediate(make_client) -> None:
    client = await make_client(job_workers=0)
    owner = await sign_up(client, "a@example.com")
    job = await jobs_of(client).enqueue("test.count", {}, owner.user_id)
    response = await client.post(f"/api/v1/jobs/{job.id}/cancel", headers=owner.headers)
    assert response.json()["state"] == "cancelled"


async def test_jobs_are_private_to_their_owner_and_visible_to_admins(client: httpx.AsyncClient) -> None:
    admin = await sign_up(client, "admin@example.com")
    alice = await sign_up(client, "alice@example.com")
    bob = await sign_up(client, "bob@example.com")
    job = await jobs_of(client).enqueue("test.noop", {}, alice.user_id)
    await assert_hidden_from(client, bob.headers, [
        ("GET", f"/api/v1/jobs/{job.id}"), ("POST", f"/api/v1/jobs/{job.id}/cancel"),
        ("GET", f"/api/v1/jobs/{job.id}/events"),
    ])
    await assert_list_excludes(client, bob.headers, "/api/v1/jobs", [job.id])
    mine = (await client.get("/api/v1/jobs", headers=alice.headers)).json()["items"]
    assert [j["id"] for j in mine] == [job.id]
    assert (await client.get(f"/api/v1/jobs/{job.id}", headers=admin.headers)).status_code == 200


async def test_events_stream_progress_until_done(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    job = await jobs_of(client).enqueue("test.count", {"steps": 5, "sleep_s": 0.1}, owner.user_id)
    events = await job_events(client, owner, job.id)
    assert events[-1] == ("done", {"id": job.id, "state": "succeeded"})
    progress = [data["progress"]["done"] for name, data in events if name == "progress"]
    assert progress == sorted(progress) and progress[-1] == 5 and len(progress) >= 2


async def test_metrics_show_jobs(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    job = await jobs_of(client).enqueue("test.noop", {}, owner.user_id)
    await wait_for_state(client, owner, job.id, {"succeeded"})
    body = (await client.get("/metrics")).text
    assert 'hearth_jobs{kind="test.noop",state="succeeded"} 1.0' in body
    assert 'hearth_jobs_finished_total{kind="test.noop",state="succeeded"} 1.0' in body
    assert "hearth_jobs_queue_depth" in body and "hearth_job_duration_seconds_bucket" in body
    ready = (await client.get("/ready")).json()
    assert ready["checks"]["queue"]["ok"] is True


async def test_ready_reports_the_redis_queue(make_client) -> None:
    up = await make_client(queue="redis", redis_url="redis://127.0.0.1:6379/13", job_workers=0)
    body = (await up.get("/ready")).json()
    assert body["checks"]["queue"]["ok"] is True and body["checks"]["queue"]["detail"].startswith("redis")
    down = await make_client(queue="redis", redis_url="redis://127.0.0.1:1/0", job_workers=0)
    response = await down.get("/ready")
    assert response.status_code == 503 and "queue" in response.json()["detail"]
    assert response.json()["checks"]["database"]["ok"] is True
