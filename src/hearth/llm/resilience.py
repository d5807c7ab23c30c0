"""What stands between callers and a provider: retries with backoff (only before the first streamed
token — a stream that started is never replayed), a circuit breaker per provider, a concurrency cap
per model, and metrics. Failures leave as domain errors naming the provider."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from tenacity import RetryCallState, wait_exponential_jitter

from hearth.core.errors import RateLimited
from hearth.llm.messages import ChatRequest, ChatResult, Message, ModelInfo, StreamDelta
from hearth.llm.metrics import LLMMetrics
from hearth.llm.provider import Provider, ProviderError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_s: float = 0.5
    max_wait_s: float = 10.0

    def delay(self, attempt: int, error: ProviderError) -> float:
        state = RetryCallState(None, None, (), {})  # type: ignore[arg-type]
        state.attempt_number = attempt
        backoff = wait_exponential_jitter(multiplier=self.base_s, max=self.max_wait_s, jitter=self.base_s)(state)
        hinted = min(error.retry_after or 0.0, self.max_wait_s)
        return max(backoff, hinted)


class CircuitBreaker:
    """Opens after `threshold` consecutive failures; after `reset_s` lets one trial call through
    (half-open) and closes again if it succeeds."""

    def __init__(self, provider: str, threshold: int = 5, reset_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.provider = provider
        self.threshold = threshold
        self.reset_s = reset_s
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> Literal["closed", "open", "half_open"]:
        if self.opened_at is None:
            return "closed"
        return "half_open" if self.clock() - self.opened_at >= self.reset_s else "open"

    def before_call(self) -> None:
        state = self.state
        if state == "open" or (state == "half_open" and self._trial_running):
            wait = self.reset_s - (self.clock() - (self.opened_at or 0.0))
            raise ProviderError(self.provider, f"unavailable after {self.failures} consecutive failures; "
                                f"the circuit breaker is open (next try in {max(wait, 0):.0f}s)")
        if state == "half_open":
            self._trial_running = True

    def record_success(self) -> None:
        self.failures = 0
        self.opened_at = None
        self._trial_running = False

    def record_failure(self) -> None:
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.threshold:
            self.opened_at = self.clock()
        self._trial_running = False


def _counts_against_breaker(error: ProviderError) -> bool:
    return error.status != 429 and (error.retryable or error.status is None or error.status >= 500)


def _final_error(error: ProviderError) -> Exception:
    if error.status == 429:
        wait = math.ceil(error.retry_after or 1)
        return RateLimited(f"LLM provider '{error.provider}' is rate limiting requests; retry in {wait}s",
                           retry_after=wait, provider=error.provider)
    return error


class ResilientProvider:
    def __init__(self, inner: Provider, metrics: LLMMetrics, *, retry: RetryPolicy = RetryPolicy(),
                 breaker: CircuitBreaker | None = None, max_concurrency_per_model: int = 4) -> None:
        self.inner = inner
        self.name = inner.name
        self.metrics = metrics
        self.retry = retry
        self.breaker = breaker or CircuitBreaker(inner.name)
        self.max_concurrency = max_concurrency_per_model
        self._slots: dict[str, asyncio.Semaphore] = {}

    def _slot(self, model: str) -> asyncio.Semaphore:
        return self._slots.setdefault(model, asyncio.Semaphore(self.max_concurrency))

    def _failed(self, error: ProviderError) -> None:
        reason = f"http_{error.status}" if error.status else ("transport" if error.retryable else "other")
        self.metrics.errors.labels(self.name, reason).inc()
        if _counts_against_breaker(error):
            self.breaker.record_failure()
        else:
            self.breaker.record_success()

    async def _after_failure(self, error: ProviderError, attempt: int, streamed: bool) -> None:
        """Record the failure, then either wait for the next attempt or raise: never once tokens
        reached the caller, never for errors that cannot heal, never past the last attempt."""
        self._failed(error)
        if streamed or not error.retryable or attempt >= self.retry.attempts:
            raise _final_error(error) from error
        await asyncio.sleep(self.retry.delay(attempt, error))

    async def _call(self, fn: Callable[[], Awaitable[T]]) -> T:
        attempt = 1
        while True:
            self.breaker.before_call()
            try:
                result = await fn()
            except ProviderError as error:
                await self._after_failure(error, attempt, streamed=False)
                attempt += 1
                continue
            self.breaker.record_success()
            return result

    async def chat(self, request: ChatRequest) -> ChatResult:
        async with self._slot(request.model):
            started = time.perf_counter()
            result = await self._call(lambda: self.inner.chat(request))
        self.metrics.duration.labels(self.name, request.model, "whole").observe(time.perf_counter() - started)
        self.metrics.record_usage(self.name, request.model, result.usage)
        return result

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]:
        async with self._slot(request.model):
            started = time.perf_counter()
            attempt = 1
            while True:
                self.breaker.before_call()
                streamed = False
                try:
                    async for delta in self.inner.stream(request):
                        if not streamed:
                            streamed = True
                            self.metrics.time_to_first_token.labels(self.name, request.model).observe(
                                time.perf_counter() - started)
                        if delta.usage:
                            self.metrics.record_usage(self.name, request.model, delta.usage)
                        yield delta
                except ProviderError as error:
                    await self._after_failure(error, attempt, streamed)
                    attempt += 1
                    continue
                self.breaker.record_success()
                self.metrics.duration.labels(self.name, request.model, "stream").observe(time.perf_counter() - started)
                return

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        return await self._call(lambda: self.inner.embed(model, texts))

    async def list_models(self) -> list[ModelInfo]:
        return await self._call(self.inner.list_models)

    async def count_tokens(self, model: str, messages: list[Message]) -> int:
        return await self.inner.count_tokens(model, messages)

    async def check(self) -> tuple[bool, str]:
        if self.breaker.state == "open":
            return False, "circuit breaker open"
        return await self.inner.check()

    async def close(self) -> None:
        await self.inner.close()
