"""Shared fixtures. API tests run once on SQLite and once on PostgreSQL (127.0.0.1:5432), whose
throwaway database is created for the run and dropped after it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import text

from hearth.api.app import create_app
from hearth.core.logging import configure_logging
from hearth.core.settings import Settings, load_settings
from hearth.db import migrate
from hearth.db.engine import create_engine
from hearth.db.tables import Base
from tests.support import postgres

TEST_SECRET = "test-secret-" + "x1y2z3" * 8


@pytest.fixture(scope="session", autouse=True)
def _json_logging() -> None:
    """The same logging set-up as `hearth serve`, so caplog sees what production would log."""
    configure_logging("INFO", json=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    user = asyncio.run(postgres.find_admin_user())
    if user is None:
        message = f"PostgreSQL is not reachable on {postgres.HOST}:{postgres.PORT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name, url = asyncio.run(postgres.create_database(user))
    yield url
    asyncio.run(postgres.drop_database(user, name))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/hearth-test.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def fresh_database(backend: str, database_url: str, make_settings: Callable[..., Settings]) -> str:
    """The database at the newest schema with no rows (PostgreSQL's is shared by the run)."""
    if backend == "postgres":
        engine = create_engine(make_settings())
        try:
            await migrate.upgrade(engine)
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {names} CASCADE"))
        finally:
            await engine.dispose()
    return database_url


@pytest.fixture
def make_settings(tmp_path: Any, database_url: str) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "env": "test",
            "data_dir": tmp_path / "data",
            "database_url": database_url,
            "secret_key": TEST_SECRET,
            "auto_migrate": True,
            "plugins": ["tests.support.jobs_plugin", "tests.support.llm_plugin", "tests.support.workflow_plugin"],
            "chat_model": "fake/echo",
            "llm_provider": "local",
            "job_poll_interval_s": 0.05,
            "queue": "embedded",
        }
        values.update(overrides)
        return load_settings(**values)

    return make


ClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def make_client(fresh_database: str, make_settings: Callable[..., Settings]) -> AsyncIterator[ClientFactory]:
    """Build an app from settings overrides and an ASGI client for it (lifespan included)."""
    async with AsyncExitStack() as stack:

        async def make(**overrides: Any) -> httpx.AsyncClient:
            app = create_app(make_settings(**overrides))
            await stack.enter_async_context(LifespanManager(app))
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            client = httpx.AsyncClient(transport=transport, base_url="http://hearth.test")
            client.app = app  # type: ignore[attr-defined]
            return await stack.enter_async_context(client)

        yield make


@pytest.fixture
async def client(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client()
