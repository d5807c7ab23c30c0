"""Helpers for workflow tests: save a definition, run it, wait for the run to settle."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.clients import Account

API = "/api/v1/workflows"


async def define(client: httpx.AsyncClient, owner: Account, definition: dict[str, Any], name: str = "flow") -> str:
    response = await client.post(f"{API}/definitions", headers=owner.headers,
                                 json={"name": name, "definition": definition})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def execute(client: httpx.AsyncClient, owner: Account, definition_id: str,
                  inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post(f"{API}/execute", headers=owner.headers,
                                 json={"definition_id": definition_id, "inputs": inputs or {}})
    assert response.status_code == 202, response.text
    return response.json()


async def settled(client: httpx.AsyncClient, owner: Account, run_id: str,
                  states: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "waiting"}),
                  timeout_s: float = 60) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        run = (await client.get(f"{API}/runs/{run_id}", headers=owner.headers)).json()
        if run["state"] in states:
            return run
        assert asyncio.get_running_loop().time() < deadline, f"the run did not settle: {run}"
        await asyncio.sleep(0.05)


async def run_to_end(client: httpx.AsyncClient, owner: Account, definition: dict[str, Any],
                     inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    started = await execute(client, owner, await define(client, owner, definition), inputs)
    return await settled(client, owner, started["run_id"])


def steps_by_id(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in run["steps"]}
