"""The Ollama and OpenAI-compatible providers against wire-level fake servers on loopback: real
HTTP, real streaming, scripted faults."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry

from hearth.core.errors import RateLimited
from hearth.llm.messages import ChatRequest, Message, ToolSpec, assemble
from hearth.llm.metrics import LLMMetrics
from hearth.llm.provider import ProviderError
from hearth.llm.providers.ollama import OllamaProvider
from hearth.llm.providers.openai_compat import OpenAICompatProvider
from hearth.llm.resilience import CircuitBreaker, ResilientProvider, RetryPolicy
from hearth.llm.wire_fakes import Fault, LoopbackServer, Script, ollama_app, openai_app

CALC = ToolSpec(name="calculator", description="Arithmetic.",
                parameters={"type": "object", "properties": {"expression": {"type": "string"}}})


@pytest.fixture(params=["openai", "ollama"])
def wire(request: pytest.FixtureRequest) -> Iterator[tuple[str, Script, str]]:
    script = Script()
    app = openai_app(script) if request.param == "openai" else ollama_app(script)
    with LoopbackServer(app) as url:
        yield request.param, script, url


def provider_for(kind: str, url: str, **resilience: object) -> ResilientProvider:
    inner = (OpenAICompatProvider(url + "/v1", api_key="sk-test") if kind == "openai"
             else OllamaProvider(url))
    return ResilientProvider(inner, LLMMetrics(CollectorRegistry()), **resilience)  # type: ignore[arg-type]


def model_of(kind: str) -> str:
    return "fake-gpt" if kind == "openai" else "fake-llama:latest"


def ask(kind: str, text: str = "hi", **extra: object) -> ChatRequest:
    return ChatRequest(model=model_of(kind), messages=[Message(role="user", content=text)], **extra)  # type: ignore[arg-type]


async def test_whole_and_streamed_replies_agree(wire: tuple[str, Script, str]) -> None:
    kind, script, url = wire
    provider = provider_for(kind, url)
    whole = await provider.chat(ask(kind))
    deltas = [d async for d in provider.stream(ask(kind))]
    assert whole.content == script.reply
    assert len([d for d in deltas if d.content]) == len(script.tokens()) > 1
    streamed = assemble(model_of(kind), deltas)
    assert streamed.content == script.reply and streamed.finish_reason == "stop"
    assert streamed.usage.completion_tokens == whole.usage.completion_tokens > 0
    await provider.close()


async def test_tool_calls_whole_and_streamed(wire: tuple[str, Script, str]) -> None:
    kind, script, url = wire
    provider = provider_for(kind, url)
    whole = await provider.chat(ask(kind, "what is 2+2?", tools=[CALC]))
    streamed = assemble(model_of(kind), [d async for d in provider.stream(ask(kind, "what is 2+2?", tools=[CALC]))])
    for result in (whole, streamed):
        assert result.finish_reason == "tool_calls"
        assert [(c.name, c.arguments) for c in result.tool_calls] == [("calculator", {"expression": "2+2"})]
    sent = script.requests[-1]
    assert sent["tools"][0]["function"]["name"] == "calculator"
    await provider.close()


async def test_models_capabilities_and_embeddings(wire: tuple[str, Script, str]) -> None:
    kind, script, url = wire
    script.context_length = 32768
    provider = provider_for(kind, url)
    models = await provider.list_models()
    chat_model = next(m for m in models if m.name == model_of(kind))
    assert chat_model.id == f"{kind}/{model_of(kind)}"
    assert chat_model.capabilities.chat and chat_model.capabilities.tools
    assert chat_model.capabilities.context_length == 32768
    vectors = await provider.embed("fake-embed", ["a", "abc"])
    assert [v[0] for v in vectors] == [1.0, 3.0]
    await provider.close()


async def test_retries_before_the_first_token(wire: tuple[str, Script, str]) -> None:
    kind, script, url = wire
    script.faults = [Fault(status=503), Fault(status=502)]
    provider = provider_for(kind, url, retry=RetryPolicy(attempts=3, base_s=0.01, max_wait_s=0.05))
    streamed = assemble(model_of(kind), [d async for d in provider.stream(ask(kind))])
    assert streamed.content == script.reply
    assert len(script.requests) == 3
    script.faults = [Fault(status=500)]
    assert (await provider.chat(ask(kind))).content == script.reply
    await provider.close()


async def test_a_started_stream_is_never_replayed(wire: tuple[str, Script, str]) -> None:
    kind, script, url = wire
    script.reply = "one two three four five six"
    script.faults = [Fault(drop_after_tokens=2)]
    provider = provider_for(kind, url, retry=RetryPolicy(attempts=5, base_s=0.01, max_wait_s=0.05))
    received: list[str] = []
    with pytest.raises(ProviderError) as failure:
        async for delta in provider.stream(ask(kind)):
            received.append(delta.content)
    assert "".join(received) == "one two"
    assert len(script.requests) == 1, "the stream was replayed after tokens had been sent"
    assert kind in failure.value.detail
    await provider.close()


async def test_circuit_breaker_opens_then_closes_after_a_good_trial(wire: tuple[str, Script, str]) -> None:
    kind, script, url = wire
    now = [1000.0]
    breaker = CircuitBreaker(kind, threshold=2, reset_s=30, clock=lambda: now[0])
    provider = provider_for(kind, url, retry=RetryPolicy(attempts=1), breaker=breaker)
    script.faults = [Fault(status=500), Fault(status=500)]
    for _ in range(2):
        with pytest.raises(ProviderError):
            await provider.chat(ask(kind))
    assert breaker.state == "open"
    with pytest.raises(ProviderError) as refused:
        await provider.chat(ask(kind))
    assert "circuit breaker is open" in refused.value.detail and kind in refused.value.detail
    assert len(script.requests) == 2, "an open breaker still called the provider"

    now[0] += 31
    assert breaker.state == "half_open"
    assert (await provider.chat(ask(kind))).content == script.reply
    assert breaker.state == "closed" and len(script.requests) == 3
    await provider.close()


async def test_a_failed_half_open_trial_opens_the_breaker_again(wire: tuple[str, Script, str]) -> None:
    kind, script, url = wire
    now = [0.0]
    breaker = CircuitBreaker(kind, threshold=1, reset_s=10, clock=lambda: now[0])
    provider = provider_for(kind, url, retry=RetryPolicy(attempts=1), breaker=breaker)
    script.faults = [Fault(status=503), Fault(status=503)]
    with pytest.raises(ProviderError):
        await provider.chat(ask(kind))
    now[0] += 11
    with pytest.raises(ProviderError):
        await provider.chat(ask(kind))  # the trial fails
    assert breaker.state == "open"
    await provider.close()


async def test_429_waits_for_retry_after_then_succeeds(wire: tuple[str, Script, str]) -> None:
    kind, script, url = wire
    script.faults = [Fault(status=429, retry_after="1")]
    provider = provider_for(kind, url, retry=RetryPolicy(attempts=3, base_s=0.01, max_wait_s=5))
    started = time.monotonic()
    result = await provider.chat(ask(kind))
    assert result.content == script.reply
    assert time.monotonic() - started >= 0.95, "Retry-After was not honoured"
    assert len(script.requests) == 2
    await provider.close()


async def test_429_that_persists_becomes_rate_limited_with_retry_after(wire: tuple[str, Script, str]) -> None:
    kind, script, url = wire
    script.faults = [Fault(status=429, retry_after="7")] * 2
    provider = provider_for(kind, url, retry=RetryPolicy(attempts=2, base_s=0.01, max_wait_s=0.05))
    with pytest.raises(RateLimited) as limited:
        await provider.chat(ask(kind))
    assert limited.value.retry_after == 7 and kind in limited.value.detail
    assert provider.breaker.state == "closed", "rate limiting is not an outage"
    await provider.close()


async def test_unreachable_provider_is_a_clear_unavailable_error() -> None:
    provider = provider_for("openai", "http://127.0.0.1:9", retry=RetryPolicy(attempts=2, base_s=0.01))
    with pytest.raises(ProviderError) as failure:
        await provider.chat(ask("openai"))
    assert "LLM provider 'openai'" in failure.value.detail and "cannot reach" in failure.value.detail
    await provider.close()
