"""Knowledge-base test helpers, and a `client` fixture that runs a test once per index backend
(the embedded index and Qdrant in qdrant-client's local mode)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import ClientFactory
from tests.support.clients import Account

API = "/api/v1"
MARKDOWN = (b"# Cooking\n\nBasic kitchen notes.\n\n## Bread\n\nSourdough bread needs a starter, flour, water and salt. "
            b"Let the dough rise overnight.\n\n## Soup\n\nTomato soup is simmered with basil and garlic.\n")


@pytest.fixture(params=["embedded", "qdrant"])
async def client(make_client: ClientFactory, request: pytest.FixtureRequest) -> httpx.AsyncClient:
    return await make_client(vector_store=request.param)


async def collection(client: httpx.AsyncClient, owner: Account, name: str = "notes") -> str:
    response = await client.post(f"{API}/kb/collections", headers=owner.headers, json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def upload(client: httpx.AsyncClient, headers: dict[str, str], collection_id: str,
                 files: list[tuple[str, bytes]], **form: str) -> httpx.Response:
    return await client.post(f"{API}/kb/collections/{collection_id}/documents", headers=headers,
                             files=[("files", (name, data)) for name, data in files], data=form)


async def finished(client: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    for _ in range(600):
        job = (await client.get(f"{API}/jobs/{job_id}", headers=headers)).json()
        if job["state"] in ("succeeded", "failed", "cancelled"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


async def search(client: httpx.AsyncClient, headers: dict[str, str], query: str, collections: list[str],
                 **extra: Any) -> httpx.Response:
    return await client.post(f"{API}/kb/search", headers=headers,
                             json={"query": query, "collection_ids": collections, **extra})
