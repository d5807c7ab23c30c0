"""A scripted model for agent tests (the `agent` and `agent-notools` fake providers). The agent's
instructions name a scenario (`SCENARIO:calc`); the script looks at the tools offered and the tool
results so far and answers as a model would. Without native tools it replies with the constrained
JSON that tool emulation asks for."""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from hearth.agents.tools.base import Tool, ToolContext
from hearth.llm.messages import ChatRequest, ChatResult, ToolCall

if TYPE_CHECKING:
    from hearth.runtime import Runtime

RESULT = re.compile(r"<tool_result[^>]*>\n(.*)\n</tool_result>", re.DOTALL)


def _results(request: ChatRequest) -> list[str]:
    found = []
    for m in request.messages:
        if m.role == "tool" or m.content.startswith("Result of tool"):
            match = RESULT.search(m.content)
            found.append(match.group(1) if match else m.content)
    return found


class Script:
    def __init__(self, request: ChatRequest) -> None:
        self.request = request
        system = request.messages[0].content if request.messages[0].role == "system" else ""
        match = re.search(r"SCENARIO:(\S+)", system)
        self.scenario = match.group(1) if match else "echo"
        self.name = (re.search(r"I am (\w+)", system) or re.search(r"(.)", "?")).group(1)  # type: ignore[union-attr]
        self.results = _results(request)
        self.emulated = request.json_schema is not None and not request.tools
        self.offered = [t.name for t in request.tools]
        if self.emulated:  # the tool names are in the schema the emulation sends
            self.offered = re.findall(r'"enum": \["([^"]+)"\]', json.dumps(request.json_schema))
        # Asked for an answer, not a tool call (the run loop does this after a repeated call).
        self.forced = not self.offered if self.emulated else request.tool_choice == "none"

    def call(self, *calls: tuple[str, dict[str, Any]]) -> ChatResult | str:
        if self.emulated:
            name, arguments = calls[0]
            return json.dumps({"tool": name, "arguments": arguments})
        return ChatResult(model=self.request.model, tool_calls=[
            ToolCall(id=f"call_{len(self.results)}_{i}", name=n, arguments=a) for i, (n, a) in enumerate(calls)])

    def answer(self, text: str) -> str:
        return json.dumps({"answer": text}) if self.emulated else text

    def first(self, prefix: str) -> str:
        return next(t for t in self.offered if t.startswith(prefix))

    @property
    def question(self) -> str:
        return next(m.content for m in self.request.messages if m.role == "user")


async def agent_script(request: ChatRequest) -> ChatResult | str:
    s = Script(request)
    n = len(s.results)
    if request.json_schema is not None and request.tools == [] and not s.offered:  # output-schema formatting
        return json.dumps({"answer": s.question, "confidence": 0.9})
    match s.scenario:
        case "calc":
            return s.call(("calculator", {"expression": "17*23"})) if n == 0 else s.answer(f"It is {s.results[-1]}")
        case "parallel":
            if n == 0:
                return s.call(("slow_add", {"a": 1, "b": 2}), ("slow_add", {"a": 3, "b": 4}))
            return s.answer(" | ".join(s.results))
        case "invalid":
            if n == 0:
                return s.call(("calculator", {"expr": "1+1"}))
            if n == 1:
                return s.call(("calculator", {"expression": "1+1"}))
            return s.answer(f"after an error: {s.results[-1]}")
        case "forever":
            return s.call(("calculator", {"expression": f"{n}+1"}))
        case "slow":
            await asyncio.sleep(0.3)
            return s.call(("calculator", {"expression": f"{n}+1"}))
        case "repeat":
            return s.answer("four, finally") if s.forced else s.call(("calculator", {"expression": "2+2"}))
        case "handoff" | "pingpong":
            if s.scenario == "handoff" and n > 0:
                return s.answer("should not happen: A kept the conversation")
            return s.call((s.first("transfer_to_"), {}))
        case "delegate":
            return s.call((s.first("ask_"), {"input": "what is 17*23?"})) if n == 0 else s.answer(f"B says {s.results[-1]}")
        case "mcp":
            tool = s.first("tools__add")
            return s.call((tool, {"a": 20, "b": 22})) if n == 0 else s.answer(f"sum {s.results[-1]}")
        case "cached":
            return s.call(("square", {"x": 12})) if n == 0 else s.answer(f"square {s.results[-1]}")
        case "structured":
            return s.answer("not json at all")
    return s.answer(f"{s.name}: {s.question}")


class ToolProbe:
    """What the test tools observed: calls in flight at once, executions of the pure tool."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.max_in_flight = 0
        self.square_runs = 0


probe = ToolProbe()


class AddArguments(BaseModel):
    a: int
    b: int


class SquareArguments(BaseModel):
    x: int


async def slow_add(_ctx: ToolContext, args: AddArguments) -> int:
    probe.in_flight += 1
    probe.max_in_flight = max(probe.max_in_flight, probe.in_flight)
    try:
        await asyncio.sleep(0.3)
        return args.a + args.b
    finally:
        probe.in_flight -= 1


async def square(_ctx: ToolContext, args: SquareArguments) -> int:
    probe.square_runs += 1
    return args.x * args.x


def register_tools(runtime: Runtime) -> None:
    runtime.tools.register(Tool("slow_add", "Add two numbers, slowly.", AddArguments, slow_add))
    runtime.tools.register(Tool("square", "Square a number.", SquareArguments, square, pure=True))
