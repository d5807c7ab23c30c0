"""Steps that shape the run: `condition` (runs one of two branches), `map` (one nested step per item,
at most `concurrency` at a time) and `human_input` (pauses the run until it is resumed with data)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from jsonschema import Draft202012Validator, SchemaError
from pydantic import Field, field_validator

from hearth.workflows.kinds.base import Params, StepContext, StepError, StepKind, StepResult, WaitForInput

FALSE_WORDS = frozenset({"", "false", "no", "0", "none", "null"})


class ConditionParams(Params):
    if_: Any = Field(alias="if", description="A template; a false, empty or zero value chooses `else`")
    then: Annotated[list[str], Field(max_length=100)] = []
    else_: Annotated[list[str], Field(alias="else", max_length=100)] = []


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


async def run_condition(_ctx: StepContext, p: ConditionParams) -> StepResult:
    value = truthy(p.if_)
    return StepResult({"value": value, "branch": "then" if value else "else"}, skip=p.else_ if value else p.then)


class MapParams(Params):
    items: Any = Field(description="A list, usually a template such as {{ steps.search.output.results }}")
    step: dict[str, Any] = Field(description="The step run per item: kind and fields; `item` and `index` in scope")
    concurrency: Annotated[int, Field(ge=1, le=32)] = 4


async def run_map(ctx: StepContext, p: MapParams) -> list[Any]:
    if not isinstance(p.items, list):
        raise StepError(f"items must be a list, not {type(p.items).__name__}", retry=False)
    limit = ctx.runtime.settings.workflow_map_max_items
    if len(p.items) > limit:
        raise StepError(f"{len(p.items)} items is more than HEARTH_WORKFLOW_MAP_MAX_ITEMS ({limit})", retry=False)
    gate = asyncio.Semaphore(p.concurrency)

    async def one(index: int, item: Any) -> Any:
        async with gate:
            try:
                return await ctx.run_nested(p.step, {"item": item, "index": index})
            except StepError as exc:
                raise StepError(f"item {index}: {exc.detail}", retry=exc.retry) from None

    tasks = [asyncio.create_task(one(i, item)) for i, item in enumerate(p.items)]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class HumanInputParams(Params):
    prompt: Annotated[str, Field(max_length=10_000)] = ""
    schema_: dict[str, Any] | None = Field(default=None, alias="schema",
                                          description="A JSON schema the resume data must satisfy")

    @field_validator("schema_")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                Draft202012Validator.check_schema(value)
            except SchemaError as exc:
                raise ValueError(f"not a valid JSON schema: {exc.message}") from None
        return value


async def run_human_input(_ctx: StepContext, _p: HumanInputParams) -> Any:
    raise WaitForInput


KINDS = [
    StepKind("condition", "Choose a branch: steps in `then` run if `if` is true, steps in `else` if not.",
             ConditionParams, run_condition, output_fields=frozenset({"value", "branch"}),
             gates=lambda p: [*p.then, *p.else_]),
    StepKind("map", "Run `step` once per item of `items`, `concurrency` at a time; output is the list of results.",
             MapParams, run_map, nested_step="step", nested_variables=frozenset({"item", "index"}),
             raw_fields=frozenset({"step"})),
    StepKind("human_input", "Pause until POST /workflows/runs/{id}/resume supplies data; output is that data.",
             HumanInputParams, run_human_input),
]
