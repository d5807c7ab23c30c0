"""Stateless completions and embeddings for the OpenAI-compatible API: resolve the model, call the
provider through its resilience wrapper, and account the tokens to the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.core.errors import InvalidInput
from hearth.core.scopes import Principal
from hearth.core.settings import Settings
from hearth.llm.messages import ChatRequest, ChatResult, ModelInfo, StreamDelta, Usage
from hearth.llm.registry import LLMRegistry
from hearth.llm.resilience import ResilientProvider
from hearth.llm.tokens import estimate_text_tokens
from hearth.services.usage import UsageRecorder

MAX_EMBEDDING_INPUTS = 2048


class CompletionService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], llm: LLMRegistry, settings: Settings) -> None:
        self.llm = llm
        self.settings = settings
        self.usage = UsageRecorder(sessions)

    async def models(self) -> list[ModelInfo]:
        models, _ = await self.llm.list_models()
        return models

    async def _resolve(self, model: str | None) -> tuple[ResilientProvider, str, str]:
        if model and "/" not in model:
            # Accept a bare model name when exactly one provider offers it.
            matches = [m for m in await self.models() if m.name == model]
            if len(matches) == 1:
                model = matches[0].id
        return await self.llm.resolve(model or None)

    async def complete(self, principal: Principal, request: ChatRequest) -> tuple[str, ChatResult]:
        provider, name, model_id = await self._resolve(request.model)
        result = await provider.chat(request.model_copy(update={"model": name}))
        await self.usage.record(principal.user_id, model_id, result.usage)
        return model_id, result

    async def stream(self, principal: Principal, request: ChatRequest) -> tuple[str, AsyncIterator[StreamDelta]]:
        provider, name, model_id = await self._resolve(request.model)

        async def deltas() -> AsyncIterator[StreamDelta]:
            usage = Usage()
            try:
                async for delta in provider.stream(request.model_copy(update={"model": name})):
                    usage = delta.usage or usage
                    yield delta
            finally:
                await self.usage.record(principal.user_id, model_id, usage)

        return model_id, deltas()

    async def embed(self, principal: Principal, model: str | None, texts: list[str]) -> tuple[str, list[list[float]], int]:
        if not texts or len(texts) > MAX_EMBEDDING_INPUTS:
            raise InvalidInput(f"input must hold 1 to {MAX_EMBEDDING_INPUTS} texts", field="input")
        requested = model or self.settings.embedding_model
        if "/" not in requested:
            default_provider, _, default_name = self.settings.embedding_model.partition("/")
            requested = f"{default_provider}/{requested}" if requested == default_name else requested
        provider, name = self.llm.split(requested)
        vectors = await provider.embed(name, texts)
        tokens = sum(estimate_text_tokens(t) for t in texts)
        await self.usage.record(principal.user_id, requested, Usage(prompt_tokens=tokens))
        return requested, vectors, tokens
