"""Agents through the API with a scripted model (`agent` fake provider, see tests/support/agent_script.py):
definitions and versions, the run loop's tool calls and limits, handoff and agent-as-tool, runs
streamed or in the background, traces, and isolation between users."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from tests.support.agent_script import probe
from tests.support.clients import Account, sign_up
from tests.support.kb import API


async def make_agent(client: httpx.AsyncClient, owner: Account, scenario: str, **fields: Any) -> dict[str, Any]:
    body = {"name": fields.pop("name", scenario), "instructions": f"I am {fields.pop('me', 'A')}. SCENARIO:{scenario}",
            "model": fields.pop("model", "agent/scripted"), **fields}
    response = await client.post(f"{API}/agents", headers=owner.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def run(client: httpx.AsyncClient, owner: Account, agent_id: str, text: str = "hi", **fields: Any) -> dict[str, Any]:
    response = await client.post(f"{API}/agents/{agent_id}/runs", headers=owner.headers, json={"input": text, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def kinds(result: dict[str, Any]) -> list[str]:
    return [s["kind"] for s in result["steps"]]


async def test_definitions_are_validated_and_versioned(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    agent = await make_agent(client, alice, "calc", tools=["calculator"], max_steps=4)
    assert agent["version"] == 1 and agent["tools"] == ["calculator"] and agent["max_steps"] == 4
    first = await run(client, alice, agent["id"])
    patched = await client.patch(f"{API}/agents/{agent['id']}", headers=alice.headers,
                                 json={"temperature": 0.5, "description": "does sums"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2 and patched.json()["tools"] == ["calculator"]
    second = await run(client, alice, agent["id"])
    assert (first["agent_version"], second["agent_version"]) == (1, 2)

    for bad, problem in [({"tools": ["no_such_tool"]}, "unknown tools"), ({"model": "nowhere/x"}, "no LLM provider"),
                         ({"handoffs": ["missing-id"]}, "no such agents"), ({"max_steps": 0}, "max_steps"),
                         ({"surprise": 1}, "surprise")]:
        response = await client.patch(f"{API}/agents/{agent['id']}", headers=alice.headers, json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert problem in response.text
    assert (await client.get(f"{API}/agents/{agent['id']}", headers=alice.headers)).json()["version"] == 2
    listed = (await client.get(f"{API}/agents", headers=alice.headers)).json()["items"]
    assert [a["id"] for a in listed] == [agent["id"]]
    runs = (await client.get(f"{API}/agents/{agent['id']}/runs", headers=alice.headers)).json()["items"]
    assert [r["id"] for r in runs] == [second["id"], first["id"]]


async def test_a_tool_call_then_an_answer_is_traced(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    agent = await make_agent(client, alice, "calc", tools=["calculator"])
    result = await run(client, alice, agent["id"], "what is 17*23?")
    assert result["status"] == "succeeded" and "391" in result["output"]
    assert kinds(result) == ["model", "tool_call", "model", "final"]
    call = result["steps"][1]
    assert call["tool"] == "calculator" and json.loads(call["input"]) == {"expression": "17*23"}
    assert json.loads(call["output"])["result"] == 391 and call["duration_ms"] >= 0
    assert result["steps"][0]["prompt_tokens"] > 0 and result["prompt_tokens"] > 0
    trace = await client.get(f"{API}/agents/runs/{result['id']}", headers=alice.headers)
    assert trace.json()["steps"] == result["steps"]


async def test_models_without_native_tools_use_them_through_emulation(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    agent = await make_agent(client, alice, "calc", tools=["calculator"], model="agent-notools/scripted")
    result = await run(client, alice, agent["id"], "what is 17*23?")
    assert result["status"] == "succeeded" and "391" in result["output"], result
    assert kinds(result) == ["model", "tool_call", "model", "final"]
    provider = client.app.state.hearth.runtime.llm.providers["agent-notools"].inner  # type: ignore[attr-defined]
    first = provider.requests[0]
    assert first.tools == [] and "calculator" in json.dumps(first.json_schema)
    assert "answer" in json.dumps(first.json_schema)  # auto: a call or an answer

    # `tool_use: first` makes the first step a required call (no answer option), later steps free.
    provider.requests.clear()
    await client.patch(f"{API}/agents/{agent['id']}", headers=alice.headers, json={"tool_use": "first"})
    result = await run(client, alice, agent["id"], "what is 17*23?")
    assert "391" in result["output"]
    first, second = provider.requests[0], provider.requests[1]
    assert "answer" not in json.dumps(first.json_schema) and "answer" in json.dumps(second.json_schema)


async def test_independent_tool_calls_run_in_parallel(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    agent = await make_agent(client, alice, "parallel", tools=["slow_add"])
    probe.max_in_flight = 0
    result = await run(client, alice, agent["id"])
    assert result["status"] == "succeeded" and result["output"] == "3 | 7"
    assert probe.max_in_flight == 2
    calls = [s for s in result["steps"] if s["kind"] == "tool_call"]
    assert len(calls) == 2 and all(c["duration_ms"] >= 250 for c in calls)


async def test_invalid_arguments_go_back_to_the_model(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    agent = await make_agent(client, alice, "invalid", tools=["calculator"])
    result = await run(client, alice, agent["id"])
    assert result["status"] == "succeeded", result
    first, second = [s for s in result["steps"] if s["kind"] == "tool_call"]
    assert "invalid arguments for calculator: expression: Field required" in first["error"]
    assert second["error"] is None and json.loads(second["output"])["result"] == 2
    assert result["output"].startswith("after an error")


async def test_max_steps_and_time_budget_stop_a_run(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    forever = await make_agent(client, alice, "forever", tools=["calculator"], max_steps=3)
    result = await run(client, alice, forever["id"])
    assert (result["status"], result["stop_reason"]) == ("stopped", "max_steps")
    assert kinds(result).count("model") == 3 and kinds(result)[-1] == "error"
    assert "3 model steps" in result["error"]

    slow = await make_agent(client, alice, "slow", tools=["calculator"], max_steps=100, time_budget_s=1)
    result = await run(client, alice, slow["id"])
    assert (result["status"], result["stop_reason"]) == ("stopped", "time_budget")
    assert 2 <= kinds(result).count("model") <= 4 and "time budget of 1 s" in result["error"]


async def test_a_repeated_call_is_answered_from_the_conversation(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    agent = await make_agent(client, alice, "repeat", tools=["calculator"])
    result = await run(client, alice, agent["id"])
    assert result["status"] == "succeeded" and result["output"] == "four, finally"
    assert kinds(result).count("tool_call") == 1


async def test_pure_tool_results_are_cached(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    agent = await make_agent(client, alice, "cached", tools=["square"])
    before = probe.square_runs
    first, second = await run(client, alice, agent["id"]), await run(client, alice, agent["id"])
    assert first["output"] == second["output"] == "square 144"
    assert probe.square_runs == before + 1
    cached = [s["cached"] for r in (first, second) for s in r["steps"] if s["kind"] == "tool_call"]
    assert cached == [False, True]


async def test_handoff_passes_the_conversation(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    b = await make_agent(client, alice, "echo", name="billing", me="B", description="Knows invoices")
    a = await make_agent(client, alice, "handoff", name="triage", handoffs=[b["id"]])
    result = await run(client, alice, a["id"], "my invoice is wrong")
    assert result["status"] == "succeeded" and result["output"] == "B: my invoice is wrong"
    handoff = next(s for s in result["steps"] if s["kind"] == "handoff")
    assert handoff["tool"] == "transfer_to_billing" and json.loads(handoff["output"])["to"] == b["id"]
    assert result["steps"][-1]["agent_id"] == b["id"]


async def test_agent_as_tool_answers_the_asking_agent(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    b = await make_agent(client, alice, "calc", name="math", me="B", tools=["calculator"])
    a = await make_agent(client, alice, "delegate", name="boss", delegates=[b["id"]])
    result = await run(client, alice, a["id"])
    assert result["status"] == "succeeded" and result["output"] == "B says It is {\"expression\": \"17*23\", \"result\": 391}"
    asked = next(s for s in result["steps"] if s["tool"] == "ask_math")
    assert json.loads(asked["input"]) == {"input": "what is 17*23?"}
    nested = [s for s in result["steps"] if s["depth"] == 1]
    assert [s["kind"] for s in nested] == ["model", "tool_call", "model"] and nested[0]["agent_id"] == b["id"]


async def test_loops_between_agents_are_stopped(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    b = await make_agent(client, alice, "pingpong", name="ping")
    a = await make_agent(client, alice, "pingpong", name="pong", handoffs=[b["id"]])
    patched = await client.patch(f"{API}/agents/{b['id']}", headers=alice.headers, json={"handoffs": [a["id"]]})
    assert patched.status_code == 200, patched.text
    result = await run(client, alice, a["id"])
    assert (result["status"], result["stop_reason"]) == ("stopped", "loop_limit")
    assert kinds(result).count("handoff") == 5  # visits: pong 3 and ping 3, the sixth visit refused

    # An agent asking itself is stopped by the visit limit, a chain of distinct agents by the depth limit.
    selfish = await make_agent(client, alice, "delegate", name="selfish")
    await client.patch(f"{API}/agents/{selfish['id']}", headers=alice.headers, json={"delegates": [selfish["id"]]})
    result = await run(client, alice, selfish["id"])
    assert result["status"] == "succeeded", result
    assert any("visited more than 3 times" in (s["error"] or "") for s in result["steps"])
    chain = [await make_agent(client, alice, "calc", name="last", tools=["calculator"])]
    for i in range(4):
        chain.append(await make_agent(client, alice, "delegate", name=f"link{i}", delegates=[chain[-1]["id"]]))
    result = await run(client, alice, chain[-1]["id"])
    assert result["status"] == "succeeded", result
    assert max(s["depth"] for s in result["steps"]) == 3
    assert any("only 3 levels deep" in (s["error"] or "") for s in result["steps"])


async def test_output_schema_is_enforced(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    schema = {"type": "object", "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"}},
              "required": ["answer", "confidence"]}
    agent = await make_agent(client, alice, "structured", output_schema=schema)
    result = await run(client, alice, agent["id"], "is it?")
    assert result["status"] == "succeeded" and json.loads(result["output"]) == {"answer": "is it?", "confidence": 0.9}


async def test_runs_stream_their_steps(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    agent = await make_agent(client, alice, "calc", tools=["calculator"])
    events = []
    async with client.stream("POST", f"{API}/agents/{agent['id']}/runs", headers=alice.headers,
                             json={"input": "17*23?", "stream": True}) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                events.append(line.split(":", 1)[1].strip())
    assert events == ["run", "running", "model_started", "tool_call", "tool_result", "model_started", "final", "done"]


async def test_background_runs_report_through_jobs(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    agent = await make_agent(client, alice, "calc", tools=["calculator"])
    response = await client.post(f"{API}/agents/{agent['id']}/runs", headers=alice.headers,
                                 json={"input": "17*23?", "background": True})
    assert response.status_code == 202, response.text
    run_id, job_id = response.json()["id"], response.json()["job_id"]
    for _ in range(200):
        job = (await client.get(f"{API}/jobs/{job_id}", headers=alice.headers)).json()
        if job["state"] in ("succeeded", "failed"):
            break
        await asyncio.sleep(0.05)
    assert job["state"] == "succeeded", job
    result = (await client.get(f"{API}/agents/runs/{run_id}", headers=alice.headers)).json()
    assert result["status"] == "succeeded" and "391" in result["output"]
    assert kinds(result) == ["model", "tool_call", "model", "final"]


async def test_users_cannot_reach_each_others_agents_or_runs(client: httpx.AsyncClient) -> None:
    alice, bob = await sign_up(client, "alice@example.com"), await sign_up(client, "bob@example.com")
    agent = await make_agent(client, alice, "calc", tools=["calculator"])
    result = await run(client, alice, agent["id"])
    for method, path, body in [("GET", f"/agents/{agent['id']}", None), ("PATCH", f"/agents/{agent['id']}", {"max_steps": 2}),
                               ("DELETE", f"/agents/{agent['id']}", None),
                               ("POST", f"/agents/{agent['id']}/runs", {"input": "x"}),
                               ("GET", f"/agents/{agent['id']}/runs", None), ("GET", f"/agents/runs/{result['id']}", None)]:
        response = await client.request(method, f"{API}{path}", headers=bob.headers, json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert (await client.get(f"{API}/agents", headers=bob.headers)).json()["items"] == []
    # Bob cannot point his agent at Alice's either.
    response = await client.post(f"{API}/agents", headers=bob.headers,
                                 json={"name": "sneaky", "handoffs": [agent["id"]]})
    assert response.status_code == 422 and "no such agents" in response.text
    assert (await client.get(f"{API}/agents/{agent['id']}", headers=alice.headers)).json()["version"] == 1


async def _queued_positions(client: httpx.AsyncClient, owner: Account, agent_ids: list[str],
                            active: int) -> dict[str, Any]:
    """Poll until `active` runs are running or waiting in the pool: (agent, status, position) by run."""
    for _ in range(100):
        runs = [r for a in agent_ids
                for r in (await client.get(f"{API}/agents/{a}/runs", headers=owner.headers)).json()["items"]]
        current = [r for r in runs if r["status"] == "running" or r["queue_position"] is not None]
        if len(current) == active:
            return {r["id"]: (r["agent_id"], r["status"], r["queue_position"]) for r in current}
        await asyncio.sleep(0.05)
    raise AssertionError("no run was ever queued")


async def test_the_pool_limits_runs_and_shows_queue_positions(make_client: Any) -> None:
    client = await make_client(agent_max_concurrent_runs=2)
    alice = await sign_up(client, "alice@example.com")
    solo = await make_agent(client, alice, "slow", name="solo", tools=["calculator"], max_steps=100,
                            time_budget_s=1, max_concurrent_runs=1)
    other = await make_agent(client, alice, "slow", name="other", tools=["calculator"], max_steps=100, time_budget_s=1)

    # Per agent: the second run of `solo` waits while a run of `other` starts at once.
    first = asyncio.create_task(run(client, alice, solo["id"]))
    await asyncio.sleep(0.2)
    tasks = [asyncio.create_task(run(client, alice, solo["id"])), asyncio.create_task(run(client, alice, other["id"]))]
    seen = await _queued_positions(client, alice, [solo["id"], other["id"]], 3)
    names = {solo["id"]: "solo", other["id"]: "other"}
    assert sorted((names[a], status, position or 0) for a, status, position in seen.values()) == [
        ("other", "running", 0), ("solo", "queued", 1), ("solo", "running", 0)]
    results = await asyncio.gather(first, *tasks)
    assert [r["stop_reason"] for r in results] == ["time_budget"] * 3

    # Globally: with two running, a third run of either agent waits its turn.
    tasks = [asyncio.create_task(run(client, alice, a["id"])) for a in (solo, other, other)]
    seen = await _queued_positions(client, alice, [solo["id"], other["id"]], 3)
    assert sum(1 for _, status, _ in seen.values() if status == "running") == 2
    assert [p for _, status, p in seen.values() if status == "queued"] == [1]
    assert all(r["status"] == "stopped" for r in await asyncio.gather(*tasks))
