"""Wire-level fake Ollama and OpenAI-compatible servers: real HTTP on loopback speaking each real
protocol (NDJSON and SSE streaming included), with scriptable faults — error statuses with
Retry-After, connections dropped mid-stream. Product code, so tests and benchmarks share them."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Fault:
    status: int | None = None  # answer this status instead of a reply
    retry_after: str | None = None
    drop_after_tokens: int | None = None  # stream this many tokens, then cut the connection


@dataclass
class Script:
    reply: str = "Hello from the fake server"
    tool_arguments: dict[str, Any] = field(default_factory=lambda: {"expression": "2+2"})
    faults: list[Fault] = field(default_factory=list)
    token_delay_s: float = 0.0
    context_length: int = 4096
    requests: list[dict[str, Any]] = field(default_factory=list)

    def next_fault(self) -> Fault | None:
        return self.faults.pop(0) if self.faults else None

    def tokens(self) -> list[str]:
        words = self.reply.split(" ")
        return [w if i == 0 else " " + w for i, w in enumerate(words)]


class _Dropped(Exception):
    """Raised inside a streaming body so the server cuts the connection mid-response."""


def _fault_response(fault: Fault) -> Response:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
    return JSONResponse({"error": {"message": f"scripted {fault.status}"}}, status_code=fault.status or 500,
                        headers=headers)


async def _paced(script: Script, fault: Fault | None) -> AsyncIterator[tuple[int, str]]:
    for i, token in enumerate(script.tokens()):
        if fault and fault.drop_after_tokens is not None and i >= fault.drop_after_tokens:
            raise _Dropped()
        if script.token_delay_s:
            await asyncio.sleep(script.token_delay_s)
        yield i, token


def openai_app(script: Script) -> Starlette:
    async def models(_: Request) -> Response:
        return JSONResponse({"object": "list", "data": [
            {"id": "fake-gpt", "object": "model", "created": 0, "owned_by": "fake", "context_length": script.context_length},
            {"id": "fake-embed", "object": "model", "created": 0, "owned_by": "fake"}]})

    async def completions(request: Request) -> Response:
        body = await request.json()
        script.requests.append(body)
        fault = script.next_fault()
        if fault and fault.status:
            return _fault_response(fault)
        base = {"id": "chatcmpl-fake", "created": int(time.time()), "model": body["model"]}
        call = ({"id": "call_1", "type": "function", "function": {
            "name": body["tools"][0]["function"]["name"], "arguments": json.dumps(script.tool_arguments)}}
            if body.get("tools") and body.get("tool_choice") != "none" else None)
        usage = {"prompt_tokens": 11, "completion_tokens": len(script.tokens()),
                 "total_tokens": 11 + len(script.tokens())}
        if not body.get("stream"):
            message = {"role": "assistant", "content": None if call else script.reply}
            if call:
                message["tool_calls"] = [call]
            return JSONResponse({**base, "object": "chat.completion", "usage": usage, "choices": [
                {"index": 0, "message": message, "finish_reason": "tool_calls" if call else "stop"}]})

        async def events() -> AsyncIterator[bytes]:
            def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
                data = {**base, "object": "chat.completion.chunk",
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                return f"data: {json.dumps(data)}\n\n".encode()

            if call:
                args = call["function"]["arguments"]
                yield chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                             "function": {"name": call["function"]["name"], "arguments": ""}}]})
                for piece in (args[: len(args) // 2], args[len(args) // 2:]):
                    yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
                yield chunk({}, "tool_calls")
            else:
                async for _, token in _paced(script, fault):
                    yield chunk({"content": token})
                yield chunk({}, "stop")
            yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def embeddings(request: Request) -> Response:
        body = await request.json()
        script.requests.append(body)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        return JSONResponse({"object": "list", "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1},
                             "data": [{"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.0]}
                                      for i, t in enumerate(inputs)]})

    return Starlette(routes=[Route("/v1/models", models), Route("/v1/chat/completions", completions, methods=["POST"]),
                             Route("/v1/embeddings", embeddings, methods=["POST"])])


def ollama_app(script: Script) -> Starlette:
    async def tags(_: Request) -> Response:
        return JSONResponse({"models": [{"name": "fake-llama:latest", "model": "fake-llama:latest"}]})

    async def show(request: Request) -> Response:
        await request.json()
        return JSONResponse({"capabilities": ["completion", "tools"],
                             "model_info": {"general.architecture": "llama", "llama.context_length": script.context_length}})

    async def chat(request: Request) -> Response:
        body = await request.json()
        script.requests.append(body)
        fault = script.next_fault()
        if fault and fault.status:
            return _fault_response(fault)
        calls = ([{"function": {"name": body["tools"][0]["function"]["name"], "arguments": script.tool_arguments}}]
                 if body.get("tools") else [])
        counts = {"prompt_eval_count": 9, "eval_count": len(script.tokens())}
        if not body.get("stream", True):
            message = {"role": "assistant", "content": "" if calls else script.reply}
            if calls:
                message["tool_calls"] = calls
            return JSONResponse({"model": body["model"], "message": message, "done": True, "done_reason": "stop",
                                 **counts})

        async def lines() -> AsyncIterator[bytes]:
            if calls:
                yield (json.dumps({"model": body["model"], "message": {"role": "assistant", "content": "",
                                                                        "tool_calls": calls}, "done": False}) + "\n").encode()
            else:
                async for _, token in _paced(script, fault):
                    yield (json.dumps({"model": body["model"], "message": {"role": "assistant", "content": token},
                                       "done": False}) + "\n").encode()
            yield (json.dumps({"model": body["model"], "message": {"role": "assistant", "content": ""}, "done": True,
                               "done_reason": "stop", **counts}) + "\n").encode()

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    async def embed(request: Request) -> Response:
        body = await request.json()
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        return JSONResponse({"model": body["model"], "embeddings": [[float(len(t)), 0.5] for t in inputs]})

    return Starlette(routes=[Route("/api/tags", tags), Route("/api/show", show, methods=["POST"]),
                             Route("/api/chat", chat, methods=["POST"]), Route("/api/embed", embed, methods=["POST"])])


class LoopbackServer:
    """Serve an ASGI app on 127.0.0.1 in a background thread: `with LoopbackServer(app) as url: ...`."""

    def __init__(self, app: Any, port: int = 0, lifespan: str = "off") -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                                                    lifespan=lifespan))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
