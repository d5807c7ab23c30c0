"""Step kinds for tests, registered through the same plugin hook as third-party kinds
(HEARTH_PLUGINS='["tests.support.workflow_plugin"]'):

- `test.effect` writes one row per execution to `test_workflow_effects` (so tests count side effects
  from outside the process), can fail its first `fail_times` attempts and can sleep;
- `test.probe` counts how many of its executions are in flight at once, per run, in this process."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from hearth.workflows.kinds.base import Params, StepContext, StepError, StepKind

if TYPE_CHECKING:
    from hearth.runtime import Runtime

DDL = ("CREATE TABLE IF NOT EXISTS test_workflow_effects (run_id VARCHAR(36) NOT NULL, "
       "step VARCHAR(100) NOT NULL, attempt INTEGER NOT NULL)")
# run id → {"now", "max", "total"}
PROBES: dict[str, dict[str, int]] = defaultdict(lambda: {"now": 0, "max": 0, "total": 0})


async def create_table(engine: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(DDL))


async def effect_counts(engine: Any, run_id: str) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT step, COUNT(*) FROM test_workflow_effects WHERE run_id = :r "
                                       "GROUP BY step"), {"r": run_id})
        return {step: n for step, n in rows.all()}


class EffectParams(Params):
    name: str
    value: Any = None
    sleep_s: float = 0.0
    fail_times: int = 0


class ProbeParams(Params):
    item: Any = None
    sleep_s: float = 0.02


def register(runtime: Runtime) -> None:
    ready = asyncio.Lock()
    created: list[bool] = []

    async def effect(ctx: StepContext, p: EffectParams) -> dict[str, Any]:
        async with ready:
            if not created:
                await create_table(runtime.engine)
                created.append(True)
        async with runtime.engine.begin() as conn:
            await conn.execute(text("INSERT INTO test_workflow_effects VALUES (:r, :s, :a)"),
                               {"r": ctx.run_id, "s": p.name, "a": ctx.attempt})
        await asyncio.sleep(p.sleep_s)
        if ctx.attempt <= p.fail_times:
            raise StepError(f"planned failure {ctx.attempt} of {p.name}")
        return {"name": p.name, "value": p.value, "attempt": ctx.attempt}

    async def probe(ctx: StepContext, p: ProbeParams) -> Any:
        counters = PROBES[ctx.run_id]
        counters["now"] += 1
        counters["total"] += 1
        counters["max"] = max(counters["max"], counters["now"])
        try:
            await asyncio.sleep(p.sleep_s)
        finally:
            counters["now"] -= 1
        return p.item

    runtime.step_kinds.register(StepKind("test.effect", "Records a side effect per execution.", EffectParams, effect,
                                         output_fields=frozenset({"name", "value", "attempt"})))
    runtime.step_kinds.register(StepKind("test.probe", "Counts executions in flight.", ProbeParams, probe))
