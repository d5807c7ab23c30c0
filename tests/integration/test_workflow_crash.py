"""Acceptance: a 5-step workflow is `kill -9`ed after step 3 checkpointed; after a restart steps 1-3
are not run again (the side-effect rows prove it), the interrupted step runs again, and the run completes."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from hearth.core.settings import load_settings
from hearth.runtime import build_runtime
from tests.support import workflow_plugin
from tests.support.server import ServerProcess, hearth_env, signed_up

pytestmark = pytest.mark.slow
REPO_ROOT = str(Path(__file__).resolve().parents[2])
API = "/api/v1/workflows"


def wait_for(predicate, timeout_s: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def chain() -> dict:
    names = ["one", "two", "three", "four", "five"]
    steps = []
    for i, name in enumerate(names):
        step = {"id": name, "kind": "test.effect", "name": name, "value": f"{{{{ {i} }}}}",
                "depends_on": [names[i - 1]] if i else []}
        if name == "four":
            step["sleep_s"] = 4  # long enough to be killed in the middle of it
        steps.append(step)
    steps[-1]["value"] = "{{ steps.three.output.value + steps.four.output.value }}"
    return {"steps": steps}


async def test_kill_minus_nine_after_step_three_resumes_without_rerunning_finished_steps(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = hearth_env(data, HEARTH_PLUGINS='["tests.support.workflow_plugin"]', PYTHONPATH=REPO_ROOT,
                     HEARTH_JOB_LEASE_S="2", HEARTH_JOB_POLL_INTERVAL_S="0.1")
    first = ServerProcess(tmp_path, env)
    first.wait_healthy()
    http = httpx.Client(base_url=first.url + "/api/v1", timeout=30)
    headers = signed_up(http)
    created = http.post("/workflows/definitions", headers=headers, json={"name": "five", "definition": chain()})
    assert created.status_code == 201, created.text
    started = http.post("/workflows/execute", headers=headers, json={"definition_id": created.json()["id"]}).json()
    run_path = f"/workflows/runs/{started['run_id']}"

    def states() -> dict[str, str]:
        return {s["id"]: s["state"] for s in http.get(run_path, headers=headers).json()["steps"]}

    wait_for(lambda: states()["three"] == "succeeded" and states()["four"] == "running")
    first.signal(signal.SIGKILL)
    first.wait()
    first.stop()
    http.close()

    with ServerProcess(tmp_path, env) as second, httpx.Client(base_url=second.url + "/api/v1", timeout=30) as http:
        wait_for(lambda: http.get(run_path, headers=headers).json()["state"] in ("succeeded", "failed"))
        run = http.get(run_path, headers=headers).json()
        job = http.get(f"/jobs/{started['job_id']}", headers=headers).json()

    assert run["state"] == "succeeded", run
    steps = {s["id"]: s for s in run["steps"]}
    assert steps["five"]["output"]["value"] == 5
    assert [steps[n]["attempts"] for n in ("one", "two", "three")] == [1, 1, 1]
    assert steps["four"]["attempts"] == 2  # the attempt the kill interrupted, and the one that finished
    assert job["state"] == "succeeded" and job["attempts"] == 2

    runtime = build_runtime(load_settings(data_dir=data, plugins=["tests.support.workflow_plugin"]))
    try:
        effects = await workflow_plugin.effect_counts(runtime.engine, started["run_id"])
    finally:
        await runtime.close()
    assert effects == {"one": 1, "two": 1, "three": 1, "four": 2, "five": 1}
