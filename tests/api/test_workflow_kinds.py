"""The step kinds that reach other parts of Hearth, each in a real run: `tool`, `agent` (the scripted
model calls the calculator), `kb_search` and `kb_ask` over an uploaded document, and `http` against a
real server on loopback — allowed by HEARTH_HTTP_FETCH_ALLOW_HOSTS, refused without it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hearth.llm.wire_fakes import LoopbackServer
from tests.api.test_agents import make_agent
from tests.api.test_workflow_examples import HANDBOOK
from tests.support.clients import sign_up
from tests.support.kb import collection, finished, upload
from tests.support.workflows import run_to_end, steps_by_id


def api() -> Starlette:
    async def data(_request: Request) -> JSONResponse:
        return JSONResponse({"cities": ["Oslo", "Lima"]})

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"got": await request.json()})

    async def missing(_request: Request) -> JSONResponse:
        return JSONResponse({"error": "nope"}, status_code=404)

    return Starlette(routes=[Route("/data", data), Route("/echo", echo, methods=["POST"]), Route("/missing", missing)])


@pytest.fixture
def server() -> Iterator[str]:
    with LoopbackServer(api()) as url:
        yield url


async def test_tool_agent_kb_search_and_kb_ask_steps(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    agent = await make_agent(client, owner, "calc", tools=["calculator"])
    coll = await collection(client, owner, "handbook")
    accepted = await upload(client, owner.headers, coll, [("handbook.md", HANDBOOK)])
    assert (await finished(client, owner.headers, accepted.json()["job_id"]))["state"] == "succeeded"
    definition = {
        "inputs": {"type": "object", "properties": {"a": {"type": "integer"}, "collection": {"type": "string"}}},
        "steps": [
            {"id": "multiply", "kind": "tool", "tool": "calculator", "arguments": {"expression": "{{ inputs.a }}*3"}},
            {"id": "ask_agent", "kind": "agent", "agent_id": agent["id"], "input": "what is 17*23?"},
            {"id": "search", "kind": "kb_search", "query": "vacation days", "collection_ids": ["{{ inputs.collection }}"]},
            {"id": "ask_kb", "kind": "kb_ask", "question": "How many vacation days?",
             "collection_ids": "{{ [inputs.collection] }}"},
        ]}
    run = await run_to_end(client, owner, definition, {"a": 14, "collection": coll})
    steps = steps_by_id(run)
    assert run["state"] == "succeeded", run
    assert steps["multiply"]["output"] == {"expression": "14*3", "result": 42}
    assert steps["ask_agent"]["output"]["text"] == 'It is {"expression": "17*23", "result": 391}' and steps["ask_agent"]["output"]["status"] == "succeeded"
    agent_run = (await client.get(f"/api/v1/agents/runs/{steps['ask_agent']['output']['run_id']}",
                                  headers=owner.headers)).json()
    assert "tool_call" in [s["kind"] for s in agent_run["steps"]]  # the agent's own trace is kept
    assert steps["search"]["output"]["results"][0]["document"] == "handbook.md"
    assert "25 vacation days" in steps["ask_kb"]["output"]["answer"]
    assert steps["ask_kb"]["output"]["citations"][0]["filename"] == "handbook.md"


async def test_a_step_naming_another_users_agent_or_an_unknown_tool_is_refused(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    bob = await sign_up(client, "bob@example.com")
    agent = await make_agent(client, alice, "calc")
    definition = {"steps": [{"id": "borrow", "kind": "agent", "agent_id": agent["id"], "input": "hi"},
                            {"id": "magic", "kind": "tool", "tool": "teleporter"}]}
    response = await client.post("/api/v1/workflows/definitions", headers=bob.headers,
                                 json={"name": "x", "definition": definition})
    assert response.status_code == 422
    problems = {p["step"]: p["problem"] for p in response.json()["errors"]}
    assert problems["borrow"].startswith("agent_id: you have no agent")
    assert problems["magic"].startswith("tool: no tool named 'teleporter'")


async def test_http_steps_reach_an_allowed_host_and_fail_on_error_statuses(make_client, server: str) -> None:
    client = await make_client(http_fetch_allow_hosts=["127.0.0.1"])
    owner = await sign_up(client, "a@example.com")
    definition = {"steps": [
        {"id": "fetch", "kind": "http", "url": f"{server}/data"},
        {"id": "post", "kind": "http", "method": "POST", "url": f"{server}/echo", "depends_on": ["fetch"],
         "body": {"first": "{{ steps.fetch.output.json.cities[0] }}"}},
        {"id": "missing", "kind": "http", "url": f"{server}/missing", "retry": {"max_attempts": 3, "backoff_s": 0.01}},
    ]}
    run = await run_to_end(client, owner, definition)
    steps = steps_by_id(run)
    assert steps["fetch"]["output"]["json"] == {"cities": ["Oslo", "Lima"]} and steps["fetch"]["output"]["status"] == 200
    assert steps["post"]["output"]["json"] == {"got": {"first": "Oslo"}}
    assert steps["missing"]["state"] == "failed" and steps["missing"]["attempts"] == 1  # a 404 is not retried
    assert steps["missing"]["error"].endswith("answered 404")


async def test_http_steps_cannot_reach_private_addresses_by_default(client: httpx.AsyncClient, server: str) -> None:
    owner = await sign_up(client, "a@example.com")
    run = await run_to_end(client, owner, {"steps": [{"id": "sneak", "kind": "http", "url": f"{server}/data",
                                                      "retry": {"max_attempts": 3, "backoff_s": 0.01}}]})
    sneak = steps_by_id(run)["sneak"]
    assert run["state"] == "failed" and sneak["attempts"] == 1
    assert "non-public address" in sneak["error"]
