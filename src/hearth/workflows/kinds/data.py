"""Steps that fetch or reshape data: `tool` (any registered tool), `kb_search`, `http` (the `http_fetch`
tool's guarded client: private addresses refused unless allowed) and `transform` (a template)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from hearth.agents.tools import http_fetch, kb_search
from hearth.agents.tools.base import ToolContext
from hearth.core.scopes import Principal, Scope
from hearth.workflows.kinds.base import Params, StepContext, StepError, StepKind
from hearth.workflows.templates import is_template

if TYPE_CHECKING:
    from hearth.runtime import Runtime


class ToolParams(Params):
    tool: Annotated[str, Field(min_length=1, max_length=200)]
    arguments: dict[str, Any] = {}


async def run_tool(ctx: StepContext, p: ToolParams) -> Any:
    tool = ctx.runtime.tools.get(p.tool)
    return await tool.call(ToolContext(ctx.principal, ctx.runtime), p.arguments)


async def verify_tool(runtime: Runtime, _principal: Principal, p: ToolParams) -> list[str]:
    known = {t.name for t in runtime.tools.all()}
    if not is_template(p.tool) and p.tool not in known:
        return [f"tool: no tool named {p.tool!r} (known: {', '.join(sorted(known))})"]
    return []


class KbSearchParams(Params):
    query: Annotated[str, Field(min_length=1, max_length=1000)]
    collection_ids: Annotated[list[str] | None, Field(max_length=20)] = None
    top_k: Annotated[int, Field(ge=1, le=10)] = 4


async def run_kb_search(ctx: StepContext, p: KbSearchParams) -> Any:
    return await kb_search.TOOL.call(ToolContext(ctx.principal, ctx.runtime), p.model_dump())


class HttpParams(Params):
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    method: Literal["GET", "POST"] = "GET"
    body: str | dict[str, Any] | list[Any] | None = None
    content_type: Annotated[str, Field(max_length=100)] = "application/json"
    fail_on_error_status: bool = True


async def run_http(ctx: StepContext, p: HttpParams) -> dict[str, Any]:
    body = p.body if isinstance(p.body, str) or p.body is None else json.dumps(p.body)
    arguments = http_fetch.HttpFetchArguments(url=p.url, method=p.method, body=body, content_type=p.content_type)
    result = await http_fetch.run(ToolContext(ctx.principal, ctx.runtime), arguments)
    if p.fail_on_error_status and result["status"] >= 400:
        # A server error or throttling may pass; a client error will not.
        raise StepError(f"{p.method} {result['url']} answered {result['status']}",
                        retry=result["status"] >= 500 or result["status"] == 429)
    if "json" in result["content_type"]:
        try:
            result["json"] = json.loads(result["text"])
        except ValueError:
            result["json"] = None
    return result


class TransformParams(Params):
    template: Any = Field(description="Rendered with inputs and steps; a single {{ expression }} keeps its type")


async def run_transform(_ctx: StepContext, p: TransformParams) -> Any:
    return p.template


KINDS = [
    StepKind("tool", "Call a registered tool with arguments; output is the tool's result.", ToolParams, run_tool,
             verify=verify_tool),
    StepKind("kb_search", "Hybrid search over your collections; output {results}.", KbSearchParams, run_kb_search,
             output_fields=frozenset({"results", "note"}), scope=Scope.KB_READ),
    StepKind("http", "GET or POST a URL; output {url, status, content_type, text, json, truncated}.", HttpParams,
             run_http, output_fields=frozenset({"url", "status", "content_type", "text", "json", "truncated"})),
    StepKind("transform", "Render a template (sandboxed Jinja2) into the step's output.", TransformParams,
             run_transform),
]
