"""The tool registry and the built-in tools, called the way the run loop calls them: `GET /tools`,
typed arguments with readable errors, the safe calculator, time zones, and kb_search with the
caller's own access."""

from __future__ import annotations

import httpx
import pytest

from hearth.agents.tools.base import ToolContext, ToolError
from hearth.core.scopes import USER_SCOPES, Principal, Scope
from hearth.runtime import Runtime
from tests.support.clients import sign_up
from tests.support.kb import API, collection, finished, upload


def runtime_of(client: httpx.AsyncClient) -> Runtime:
    return client.app.state.hearth.runtime  # type: ignore[attr-defined]


def principal(user_id: str, scopes: frozenset[Scope] = USER_SCOPES,
              collections: frozenset[str] | None = None) -> Principal:
    return Principal(user_id, False, scopes, "api_key", "key", collections)


async def test_tools_are_listed_with_their_schemas(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    response = await client.get(f"{API}/tools", headers=alice.headers)
    assert response.status_code == 200, response.text
    tools = {t["name"]: t for t in response.json()["tools"]}
    assert set(tools) >= {"calculator", "current_time", "http_fetch", "kb_search"}
    assert tools["calculator"]["parameters"]["required"] == ["expression"] and tools["calculator"]["pure"]
    assert tools["kb_search"]["scope"] == "kb:read"
    assert (await client.get(f"{API}/tools")).status_code == 401


async def test_calculator_is_arithmetic_only(client: httpx.AsyncClient) -> None:
    ctx = ToolContext(principal("u"), runtime_of(client))
    calculator = runtime_of(client).tools.get("calculator")
    assert (await calculator.call(ctx, {"expression": "17*23"}))["result"] == 391
    assert (await calculator.call(ctx, {"expression": "(2+3)^2 / 4"}))["result"] == 6.25
    for hostile, message in [("__import__('os').system('true')", "not an arithmetic"), ("1/0", "division by zero"),
                             ("9**9**9", "too large"), ("open('/etc/passwd')", "not an arithmetic")]:
        with pytest.raises(ToolError, match=message):
            await calculator.call(ctx, {"expression": hostile})
    with pytest.raises(ToolError, match="invalid arguments for calculator: expression"):
        await calculator.call(ctx, {"expr": "1+1"})


async def test_current_time_knows_zones(client: httpx.AsyncClient) -> None:
    ctx = ToolContext(principal("u"), runtime_of(client))
    tool = runtime_of(client).tools.get("current_time")
    paris = await tool.call(ctx, {"timezone": "Europe/Paris"})
    assert paris["iso"].endswith(("+01:00", "+02:00"))
    with pytest.raises(ToolError, match="unknown time zone"):
        await tool.call(ctx, {"timezone": "Mars/Olympus"})


async def test_kb_search_uses_the_callers_access(client: httpx.AsyncClient) -> None:
    alice, bob = await sign_up(client, "alice@example.com"), await sign_up(client, "bob@example.com")
    coll = await collection(client, alice)
    done = await upload(client, alice.headers, coll, [("secret.txt", b"The vault code is 4471.")])
    await finished(client, alice.headers, done.json()["job_id"])
    runtime = runtime_of(client)
    tool = runtime.tools.get("kb_search")

    found = await tool.call(ToolContext(principal(alice.user_id), runtime), {"query": "vault code"})
    assert found["results"][0]["document"] == "secret.txt" and "4471" in found["results"][0]["text"]
    nothing = await tool.call(ToolContext(principal(bob.user_id), runtime), {"query": "vault code"})
    assert nothing["results"] == []
    with pytest.raises(ToolError, match="no such collection"):
        await tool.call(ToolContext(principal(bob.user_id), runtime), {"query": "vault", "collection_ids": [coll]})
    restricted = ToolContext(principal(alice.user_id, collections=frozenset({"other"})), runtime)
    with pytest.raises(ToolError, match="no such collection"):
        await tool.call(restricted, {"query": "vault", "collection_ids": [coll]})
    unscoped = ToolContext(principal(alice.user_id, frozenset({Scope.AGENTS})), runtime)
    with pytest.raises(ToolError, match="needs the kb:read scope"):
        await tool.call(unscoped, {"query": "vault"})
