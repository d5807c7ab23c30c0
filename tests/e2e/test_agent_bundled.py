"""An agent on the bundled 0.5B model in a real `hearth serve` process, with no network and nothing
configured: it answers arithmetic by calling the calculator and a question about an uploaded
document by calling kb_search, and the run traces show both calls."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess, hearth_env, signed_up

pytestmark = pytest.mark.slow

HANDBOOK = b"""# Team handbook

## Mascot

The Hearth project's mascot is a copper-coloured fox named Ember. Ember was drawn by Lina Okafor.

## Office plants

The office plant is a fern called Gerald, watered on Mondays.
"""
INSTRUCTIONS = ("You are a helpful assistant. Use the calculator for arithmetic and kb_search to look up "
                "facts in the user's documents, then answer briefly.")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, models_dir: Path):  # type: ignore[no-untyped-def]
    cwd = tmp_path_factory.mktemp("e2e-agents")
    with ServerProcess(cwd, hearth_env(cwd / "data", HEARTH_MODELS_DIR=str(models_dir))) as process:
        yield process


def _indexed_collection(http: httpx.Client, headers: dict[str, str]) -> None:
    collection = http.post("/kb/collections", headers=headers, json={"name": "handbook"}).json()["id"]
    job = http.post(f"/kb/collections/{collection}/documents", headers=headers,
                    files=[("files", ("handbook.md", HANDBOOK))]).json()["job_id"]
    for _ in range(600):
        if http.get(f"/jobs/{job}", headers=headers).json()["state"] == "succeeded":
            return
        time.sleep(0.1)
    raise AssertionError("the handbook was not indexed")


def test_the_bundled_model_calls_calculator_and_kb_search(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url + "/api/v1", timeout=600) as http:
        headers = signed_up(http, "agent@example.com", "agent password 1")
        _indexed_collection(http, headers)
        agent = http.post("/agents", headers=headers, json={
            "name": "helper", "instructions": INSTRUCTIONS, "tools": ["calculator", "kb_search"], "tool_use": "first"})
        assert agent.status_code == 201, agent.text
        runs_path = f"/agents/{agent.json()['id']}/runs"

        arithmetic = http.post(runs_path, headers=headers, json={"input": "What is 17*23?"}).json()
        assert arithmetic["status"] == "succeeded", arithmetic
        calls = [s for s in arithmetic["steps"] if s["kind"] == "tool_call"]
        assert calls and calls[0]["tool"] == "calculator" and json.loads(calls[0]["output"])["result"] == 391
        assert "391" in arithmetic["output"]

        lookup = http.post(runs_path, headers=headers, json={
            "input": "Search my documents: what is the name of the Hearth project's mascot?"}).json()
        assert lookup["status"] == "succeeded", lookup
        searches = [s for s in lookup["steps"] if s["kind"] == "tool_call" and s["tool"] == "kb_search"]
        assert searches and "Ember" in searches[0]["output"]
        assert "ember" in lookup["output"].lower()

        for run in (arithmetic, lookup):
            trace = http.get(f"/agents/runs/{run['id']}", headers=headers).json()
            assert [s["kind"] for s in trace["steps"]] == [s["kind"] for s in run["steps"]]
            assert all(s["duration_ms"] >= 0 for s in trace["steps"])
            assert trace["steps"][0]["prompt_tokens"] > 0
