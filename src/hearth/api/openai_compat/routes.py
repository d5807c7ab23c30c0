"""`/v1/models`, `/v1/chat/completions` and `/v1/embeddings`, authenticated by API key (or access
token) with the chat scope. Streams end with `data: [DONE]` as OpenAI clients expect."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends
from starlette.responses import StreamingResponse

from hearth.api.deps import ChatPrincipal, State
from hearth.api.openai_compat.schemas import ChatCompletionRequest, EmbeddingRequest, wire_tool_calls
from hearth.api.sse import SSE_HEADERS, started
from hearth.core.errors import HearthError
from hearth.llm.messages import Usage
from hearth.services.completions import CompletionService

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


def get_completions(state: State) -> CompletionService:
    return CompletionService(state.sessions, state.llm, state.settings)


Completions = Annotated[CompletionService, Depends(get_completions)]


def _usage(usage: Usage) -> dict[str, int]:
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens}


@router.get("/models", summary="Models in the OpenAI list format")
async def list_models(_principal: ChatPrincipal, completions: Completions) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": m.id, "object": "model", "created": 0, "owned_by": m.provider}
                                       for m in await completions.models()]}


@router.post("/chat/completions", summary="OpenAI-compatible chat completions (stream or not, tools, JSON mode)")
async def chat_completions(body: ChatCompletionRequest, principal: ChatPrincipal,
                           completions: Completions) -> Any:
    request = body.to_request()
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if not body.stream:
        model_id, result = await completions.complete(principal, request)
        message: dict[str, Any] = {"role": "assistant", "content": result.content or None}
        if result.tool_calls:
            message["tool_calls"] = wire_tool_calls(result.tool_calls)
        return {"id": completion_id, "object": "chat.completion", "created": created, "model": model_id,
                "choices": [{"index": 0, "message": message, "finish_reason": result.finish_reason}],
                "usage": _usage(result.usage)}

    model_id, deltas = await completions.stream(principal, request)
    deltas = await started(deltas)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model_id,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(payload)}\n\n".encode()

    async def events() -> AsyncIterator[bytes]:
        yield chunk({"role": "assistant", "content": ""})
        usage = Usage()
        try:
            async for delta in deltas:
                if delta.content:
                    yield chunk({"content": delta.content})
                if delta.tool_calls:
                    yield chunk({"tool_calls": wire_tool_calls(delta.tool_calls, with_index=True)})
                if delta.finish_reason:
                    usage = delta.usage or usage
                    yield chunk({}, delta.finish_reason)
            if include_usage:
                payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                           "model": model_id, "choices": [], "usage": _usage(usage)}
                yield f"data: {json.dumps(payload)}\n\n".encode()
        except HearthError as exc:
            yield f"data: {json.dumps({'error': {'message': exc.detail, 'type': exc.title}})}\n\n".encode()
        yield b"data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.post("/embeddings", summary="OpenAI-compatible embeddings (the bundled MiniLM model by default)")
async def embeddings(body: EmbeddingRequest, principal: ChatPrincipal, completions: Completions) -> dict[str, Any]:
    model_id, vectors, tokens = await completions.embed(principal, body.model or None, body.texts())

    def encode(vector: list[float]) -> list[float] | str:
        if body.encoding_format == "base64":
            return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()
        return vector

    return {"object": "list", "model": model_id,
            "data": [{"object": "embedding", "index": i, "embedding": encode(v)} for i, v in enumerate(vectors)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
