"""The tool model: a typed function (a pydantic arguments model, from which the JSON schema the model
sees is generated), a description, the scope a caller needs, a timeout, and whether it is `pure`
(same arguments, same result: cacheable). Tools register in a `ToolRegistry` through the same plugin
hook for built-ins and third-party tools."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from hearth.core.errors import HearthError, InvalidInput, NotFound
from hearth.core.scopes import Principal, Scope
from hearth.llm.messages import ToolSpec

if TYPE_CHECKING:
    from hearth.runtime import Runtime


class ToolError(Exception):
    """A failure the model should see and may recover from (bad arguments, a refused URL, a timeout)."""


@dataclass(frozen=True)
class ToolContext:
    principal: Principal
    runtime: Runtime


Handler = Callable[[ToolContext, Any], Awaitable[Any]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]
    handler: Handler
    scope: Scope | None = None
    timeout_s: float = 30.0
    pure: bool = False

    def schema(self) -> dict[str, Any]:
        schema = self.arguments.model_json_schema()
        schema.pop("title", None)
        return schema

    def spec(self) -> ToolSpec:
        return ToolSpec(name=self.name, description=self.description, parameters=self.schema())

    def parse(self, raw: dict[str, Any]) -> BaseModel:
        try:
            return self.arguments.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
            raise ToolError(f"invalid arguments for {self.name}: {problems}") from None

    async def call(self, ctx: ToolContext, raw: dict[str, Any]) -> Any:
        if self.scope is not None and self.scope not in ctx.principal.scopes:
            raise ToolError(f"{self.name} needs the {self.scope.value} scope, which this caller has not got")
        arguments = self.parse(raw)
        try:
            return await asyncio.wait_for(self.handler(ctx, arguments), self.timeout_s)
        except TimeoutError:
            raise ToolError(f"{self.name} timed out after {self.timeout_s:g} s") from None
        except HearthError as exc:  # domain errors carry messages written for callers; the model is one
            raise ToolError(exc.detail or exc.title) from None


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def register(self, tool: Tool) -> None:
        if tool.name in self._tools:
            raise ValueError(f"a tool named {tool.name!r} is already registered")
        self._tools[tool.name] = tool

    def get(self, name: str) -> Tool:
        tool = self._tools.get(name)
        if tool is None:
            raise NotFound(f"no tool named {name!r}")
        return tool

    def check(self, names: list[str]) -> None:
        unknown = [n for n in names if n not in self._tools]
        if unknown:
            raise InvalidInput(f"unknown tools: {', '.join(unknown)}", field="tools")

    def all(self) -> list[Tool]:
        return sorted(self._tools.values(), key=lambda t: t.name)
