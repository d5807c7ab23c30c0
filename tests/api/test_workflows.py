"""Workflows through the API, on SQLite and PostgreSQL: definitions and their validation, execution on
the job queue with retries, branches, fan-out, pauses, cancellation, events and isolation."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import yaml

from tests.api.test_jobs import job_events
from tests.api.test_webhooks import deliveries, subscribe, webhook_client
from tests.support import workflow_plugin
from tests.support.clients import sign_up
from tests.support.isolation import assert_hidden_from, assert_list_excludes
from tests.support.receiver import WebhookReceiver
from tests.support.workflows import API, define, execute, run_to_end, settled, steps_by_id


def effect(step_id: str, depends_on: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    return {"id": step_id, "kind": "test.effect", "name": step_id, "depends_on": depends_on or [], **fields}


async def test_definitions_are_saved_versioned_listed_and_deleted(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    definition = {"steps": [{"id": "hello", "kind": "transform", "template": "hi"}]}
    created = await client.post(f"{API}/definitions", headers=owner.headers, json={"name": "greet", "definition": definition})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["version"] == 1 and body["definition"] == definition
    changed = {"steps": [{"id": "hello", "kind": "transform", "template": "hello"}]}
    updated = await client.put(f"{API}/definitions/{body['id']}", headers=owner.headers, json={"definition": changed})
    assert updated.status_code == 200 and updated.json()["version"] == 2 and updated.json()["name"] == "greet"
    assert (await client.get(f"{API}/definitions/{body['id']}", headers=owner.headers)).json()["definition"] == changed
    listed = (await client.get(f"{API}/definitions", headers=owner.headers)).json()["items"]
    assert [d["id"] for d in listed] == [body["id"]]
    assert (await client.delete(f"{API}/definitions/{body['id']}", headers=owner.headers)).status_code == 204
    assert (await client.get(f"{API}/definitions/{body['id']}", headers=owner.headers)).status_code == 404


async def test_a_definition_can_be_written_in_yaml(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    document = {"name": "from yaml", "definition": {"inputs": {"type": "object", "properties": {"who": {"type": "string"}}},
                                                    "steps": [{"id": "greet", "kind": "transform",
                                                               "template": "Hello {{ inputs.who }}"}]}}
    headers = {**owner.headers, "content-type": "application/yaml"}
    created = await client.post(f"{API}/definitions", headers=headers, content=yaml.safe_dump(document))
    assert created.status_code == 201, created.text
    started = await execute(client, owner, created.json()["id"], {"who": "Ada"})
    run = await settled(client, owner, started["run_id"])
    assert steps_by_id(run)["greet"]["output"] == "Hello Ada"

    aliases = "a: &x [1, 2]\nb: *x\n"
    refused = await client.post(f"{API}/definitions", headers=headers, content=aliases)
    assert refused.status_code == 422 and "aliases" in refused.json()["detail"]
    broken = await client.post(f"{API}/definitions", headers=headers, content="name: [unclosed")
    assert broken.status_code == 422 and "not valid YAML" in broken.json()["detail"]


async def test_one_422_names_a_cycle_a_dangling_reference_and_an_unknown_kind(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    definition = {"steps": [
        {"id": "a", "kind": "transform", "template": "{{ steps.b.output }}", "depends_on": ["b"]},
        {"id": "b", "kind": "transform", "template": "x", "depends_on": ["a"]},
        {"id": "c", "kind": "transform", "template": "{{ steps.ghost.output }}"},
        {"id": "d", "kind": "teleport"},
    ]}
    response = await client.post(f"{API}/definitions", headers=owner.headers, json={"name": "bad", "definition": definition})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problems = response.json()["errors"]
    by_step = {(p["step"], p["problem"]) for p in problems}
    assert any(step in ("a", "b") and "cycle" in text for step, text in by_step), problems
    assert ("c", "template: references unknown step 'ghost'") in by_step, problems
    assert any(step == "d" and "unknown kind 'teleport'" in text for step, text in by_step), problems
    assert (await client.get(f"{API}/definitions", headers=owner.headers)).json()["items"] == []


async def test_validation_reports_templates_fields_and_dependencies(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    definition = {"inputs": {"type": "object", "properties": {"topic": {"type": "string"}}}, "steps": [
        {"id": "fetch", "kind": "test.effect", "name": "fetch"},
        {"id": "broken", "kind": "transform", "template": "{{ steps.fetch.output ", "depends_on": ["fetch"]},
        {"id": "typo", "kind": "transform", "template": "{{ steps.fetch.outptu }} {{ inputs.topik }}",
         "depends_on": ["fetch"]},
        {"id": "shape", "kind": "transform", "template": "{{ steps.fetch.output.nope }}", "depends_on": ["fetch"]},
        {"id": "eager", "kind": "transform", "template": "{{ steps.fetch.output.name }}"},
        {"id": "stranger", "kind": "transform", "template": "{{ secrets }}", "depends_on": ["missing"]},
        {"id": "llm_bad", "kind": "llm"},
        {"id": "many", "kind": "map", "items": [1], "step": {"kind": "human_input"}},
    ]}
    response = await client.post(f"{API}/definitions", headers=owner.headers, json={"name": "bad", "definition": definition})
    assert response.status_code == 422
    problems = [(p["step"], p["problem"]) for p in response.json()["errors"]]
    text = json.dumps(problems)

    def has(step: str, fragment: str) -> bool:
        return any(s == step and fragment in p for s, p in problems)

    assert has("broken", "does not parse"), text
    assert has("typo", "steps.fetch has no field 'outptu'") and has("typo", "inputs has no field 'topik'"), text
    assert has("shape", "steps.fetch.output has no field 'nope'"), text
    assert has("eager", "does not depend on it"), text
    assert has("stranger", "unknown variable 'secrets'") and has("stranger", "depends on unknown step 'missing'"), text
    assert has("llm_bad", "prompt: Field required"), text
    assert has("many", "cannot run per item"), text


async def test_a_run_renders_templates_takes_one_branch_and_joins(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    definition = {
        "inputs": {"type": "object", "required": ["numbers"],
                   "properties": {"numbers": {"type": "array", "items": {"type": "integer"}}}},
        "steps": [
            {"id": "total", "kind": "transform", "template": "{{ inputs.numbers | sum }}"},
            {"id": "big", "kind": "condition", "if": "{{ steps.total.output > 10 }}", "then": ["shout"],
             "else": ["whisper"], "depends_on": ["total"]},
            {"id": "shout", "kind": "transform", "template": "BIG {{ steps.total.output }}", "depends_on": ["total"]},
            {"id": "whisper", "kind": "transform", "template": "small {{ steps.total.output }}", "depends_on": ["total"]},
            {"id": "after_whisper", "kind": "transform", "template": "never", "depends_on": ["whisper"]},
            {"id": "report", "kind": "transform", "depends_on": ["shout", "whisper"],
             "template": {"said": "{{ steps.shout.output or steps.whisper.output }}", "n": "{{ inputs.numbers | length }}"}},
        ]}
    run = await run_to_end(client, owner, definition, {"numbers": [4, 5, 6]})
    steps = steps_by_id(run)
    assert run["state"] == "succeeded", run
    assert steps["total"]["output"] == 15 and steps["big"]["output"] == {"value": True, "branch": "then"}
    assert steps["whisper"]["state"] == "skipped" and steps["after_whisper"]["state"] == "skipped"
    assert steps["report"]["output"] == {"said": "BIG 15", "n": 3}
    assert all(s["duration_ms"] is not None for s in run["steps"] if s["state"] == "succeeded")

    defined = await define(client, owner, definition, "again")
    bad = await client.post(f"{API}/execute", headers=owner.headers,
                            json={"definition_id": defined, "inputs": {"numbers": ["x"]}})
    assert bad.status_code == 422 and bad.json()["errors"] == ["numbers.0: 'x' is not of type 'integer'"]


async def test_retries_are_recorded_and_an_exhausted_step_fails_the_run_while_other_branches_finish(
        client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    quick = {"max_attempts": 3, "backoff_s": 0.01, "max_backoff_s": 0.05}
    definition = {"steps": [
        effect("flaky", fail_times=2, retry=quick),
        effect("doomed", fail_times=9, retry=quick),
        effect("after_doomed", ["doomed"]),
        effect("independent", sleep_s=0.3),
        effect("after_independent", ["independent"]),
    ]}
    run = await run_to_end(client, owner, definition)
    steps = steps_by_id(run)
    assert steps["flaky"]["state"] == "succeeded" and steps["flaky"]["attempts"] == 3
    assert steps["flaky"]["output"]["attempt"] == 3
    assert steps["doomed"]["state"] == "failed" and steps["doomed"]["attempts"] == 3
    assert steps["doomed"]["error"] == "planned failure 3 of doomed"
    assert steps["after_doomed"]["state"] == "skipped" and "doomed" in steps["after_doomed"]["error"]
    assert steps["independent"]["state"] == steps["after_independent"]["state"] == "succeeded"
    assert run["state"] == "failed" and run["error"] == "step 'doomed' failed: planned failure 3 of doomed"
    effects = await workflow_plugin.effect_counts(client.app.state.hearth.runtime.engine, run["id"])  # type: ignore[attr-defined]
    assert effects == {"flaky": 3, "doomed": 3, "independent": 1, "after_independent": 1}
    job = (await client.get(f"/api/v1/jobs/{run['job_id']}", headers=owner.headers)).json()
    assert job["state"] == "failed" and "doomed" in job["error"]


async def test_a_map_over_50_items_never_has_more_than_4_in_flight(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    definition = {"inputs": {"type": "object", "properties": {"items": {"type": "array"}}}, "steps": [
        {"id": "each", "kind": "map", "items": "{{ inputs['items'] }}", "concurrency": 4,
         "step": {"kind": "test.probe", "item": "{{ item * 10 + index }}"}},
        {"id": "count", "kind": "transform", "template": "{{ steps.each.output | length }}", "depends_on": ["each"]},
    ]}
    run = await run_to_end(client, owner, definition, {"items": list(range(50))})
    assert run["state"] == "succeeded", run
    assert steps_by_id(run)["count"]["output"] == 50
    assert steps_by_id(run)["each"]["output_truncated"] is False
    probe = workflow_plugin.PROBES[run["id"]]
    assert probe["total"] == 50 and probe["now"] == 0
    assert probe["max"] == 4, probe  # the limit held, and it was reached: items really ran side by side


async def test_a_failing_map_item_names_its_index(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    definition = {"steps": [{"id": "each", "kind": "map", "items": [1, 2, 3], "concurrency": 2,
                             "step": {"kind": "transform", "template": "{{ 10 // (item - 2) }}"}}]}
    run = await run_to_end(client, owner, definition)
    each = steps_by_id(run)["each"]
    assert run["state"] == "failed" and each["error"].startswith("item 1: a template failed: ZeroDivisionError")


async def test_human_input_pauses_the_run_until_resumed_with_valid_data(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    definition = {"steps": [
        {"id": "draft", "kind": "transform", "template": "Dear customer"},
        {"id": "review", "kind": "human_input", "prompt": "Approve the draft?", "depends_on": ["draft"],
         "schema": {"type": "object", "required": ["approved"], "properties": {"approved": {"type": "boolean"}}}},
        {"id": "send", "kind": "transform", "depends_on": ["review"],
         "template": "{{ 'sent' if steps.review.output.approved else 'held' }}: {{ steps.draft.output }}"},
    ]}
    started = await execute(client, owner, await define(client, owner, definition))
    run = await settled(client, owner, started["run_id"])
    assert run["state"] == "waiting" and steps_by_id(run)["review"]["state"] == "waiting"
    assert steps_by_id(run)["send"]["state"] == "pending"

    path = f"{API}/runs/{run['id']}/resume"
    bad = await client.post(path, headers=owner.headers, json={"data": {"approved": "yes"}})
    assert bad.status_code == 422 and "approved" in bad.json()["errors"][0]
    good = await client.post(path, headers=owner.headers, json={"step_id": "review", "data": {"approved": True}})
    assert good.status_code == 200, good.text
    again = await client.post(path, headers=owner.headers, json={"data": {"approved": False}})
    assert again.status_code == 409
    done = await settled(client, owner, run["id"], frozenset({"succeeded", "failed"}))
    assert done["state"] == "succeeded" and steps_by_id(done)["send"]["output"] == "sent: Dear customer"
    assert done["job_id"] != started["job_id"]  # the pause ended the first job; resuming queued another


async def test_cancel_stops_running_steps(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    definition = {"steps": [effect("slow", sleep_s=30), effect("later", ["slow"])]}
    started = await execute(client, owner, await define(client, owner, definition))
    await settled(client, owner, started["run_id"], frozenset({"running"}))
    for _ in range(100):
        run = (await client.get(f"{API}/runs/{started['run_id']}", headers=owner.headers)).json()
        if steps_by_id(run)["slow"]["state"] == "running":
            break
        await asyncio.sleep(0.05)
    cancelled = await client.post(f"{API}/runs/{started['run_id']}/cancel", headers=owner.headers)
    assert cancelled.status_code == 200
    run = await settled(client, owner, started["run_id"], frozenset({"cancelled"}), timeout_s=10)
    assert {s["id"]: s["state"] for s in run["steps"]} == {"slow": "cancelled", "later": "cancelled"}
    job = (await client.get(f"/api/v1/jobs/{started['job_id']}", headers=owner.headers)).json()
    assert job["state"] == "cancelled"
    assert (await client.post(f"{API}/runs/{started['run_id']}/cancel", headers=owner.headers)).status_code == 409


async def test_a_waiting_run_can_be_cancelled(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    started = await execute(client, owner, await define(client, owner, {"steps": [{"id": "ask", "kind": "human_input"}]}))
    await settled(client, owner, started["run_id"], frozenset({"waiting"}))
    response = await client.post(f"{API}/runs/{started['run_id']}/cancel", headers=owner.headers)
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert response.json()["steps"][0]["state"] == "cancelled"


async def test_progress_streams_over_the_job_events(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    definition = {"steps": [effect("one", sleep_s=0.3), effect("two", ["one"], sleep_s=0.3),
                            effect("three", ["two"], sleep_s=0.3)]}
    started = await execute(client, owner, await define(client, owner, definition))
    events = await job_events(client, owner, started["job_id"])
    assert events[-1] == ("done", {"id": started["job_id"], "state": "succeeded"})
    progress = [(d["progress"]["done"], d["progress"]["total"]) for n, d in events if n == "progress"]
    assert progress[-1] == (3, 3) and len({done for done, _ in progress}) >= 2, progress


@pytest.mark.parametrize("outcome", ["completed", "failed"])
async def test_workflow_outcomes_reach_webhooks(make_client, outcome: str) -> None:
    receiver = WebhookReceiver()
    try:
        client = await webhook_client(make_client)
        owner = await sign_up(client, "a@example.com")
        sub = await subscribe(client, owner, receiver.url, ["workflow.*"])
        fail = 1 if outcome == "failed" else 0
        started = await execute(client, owner, await define(client, owner, {"steps": [effect("only", fail_times=fail)]}))
        await settled(client, owner, started["run_id"])
        [delivery] = await deliveries(client, owner, sub["id"], 1)
        assert delivery["event"] == f"workflow.{outcome}" and delivery["state"] == "delivered"
        payload = json.loads(receiver.received[0].body)
        assert payload["data"]["run_id"] == started["run_id"]
        assert payload["data"]["state"] == ("succeeded" if outcome == "completed" else "failed")
    finally:
        receiver.close()


async def test_users_cannot_see_or_run_each_others_workflows(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    bob = await sign_up(client, "bob@example.com")
    definition = {"steps": [{"id": "ask", "kind": "human_input"}]}
    defined = await define(client, alice, definition, "alice-secret-flow")
    started = await execute(client, alice, defined)
    await settled(client, alice, started["run_id"], frozenset({"waiting"}))
    run_path = f"{API}/runs/{started['run_id']}"
    await assert_hidden_from(client, bob.headers, [
        ("GET", f"{API}/definitions/{defined}"),
        ("PUT", f"{API}/definitions/{defined}", {"definition": definition}),
        ("DELETE", f"{API}/definitions/{defined}"),
        ("GET", f"{API}/definitions/{defined}/runs"),
        ("POST", f"{API}/execute", {"definition_id": defined, "inputs": {}}),
        ("GET", run_path),
        ("POST", f"{run_path}/cancel"),
        ("POST", f"{run_path}/resume", {"data": {}}),
    ], secret="alice-secret-flow")
    await assert_list_excludes(client, bob.headers, f"{API}/definitions", [defined])
    still = (await client.get(run_path, headers=alice.headers)).json()
    assert still["state"] == "waiting"
    runs = (await client.get(f"{API}/definitions/{defined}/runs", headers=alice.headers)).json()["items"]
    assert [r["id"] for r in runs] == [started["run_id"]]


async def test_a_run_ends_with_its_job_when_the_job_is_cancelled_before_it_starts(make_client) -> None:
    client = await make_client(job_workers=0)  # nothing picks the job up
    owner = await sign_up(client, "a@example.com")
    started = await execute(client, owner, await define(client, owner, {"steps": [effect("never")]}))
    assert (await client.post(f"/api/v1/jobs/{started['job_id']}/cancel", headers=owner.headers)).status_code == 200
    run = (await client.get(f"{API}/runs/{started['run_id']}", headers=owner.headers)).json()
    assert run["state"] == "cancelled" and run["steps"][0]["state"] == "cancelled"

    second = await execute(client, owner, await define(client, owner, {"steps": [effect("never")]}, "other"))
    cancelled = await client.post(f"{API}/runs/{second['run_id']}/cancel", headers=owner.headers)
    assert cancelled.json()["state"] == "cancelled"
    job = (await client.get(f"/api/v1/jobs/{second['job_id']}", headers=owner.headers)).json()
    assert job["state"] == "cancelled"


async def test_a_key_without_the_chat_scope_cannot_save_an_llm_step(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "a@example.com")
    key = await client.post("/api/v1/api-keys", headers=owner.headers, json={"name": "flows", "scopes": ["workflows"]})
    assert key.status_code == 201, key.text
    headers = {"Authorization": f"Bearer {key.json()['key']}"}
    definition = {"steps": [{"id": "talk", "kind": "llm", "prompt": "hi"},
                            {"id": "each", "kind": "map", "items": [1], "step": {"kind": "kb_search", "query": "x"}}]}
    response = await client.post(f"{API}/definitions", headers=headers, json={"name": "x", "definition": definition})
    assert response.status_code == 422
    problems = {p["step"]: p["problem"] for p in response.json()["errors"]}
    assert problems == {"talk": "a llm step needs the chat scope, which this credential lacks",
                        "each": "a kb_search step needs the kb:read scope, which this credential lacks"}


async def test_independent_steps_run_side_by_side_up_to_the_limit(make_client) -> None:
    client = await make_client(workflow_max_parallel_steps=2)
    owner = await sign_up(client, "a@example.com")
    definition = {"steps": [{"id": f"p{i}", "kind": "test.probe", "sleep_s": 0.2} for i in range(6)]}
    run = await run_to_end(client, owner, definition)
    assert run["state"] == "succeeded"
    assert workflow_plugin.PROBES[run["id"]] == {"now": 0, "max": 2, "total": 6}


async def test_long_outputs_are_cut_in_the_run_view_but_kept_whole_for_later_steps(make_client) -> None:
    client = await make_client(workflow_output_preview_chars=100)
    owner = await sign_up(client, "a@example.com")
    definition = {"steps": [{"id": "long", "kind": "transform", "template": "{{ 'x' * 500 }}"},
                            {"id": "size", "kind": "transform", "template": "{{ steps.long.output | length }}",
                             "depends_on": ["long"]}]}
    steps = steps_by_id(await run_to_end(client, owner, definition))
    assert steps["long"]["output_truncated"] is True and steps["long"]["output"] == '"' + "x" * 99
    assert steps["size"]["output"] == 500
