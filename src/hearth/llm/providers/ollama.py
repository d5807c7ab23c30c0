"""Ollama's native API: `/api/chat` (NDJSON when streaming), `/api/embed`, `/api/tags` and `/api/show`
for each model's capabilities and context length."""

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


def _wire_messages(messages: list[Message]) -> list[dict[str, Any]]:
    out = []
    for m in messages:
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["tool_calls"] = [{"function": {"name": c.name, "arguments": c.arguments}} for c in m.tool_calls]
        if m.role == "tool" and m.name:
            item["tool_name"] = m.name
        out.append(item)
    return out


def _wire_request(request: ChatRequest, stream: bool) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if request.temperature is not None:
        options["temperature"] = request.temperature
    if request.max_tokens is not None:
        options["num_predict"] = request.max_tokens
    if request.stop:
        options["stop"] = request.stop
    body: dict[str, Any] = {"model": request.model, "messages": _wire_messages(request.messages), "stream": stream,
                            "options": options}
    if request.tools and request.tool_choice != "none":
        body["tools"] = [{"type": "function", "function": t.model_dump()} for t in request.tools]
    if request.json_schema is not None:
        body["format"] = request.json_schema or "json"
    return body


def _calls(message: dict[str, Any], offset: int = 0) -> list[ToolCall]:
    return [ToolCall.parse(f"call_{offset + i}", c["function"]["name"], c["function"].get("arguments"))
            for i, c in enumerate(message.get("tool_calls") or [])]


def _finish(body: dict[str, Any], has_calls: bool) -> str:
    if has_calls:
        return "tool_calls"
    return "length" if body.get("done_reason") == "length" else "stop"


def _usage(body: dict[str, Any]) -> Usage:
    return Usage(prompt_tokens=body.get("prompt_eval_count") or 0, completion_tokens=body.get("eval_count") or 0)


class OllamaProvider:
    def __init__(self, base_url: str, *, name: str = "ollama", timeout_s: float = 120.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.name = name
        self.client = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/",
                                        timeout=httpx.Timeout(timeout_s, connect=5.0), transport=transport)
        self._capabilities: dict[str, Capabilities] = {}

    async def capabilities(self, model: str) -> Capabilities:
        if model not in self._capabilities:
            body = await request_json(self.client, self.name, "POST", "api/show", {"model": model})
            caps = set(body.get("capabilities") or ["completion"])
            info = body.get("model_info") or {}
            context = next((int(v) for k, v in info.items() if k.endswith(".context_length")), None)
            self._capabilities[model] = Capabilities(
                chat="completion" in caps, tools="tools" in caps, vision="vision" in caps,
                embedding="embedding" in caps, context_length=context,
            )
        return self._capabilities[model]

    async def list_models(self) -> list[ModelInfo]:
        body = await request_json(self.client, self.name, "GET", "api/tags")
        models = []
        for item in body.get("models", []):
            name = item.get("model") or item.get("name")
            models.append(ModelInfo(id=f"{self.name}/{name}", provider=self.name, name=name,
                                    capabilities=await self.capabilities(name)))
        return models

    async def chat(self, request: ChatRequest) -> ChatResult:
        body = await request_json(self.client, self.name, "POST", "api/chat", _wire_request(request, False))
        message = body.get("message") or {}
        calls = _calls(message)
        return ChatResult(model=request.model, content=message.get("content") or "", tool_calls=calls,
                          finish_reason=_finish(body, bool(calls)), usage=_usage(body))

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]:
        calls: list[ToolCall] = []
        async with open_response(self.client, self.name, "POST", "api/chat", _wire_request(request, True)) as response:
            async for line in response.aiter_lines():
                if not line.strip():
                    continue
                chunk = json.loads(line)
                if chunk.get("error"):
                    raise ProviderError(self.name, "the model failed while generating")
                message = chunk.get("message") or {}
                calls.extend(_calls(message, len(calls)))
                if message.get("content"):
                    yield StreamDelta(content=message["content"])
                if chunk.get("done"):
                    yield StreamDelta(tool_calls=calls, finish_reason=_finish(chunk, bool(calls)), usage=_usage(chunk))
                    return
        raise ProviderError(self.name, "the stream ended before the reply was done")

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        body = await request_json(self.client, self.name, "POST", "api/embed", {"model": model, "input": texts})
        return [list(map(float, v)) for v in body.get("embeddings", [])]

    async def count_tokens(self, model: str, messages: list[Message]) -> int:
        return estimate_tokens(messages)

    async def check(self) -> tuple[bool, str]:
        try:
            body = await request_json(self.client, self.name, "GET", "api/tags")
        except ProviderError as exc:
            return False, exc.detail
        return True, f"{len(body.get('models', []))} models"

    async def close(self) -> None:
        await self.client.aclose()
