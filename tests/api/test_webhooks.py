from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.test_jobs import jobs_of, wait_for_state
from tests.support.clients import Account, sign_up
from tests.support.isolation import assert_hidden_from, assert_list_excludes
from tests.support.receiver import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.close()


async def webhook_client(make_client) -> httpx.AsyncClient:
    return await make_client(allow_private_webhooks=True, webhook_backoff_base_s=0.05, webhook_timeout_s=2)


async def subscribe(client: httpx.AsyncClient, owner: Account, url: str, events: list[str]) -> dict[str, Any]:
    response = await client.post("/api/v1/integration/webhooks/subscribe", headers=owner.headers,
                                 json={"url": url, "events": events})
    assert response.status_code == 201, response.text
    return response.json()


async def deliveries(client: httpx.AsyncClient, owner: Account, sub_id: str, count: int,
                     settled: set[str] = frozenset({"delivered", "failed"})) -> list[dict[str, Any]]:
    for _ in range(400):
        items = (await client.get(f"/api/v1/integration/webhooks/{sub_id}/deliveries", headers=owner.headers)).json()["items"]
        if len(items) >= count and all(d["state"] in settled for d in items):
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"deliveries did not settle: {items}")


async def test_delivery_is_signed_as_documented(make_client, receiver: WebhookReceiver) -> None:
    client = await webhook_client(make_client)
    owner = await sign_up(client, "a@example.com")
    sub = await subscribe(client, owner, receiver.url, ["job.succeeded"])
    assert sub["secret"].startswith("whsec_")
    job = await jobs_of(client).enqueue("test.noop", {}, owner.user_id)
    await wait_for_state(client, owner, job.id, {"succeeded"})
    [delivery] = await deliveries(client, owner, sub["id"], 1)
    assert delivery["state"] == "delivered" and len(delivery["attempts"]) == 1

    [got] = receiver.received
    assert got.headers["hearth-event"] == "job.succeeded"
    assert got.headers["hearth-delivery"] == delivery["id"]
    expected = hmac.new(sub["secret"].encode(), f"{got.headers['hearth-timestamp']}.".encode() + got.body,
                        hashlib.sha256).hexdigest()
    assert got.headers["hearth-signature"] == f"v1={expected}"
    payload = json.loads(got.body)
    assert payload["type"] == "job.succeeded" and payload["data"]["job_id"] == job.id


async def test_failing_receiver_is_retried_and_every_attempt_recorded(make_client) -> None:
    receiver = WebhookReceiver(fail_first=2)
    try:
        client = await webhook_client(make_client)
        owner = await sign_up(client, "a@example.com")
        sub = await subscribe(client, owner, receiver.url, ["job.*"])
        job = await jobs_of(client).enqueue("test.noop", {}, owner.user_id)
        await wait_for_state(client, owner, job.id, {"succeeded"})
        [delivery] = await deliveries(client, owner, sub["id"], 1)
    finally:
        receiver.close()
    assert delivery["state"] == "delivered"
    attempts = delivery["attempts"]
    assert [a["status_code"] for a in attempts] == [500, 500, 200]
    assert attempts[0]["error"] == "the receiver answered 500" and attempts[2]["error"] is None
    assert all(a["latency_ms"] is not None and a["attempted_at"] for a in attempts)
    assert receiver.answered == [500, 500, 200]
    metrics = (await client.get("/metrics")).text
    assert 'hearth_webhook_delivery_attempts_total{outcome="failed"} 2.0' in metrics


async def test_event_filters_choose_deliveries(make_client, receiver: WebhookReceiver) -> None:
    client = await webhook_client(make_client)
    owner = await sign_up(client, "a@example.com")
    only_failures = await subscribe(client, owner, receiver.url, ["job.failed"])
    ok = await jobs_of(client).enqueue("test.noop", {}, owner.user_id)
    bad = await jobs_of(client).enqueue("test.broken", {}, owner.user_id)
    await wait_for_state(client, owner, ok.id, {"succeeded"})
    await wait_for_state(client, owner, bad.id, {"failed"})
    [delivery] = await deliveries(client, owner, only_failures["id"], 1)
    assert delivery["event"] == "job.failed"


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://10.0.0.1/x", "http://169.254.169.254/latest",
                                 "http://[::1]/x", "http://localhost/x", "ftp://example.com/x"])
async def test_private_targets_are_refused_by_default(client: httpx.AsyncClient, url: str) -> None:
    owner = await sign_up(client, "a@example.com")
    response = await client.post("/api/v1/integration/webhooks/subscribe", headers=owner.headers,
                                 json={"url": url, "events": ["job.succeeded"]})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_event_types_are_refused(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    response = await client.post("/api/v1/integration/webhooks/subscribe", headers=owner.headers,
                                 json={"url": "https://example.com/x", "events": ["job.exploded"]})
    assert response.status_code == 422


async def test_subscriptions_are_private(make_client, receiver: WebhookReceiver) -> None:
    client = await webhook_client(make_client)
    alice = await sign_up(client, "alice@example.com")
    bob = await sign_up(client, "bob@example.com")
    sub = await subscribe(client, alice, receiver.url, ["job.succeeded"])
    await assert_hidden_from(client, bob.headers, [
        ("GET", f"/api/v1/integration/webhooks/{sub['id']}/deliveries"),
        ("DELETE", f"/api/v1/integration/webhooks/unsubscribe/{sub['id']}"),
    ], secret=sub["secret"])
    await assert_list_excludes(client, bob.headers, "/api/v1/integration/webhooks", [sub["id"]])
    listed = (await client.get("/api/v1/integration/webhooks", headers=alice.headers)).text
    assert sub["id"] in listed and sub["secret"] not in listed
    # Bob's jobs never reach Alice's receiver.
    job = await jobs_of(client).enqueue("test.noop", {}, bob.user_id)
    await wait_for_state(client, bob, job.id, {"succeeded"})
    await asyncio.sleep(0.3)
    assert receiver.received == []
    gone = await client.delete(f"/api/v1/integration/webhooks/unsubscribe/{sub['id']}", headers=alice.headers)
    assert gone.status_code == 204
