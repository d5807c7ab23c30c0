from __future__ import annotations

import httpx
import pytest
import redis.asyncio as redis

from tests.support.clients import login, register, sign_up

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
async def clean_redis() -> str:
    client = redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    keys = [k async for k in client.scan_iter("hearth:rl*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
    return REDIS_URL


async def test_auth_routes_are_limited_per_ip(make_client) -> None:
    client = await make_client(rate_limit_auth_per_ip="3/minute")
    for i in range(3):
        assert (await login(client, f"u{i}@example.com")).status_code == 401
    limited = await login(client, "u9@example.com")
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    assert (await client.get("/health")).status_code == 200  # other routes unaffected


async def test_each_principal_has_its_own_budget(make_client) -> None:
    client = await make_client(rate_limit_per_principal="3/minute")
    alice = await sign_up(client, "alice@example.com")
    bob = await sign_up(client, "bob@example.com")
    for _ in range(3):
        assert (await client.get("/api/v1/users/me", headers=alice.headers)).status_code == 200
    over = await client.get("/api/v1/users/me", headers=alice.headers)
    assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
    assert (await client.get("/api/v1/users/me", headers=bob.headers)).status_code == 200


async def test_redis_storage_is_shared_between_replicas(make_client, clean_redis: str) -> None:
    replica_a = await make_client(redis_url=clean_redis, queue="embedded", rate_limit_auth_per_ip="4/minute")
    replica_b = await make_client(redis_url=clean_redis, queue="embedded", rate_limit_auth_per_ip="4/minute")
    assert (await register(replica_a, "a@example.com")).status_code == 201
    assert (await login(replica_b, "a@example.com")).status_code == 200
    assert (await login(replica_a, "a@example.com")).status_code == 200
    assert (await login(replica_b, "a@example.com")).status_code == 200
    over: httpx.Response = await login(replica_a, "a@example.com")
    assert over.status_code == 429
    r = redis.from_url(clean_redis)
    assert [k async for k in r.scan_iter("hearth:rl*")], "limits were not kept in Redis"
    await r.aclose()


async def test_unreachable_redis_fails_open(make_client) -> None:
    client = await make_client(redis_url="redis://127.0.0.1:1/0", queue="embedded", rate_limit_auth_per_ip="1/minute")
    assert (await register(client, "a@example.com")).status_code == 201
    assert (await login(client, "a@example.com")).status_code == 200
