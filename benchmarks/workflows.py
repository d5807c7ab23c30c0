"""What the workflow engine costs on top of the work itself, side by side in one run:

  bare templates        the same step templates rendered in a loop (no engine, no database)
  engine on SQLite      a run through the job queue, a checkpoint per step (the embedded default)
  engine on PostgreSQL  the same on 127.0.0.1:5432 (a throwaway database is made and dropped)

for a chain of N transform steps (ms per step: the checkpoint writes dominate) and a map of M items
of a 20 ms step at concurrency 1, 4 and 16 (items/s: the fan-out should scale with the limit).
Usage: .venv/bin/python benchmarks/workflows.py [--chain 30] [--items 200]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from jobs import PG, pg_user  # the sibling benchmark's PostgreSQL helpers

from hearth.core.logging import configure_logging
from hearth.core.scopes import Principal, Scope
from hearth.core.settings import load_settings
from hearth.db import migrate
from hearth.db.tables import User
from hearth.runtime import build_runtime
from hearth.services.workflow_runs import WorkflowRunService
from hearth.services.workflows import WorkflowService
from hearth.workflows.kinds.base import Params, StepKind
from hearth.workflows.templates import render


class SleepParams(Params):
    item: Any = None


async def sleep_20ms(_ctx: Any, p: SleepParams) -> Any:
    await asyncio.sleep(0.02)
    return p.item


def chain(n: int) -> dict[str, Any]:
    steps = [{"id": "s0", "kind": "transform", "template": "{{ inputs.seed }}"}]
    for i in range(1, n):
        steps.append({"id": f"s{i}", "kind": "transform", "depends_on": [f"s{i - 1}"],
                      "template": f"{{{{ steps.s{i - 1}.output + 1 }}}}"})
    return {"steps": steps}


def fan_out(concurrency: int) -> dict[str, Any]:
    return {"steps": [{"id": "each", "kind": "map", "items": "{{ inputs.items }}", "concurrency": concurrency,
                       "step": {"kind": "bench.sleep", "item": "{{ item }}"}}]}


def bare_chain(n: int) -> float:
    began = time.perf_counter()
    variables: dict[str, Any] = {"inputs": {"seed": 1}, "steps": {}}
    variables["steps"]["s0"] = {"output": render("{{ inputs.seed }}", variables)}
    for i in range(1, n):
        variables["steps"][f"s{i}"] = {"output": render(f"{{{{ steps.s{i - 1}.output + 1 }}}}", variables)}
    return time.perf_counter() - began


async def bare_map(items: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> Any:
        async with gate:
            return await sleep_20ms(None, SleepParams(item=render("{{ item }}", {"item": i})))

    began = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(items)))
    return time.perf_counter() - began


async def engine_runs(database_url: str | None, data_dir: Path, n: int, items: int) -> dict[str, float]:
    settings = load_settings(data_dir=data_dir, database_url=database_url, job_poll_interval_s=0.02,
                             workflow_map_max_items=max(1000, items))
    runtime = build_runtime(settings)
    runtime.step_kinds.register(StepKind("bench.sleep", "sleeps 20 ms", SleepParams, sleep_20ms))
    await migrate.upgrade(runtime.engine)
    async with runtime.sessions() as session:
        user = User(email=f"bench-{uuid.uuid4().hex[:8]}@example.com", password_hash="x", is_admin=False)
        session.add(user)
        await session.commit()
    principal = Principal(user.id, False, frozenset(Scope), "session", None, None)
    await runtime.jobs.start_workers()
    results: dict[str, float] = {}
    try:
        results["chain"] = await timed_run(runtime, principal, chain(n), {"seed": 1})
        for c in (1, 4, 16):
            results[f"map{c}"] = await timed_run(runtime, principal, fan_out(c), {"items": list(range(items))})
    finally:
        await runtime.close()
    return results


async def timed_run(runtime: Any, principal: Principal, definition: dict[str, Any], inputs: dict[str, Any]) -> float:
    saved = await WorkflowService(runtime).create(principal, "bench", definition)
    runs = WorkflowRunService(runtime)
    began = time.perf_counter()
    run = await runs.start(principal, saved.id, inputs)
    while (run := await runs.get(principal, run.id)).state not in ("succeeded", "failed"):
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - began
    assert run.state == "succeeded", run.error
    return elapsed


async def main(n: int, items: int) -> None:
    configure_logging("WARNING", json=True)
    rows: dict[str, dict[str, float]] = {"bare templates": {"chain": bare_chain(n)}}
    for c in (1, 4, 16):
        rows["bare templates"][f"map{c}"] = await bare_map(items, c)
    with tempfile.TemporaryDirectory() as tmp:
        rows["engine on SQLite"] = await engine_runs(None, Path(tmp), n, items)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    user = await pg_user()
    admin = await asyncpg.connect(user=user, **PG)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+asyncpg://{user}@127.0.0.1:5432/{name}"
        with tempfile.TemporaryDirectory() as tmp:
            rows["engine on PostgreSQL"] = await engine_runs(url, Path(tmp), n, items)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
    print(f"{'':22} {'chain ms/step':>14} {'map c=1 items/s':>16} {'map c=4 items/s':>16} {'map c=16 items/s':>17}")
    for label, r in rows.items():
        print(f"{label:22} {1000 * r['chain'] / n:14.2f} {items / r['map1']:16.1f} {items / r['map4']:16.1f} "
              f"{items / r['map16']:17.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", type=int, default=30)
    parser.add_argument("--items", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.chain, args.items))
