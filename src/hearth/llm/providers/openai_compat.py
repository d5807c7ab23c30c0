"""Any OpenAI-compatible server (vLLM, llama.cpp server, LM Studio, OpenAI) over its wire protocol:
`/chat/completions` (SSE when streaming), `/embeddings`, `/models`. The base URL includes `/v1`,
as the official clients expect."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from hearth.llm.messages import (
    Capabilities,
    ChatRequest,
    ChatResult,
    Message,
    ModelInfo,
    StreamDelta,
    ToolCall,
    Usage,
)
from hearth.llm.provider import ProviderError
from hearth.llm.providers.http import open_response, request_json
from hearth.llm.tokens import estimate_tokens

_FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls", "function_call": "tool_calls"}


def wire_messages(messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in messages:
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["tool_calls"] = [
                {"id": c.id, "type": "function",
                 "function": {"name": c.name, "arguments": c.invalid_arguments or json.dumps(c.arguments)}}
                for c in m.tool_calls
            ]
        if m.tool_call_id:
            item["tool_call_id"] = m.tool_call_id
        if m.name and m.role != "tool":
            item["name"] = m.name
        out.append(item)
    return out


def wire_request(request: ChatRequest, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": request.model, "messages": wire_messages(request.messages), "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.stop:
        body["stop"] = request.stop
    if request.tools:
        body["tools"] = [{"type": "function", "function": t.model_dump()} for t in request.tools]
        choice = request.tool_choice
        body["tool_choice"] = (choice if choice in ("auto", "none", "required")
                               else {"type": "function", "function": {"name": choice}})
    if request.json_schema is not None:
        body["response_format"] = (
            {"type": "json_schema", "json_schema": {"name": "reply", "schema": request.json_schema}}
            if request.json_schema else {"type": "json_object"}
        )
    return body


def _usage(raw: dict[str, Any] | None) -> Usage | None:
    if not raw:
        return None
    return Usage(prompt_tokens=raw.get("prompt_tokens") or 0, completion_tokens=raw.get("completion_tokens") or 0)


class OpenAICompatProvider:
    def __init__(self, base_url: str, *, api_key: str | None = None, name: str = "openai",
                 timeout_s: float = 120.0, transport: httpx.AsyncBaseTransport | None = None,
                 context_length: int | None = None) -> None:
        self.name = name
        self.context_length = context_length
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/", headers=headers,
                                        timeout=httpx.Timeout(timeout_s, connect=5.0), transport=transport)

    async def list_models(self) -> list[ModelInfo]:
        body = await request_json(self.client, self.name, "GET", "models")
        models = []
        for item in body.get("data", []):
            model_id = str(item.get("id"))
            embedding = "embed" in model_id.lower()
            caps = Capabilities(chat=not embedding, tools=not embedding, embedding=embedding,
                                context_length=item.get("context_length") or self.context_length)
            models.append(ModelInfo(id=f"{self.name}/{model_id}", provider=self.name, name=model_id,
                                    capabilities=caps))
        return models

    async def chat(self, request: ChatRequest) -> ChatResult:
        body = await request_json(self.client, self.name, "POST", "chat/completions", wire_request(request, False))
        try:
            choice = body["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError(self.name, "the provider's reply has no choices") from exc
        calls = [ToolCall.parse(c.get("id") or f"call_{i}", c["function"]["name"], c["function"].get("arguments"))
                 for i, c in enumerate(message.get("tool_calls") or [])]
        finish = _FINISH.get(choice.get("finish_reason") or "stop", "stop")
        return ChatResult(model=request.model, content=message.get("content") or "", tool_calls=calls,
                          finish_reason=finish, usage=_usage(body.get("usage")) or Usage())

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]:
        partial_calls: dict[int, dict[str, str]] = {}
        finish: str | None = None
        usage: Usage | None = None
        async with open_response(self.client, self.name, "POST", "chat/completions",
                                 wire_request(request, True)) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                chunk = json.loads(data)
                usage = _usage(chunk.get("usage")) or usage
                for choice in chunk.get("choices") or []:
                    delta = choice.get("delta") or {}
                    for call in delta.get("tool_calls") or []:
                        slot = partial_calls.setdefault(call.get("index", 0), {"id": "", "name": "", "args": ""})
                        slot["id"] = call.get("id") or slot["id"]
                        fn = call.get("function") or {}
                        slot["name"] = fn.get("name") or slot["name"]
                        slot["args"] += fn.get("arguments") or ""
                    finish = choice.get("finish_reason") or finish
                    if delta.get("content"):
                        yield StreamDelta(content=delta["content"])
        calls = [ToolCall.parse(s["id"] or f"call_{i}", s["name"], s["args"]) for i, s in sorted(partial_calls.items())]
        yield StreamDelta(tool_calls=calls, finish_reason=_FINISH.get(finish or "stop", "stop"), usage=usage)

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        body = await request_json(self.client, self.name, "POST", "embeddings", {"model": model, "input": texts})
        rows = sorted(body.get("data", []), key=lambda d: d.get("index", 0))
        return [list(map(float, r["embedding"])) for r in rows]

    async def count_tokens(self, model: str, messages: list[Message]) -> int:
        return estimate_tokens(messages)

    async def check(self) -> tuple[bool, str]:
        try:
            models = await self.list_models()
        except ProviderError as exc:
            return False, exc.detail
        return True, f"{len(models)} models"

    async def close(self) -> None:
        await self.client.aclose()

