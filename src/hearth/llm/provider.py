"""The protocol every provider implements, and the errors they raise at their boundary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from hearth.core.errors import Unavailable
from hearth.llm.messages import ChatRequest, ChatResult, Message, ModelInfo, StreamDelta


class ProviderError(Unavailable):
    """A provider call failed. `retryable` errors (connect errors, 429, 5xx) may be retried, but only
    before the first streamed token reached the caller."""

    def __init__(self, provider: str, detail: str, *, retryable: bool = False, status: int | None = None,
                 retry_after: float | None = None) -> None:
        self.provider = provider
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"LLM provider '{provider}': {detail}", provider=provider)


@runtime_checkable
class Provider(Protocol):
    name: str

    async def list_models(self) -> list[ModelInfo]: ...

    async def chat(self, request: ChatRequest) -> ChatResult: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]: ...

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]: ...

    async def count_tokens(self, model: str, messages: list[Message]) -> int: ...

    async def check(self) -> tuple[bool, str]: ...

    async def close(self) -> None: ...
