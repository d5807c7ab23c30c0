from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.support.clients import sign_up


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) >= 16
    hostile = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"


async def test_unexpected_error_is_generic_500_with_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    app: FastAPI = client.app  # type: ignore[attr-defined]

    async def explode() -> None:
        raise RuntimeError("password=hunter2 in /secret/path")

    app.add_api_route("/explode", explode)
    with caplog.at_level(logging.ERROR):
        response = await client.get("/explode", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert response.json()["request_id"] == "req-500"
    assert response.headers["x-request-id"] == "req-500"
    logged = [r for r in caplog.records if "unhandled error" in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert (await client.get("/health")).status_code == 200


async def test_metrics_by_route_template(client: httpx.AsyncClient) -> None:
    admin = await sign_up(client, "admin@example.com")
    await client.get(f"/api/v1/users/{admin.user_id}", headers=admin.headers)
    await client.get("/api/v1/users/another-id", headers=admin.headers)
    await client.get("/no/such/route")
    body = (await client.get("/metrics")).text
    assert 'hearth_http_requests_total{method="GET",route="/api/v1/users/{user_id}",status="200"} 1.0' in body
    assert 'hearth_http_requests_total{method="GET",route="/api/v1/users/{user_id}",status="404"} 1.0' in body
    assert 'route="unmatched",status="404"' in body
    assert admin.user_id not in body
    assert "hearth_http_request_duration_seconds_bucket" in body
    assert "hearth_http_requests_in_flight" in body
    assert "hearth_db_pool_checked_out" in body


async def test_ready_names_the_database_when_it_is_behind(client: httpx.AsyncClient) -> None:
    ready = await client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"]["ok"] is True
    engine = client.app.state.hearth.engine  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        await conn.execute(text("UPDATE alembic_version SET version_num = 'stale'"))
    try:
        not_ready = await client.get("/ready")
        assert not_ready.status_code == 503
        assert not_ready.headers["content-type"] == "application/problem+json"
        assert "database" in not_ready.json()["detail"]
        assert not_ready.json()["checks"]["database"]["ok"] is False
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})


async def test_ready_is_503_when_the_database_is_unreachable(make_client, backend: str, tmp_path) -> None:
    unreachable = {
        "postgres": "postgresql+asyncpg://nobody@127.0.0.1:1/none",
        "sqlite": f"sqlite+aiosqlite:///{tmp_path}/missing-dir/hearth.db",
    }[backend]
    client = await make_client(database_url=unreachable, auto_migrate=False)
    response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
    assert (await client.get("/health")).status_code == 200
