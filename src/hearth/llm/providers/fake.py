"""A provider whose replies a function scripts (like pydantic-ai's FunctionModel): product code, so
tests and demos exercise every layer above the provider without a model. Register one from a plugin:
`runtime.llm.add(FakeProvider(reply=my_function))`."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Union

from hearth.llm.messages import (
    Capabilities,
    ChatRequest,
    ChatResult,
    Message,
    ModelInfo,
    StreamDelta,
    Usage,
)
from hearth.llm.tokens import estimate_text_tokens, estimate_tokens

Reply = Union[str, ChatResult]
ReplyFunction = Callable[[ChatRequest], Reply | Awaitable[Reply]]


def echo(request: ChatRequest) -> str:
    last_user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    return f"echo: {last_user}"


class FakeProvider:
    def __init__(self, reply: ReplyFunction = echo, *, name: str = "fake", models: tuple[str, ...] = ("echo",),
                 context_length: int = 8192, tools: bool = True, dimensions: int = 8,
                 stream_delay_s: float = 0.0) -> None:
        self.name = name
        self.reply = reply
        self.models = models
        self.context_length = context_length
        self.supports_tools = tools
        self.dimensions = dimensions
        self.stream_delay_s = stream_delay_s
        self.requests: list[ChatRequest] = []

    async def list_models(self) -> list[ModelInfo]:
        caps = Capabilities(tools=self.supports_tools, embedding=True, context_length=self.context_length)
        return [ModelInfo(id=f"{self.name}/{m}", provider=self.name, name=m, capabilities=caps) for m in self.models]

    async def chat(self, request: ChatRequest) -> ChatResult:
        self.requests.append(request)
        produced = self.reply(request)
        if inspect.isawaitable(produced):
            produced = await produced
        result = produced if isinstance(produced, ChatResult) else ChatResult(model=request.model, content=produced)
        if result.tool_calls and result.finish_reason == "stop":
            result.finish_reason = "tool_calls"
        if result.usage.total_tokens == 0:
            result.usage = Usage(prompt_tokens=estimate_tokens(request.messages),
                                 completion_tokens=estimate_text_tokens(result.content))
        return result

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]:
        result = await self.chat(request)
        words = result.content.split(" ")
        for i, word in enumerate(words):
            if self.stream_delay_s:
                await asyncio.sleep(self.stream_delay_s)
            yield StreamDelta(content=word if i == 0 else " " + word)
        yield StreamDelta(tool_calls=result.tool_calls, finish_reason=result.finish_reason, usage=result.usage)

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        # Deterministic letter-frequency vectors: similar texts get similar vectors.
        vectors = []
        for text in texts:
            vec = [0.0] * self.dimensions
            for ch in text.lower():
                vec[ord(ch) % self.dimensions] += 1.0
            norm = sum(v * v for v in vec) ** 0.5 or 1.0
            vectors.append([v / norm for v in vec])
        return vectors

    async def count_tokens(self, model: str, messages: list[Message]) -> int:
        return estimate_tokens(messages)

    async def check(self) -> tuple[bool, str]:
        return True, "scripted"

    async def close(self) -> None:
        return None
