"""The configured providers, addressed as `provider/model`. Built from settings; plugins may add
more (`runtime.llm.add(provider)`), the fake provider in tests among them."""

from __future__ import annotations

import asyncio

from hearth.core.errors import InvalidInput
from hearth.core.logging import get_logger
from hearth.core.settings import Settings
from hearth.llm.messages import Capabilities, ModelInfo
from hearth.llm.metrics import LLMMetrics
from hearth.llm.provider import Provider, ProviderError
from hearth.llm.resilience import CircuitBreaker, ResilientProvider, RetryPolicy
from hearth.rag.embedders.minilm import MiniLMEmbedder

log = get_logger("hearth.llm")
LOCAL_CHAT_MODEL = "local/qwen2.5-0.5b-instruct"
AUTO_PROBE_TIMEOUT_S = 1.5
DEFAULT_CONTEXT_LENGTH = 4096


class LLMRegistry:
    def __init__(self, settings: Settings, metrics: LLMMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.providers: dict[str, ResilientProvider] = {}
        self._default_chat: str | None = settings.chat_model
        self._decide_lock = asyncio.Lock()
        self._capabilities: dict[str, Capabilities] = {}

    def add(self, provider: Provider) -> ResilientProvider:
        s = self.settings
        wrapped = ResilientProvider(
            provider, self.metrics,
            retry=RetryPolicy(attempts=s.llm_max_retries + 1, base_s=s.llm_retry_base_s, max_wait_s=s.llm_retry_max_wait_s),
            breaker=CircuitBreaker(provider.name, s.llm_breaker_threshold, s.llm_breaker_reset_s),
            max_concurrency_per_model=s.llm_max_concurrency_per_model,
        )
        self.providers[provider.name] = wrapped
        return wrapped

    def split(self, model: str) -> tuple[ResilientProvider, str]:
        provider_name, sep, name = model.partition("/")
        if not sep or not name:
            raise InvalidInput(f"model {model!r} must be written as provider/model, e.g. {LOCAL_CHAT_MODEL}")
        provider = self.providers.get(provider_name)
        if provider is None:
            raise InvalidInput(f"no LLM provider named {provider_name!r} is configured "
                           f"(configured: {', '.join(sorted(self.providers)) or 'none'})")
        return provider, name

    async def default_chat_model(self) -> str:
        if self._default_chat is None:
            async with self._decide_lock:
                if self._default_chat is None:
                    self._default_chat = await self._decide_default()
        return self._default_chat

    async def _decide_default(self) -> str:
        choice = self.settings.llm_provider
        if choice in ("auto", "ollama") and "ollama" in self.providers:
            try:
                models = await asyncio.wait_for(self.providers["ollama"].inner.list_models(), AUTO_PROBE_TIMEOUT_S)
            except (ProviderError, TimeoutError):
                models = []
            chat_models = [m for m in models if m.capabilities.chat]
            if chat_models:
                log.info("llm_default", model=chat_models[0].id, reason="ollama answered")
                return chat_models[0].id
            if choice == "auto":
                # Nothing there: leave Ollama out so listings and readiness do not report a failure.
                await self.providers.pop("ollama").close()
        if choice == "openai" and "openai" in self.providers:
            models = [m for m in await self.providers["openai"].list_models() if m.capabilities.chat]
            if models:
                return models[0].id
        return LOCAL_CHAT_MODEL

    async def resolve(self, model: str | None) -> tuple[ResilientProvider, str, str]:
        """(provider, provider's model name, full id) for a requested model or the default."""
        full = model or await self.default_chat_model()
        provider, name = self.split(full)
        return provider, name, full

    async def capabilities(self, provider: ResilientProvider, model_name: str) -> Capabilities:
        """The model's capabilities as its provider reports them (cached per process)."""
        key = f"{provider.name}/{model_name}"
        if key not in self._capabilities:
            try:
                models = await provider.list_models()
            except ProviderError:
                models = []
            found = next((m.capabilities for m in models if m.name == model_name), None)
            if found is None:
                return Capabilities(context_length=DEFAULT_CONTEXT_LENGTH)  # unknown now; ask again next time
            self._capabilities[key] = found
        return self._capabilities[key]

    async def context_length(self, provider: ResilientProvider, model_name: str) -> int:
        return (await self.capabilities(provider, model_name)).context_length or DEFAULT_CONTEXT_LENGTH

    async def list_models(self) -> tuple[list[ModelInfo], dict[str, str]]:
        await self.default_chat_model()
        results = await asyncio.gather(*(p.list_models() for p in self.providers.values()), return_exceptions=True)
        models: list[ModelInfo] = []
        errors: dict[str, str] = {}
        for name, result in zip(list(self.providers), results, strict=True):
            if isinstance(result, BaseException):
                errors[name] = getattr(result, "detail", "unavailable")
            else:
                models.extend(result)
        return models, errors

    async def check(self) -> tuple[bool, str]:
        default = await self.default_chat_model()
        default_provider = default.partition("/")[0]
        details = []
        ok = True
        for name, provider in self.providers.items():
            good, detail = await provider.check()
            details.append(f"{name}: {'ok' if good else detail}")
            ok = ok and (good or name != default_provider)
        return ok, "; ".join(details)

    async def close(self) -> None:
        for provider in self.providers.values():
            await provider.close()


def build_llm_registry(settings: Settings, metrics: LLMMetrics, embedder: MiniLMEmbedder | None = None) -> LLMRegistry:
    from hearth.llm.providers.local import LocalProvider
    from hearth.llm.providers.ollama import OllamaProvider
    from hearth.llm.providers.openai_compat import OpenAICompatProvider

    registry = LLMRegistry(settings, metrics)
    registry.add(LocalProvider(settings.model_files_dir, context_length=settings.local_llm_context,
                               threads=settings.local_llm_threads, max_waiting=settings.local_llm_max_waiting,
                               embedder=embedder))
    if settings.llm_provider in ("auto", "ollama"):
        registry.add(OllamaProvider(settings.ollama_url, timeout_s=settings.llm_timeout_s))
    if settings.openai_base_url:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        registry.add(OpenAICompatProvider(settings.openai_base_url, api_key=key, timeout_s=settings.llm_timeout_s))
    return registry
