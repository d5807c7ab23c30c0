"""The shipped answer-with-citations workflow on the bundled model in a real `hearth serve` process,
with no network and nothing configured: kb_search finds the handbook passage, the condition takes the
answer branch, and the bundled model answers from the numbered source."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess, hearth_env, signed_up

pytestmark = pytest.mark.slow
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workflows" / "answer-with-citations.json"
HANDBOOK = (b"# Handbook\n\n## Leave\n\nNew employees get 25 vacation days a year, plus public holidays.\n\n"
            b"## Equipment\n\nEveryone gets a laptop on the first day.\n")


def _wait(http: httpx.Client, path: str, headers: dict[str, str], states: set[str], timeout_s: float = 300) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        body = http.get(path, headers=headers).json()
        if body["state"] in states:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def test_answer_with_citations_runs_on_the_bundled_model(tmp_path: Path, models_dir: Path) -> None:
    example = json.loads(EXAMPLE.read_text())
    env = hearth_env(tmp_path / "data", HEARTH_MODELS_DIR=str(models_dir))
    with ServerProcess(tmp_path, env) as server, httpx.Client(base_url=server.url + "/api/v1", timeout=60) as http:
        headers = signed_up(http, "flow@example.com", "flow password 1")
        collection = http.post("/kb/collections", headers=headers, json={"name": "handbook"}).json()["id"]
        job = http.post(f"/kb/collections/{collection}/documents", headers=headers,
                        files=[("files", ("handbook.md", HANDBOOK))]).json()["job_id"]
        _wait(http, f"/jobs/{job}", headers, {"succeeded"})

        created = http.post("/workflows/definitions", headers=headers,
                            json={"name": example["name"], "definition": example["definition"]})
        assert created.status_code == 201, created.text
        started = http.post("/workflows/execute", headers=headers,
                            json={"definition_id": created.json()["id"], "inputs": example["example_inputs"]}).json()
        run = _wait(http, f"/workflows/runs/{started['run_id']}", headers, {"succeeded", "failed"})

    steps = {s["id"]: s for s in run["steps"]}
    assert run["state"] == "succeeded", run
    assert steps["found"]["output"]["branch"] == "then" and steps["no_answer"]["state"] == "skipped"
    assert steps["answer"]["output"]["model"].startswith("local/")
    assert "25" in steps["result"]["output"]["answer"], steps["answer"]
    assert steps["result"]["output"]["sources"] == ["handbook.md"]
