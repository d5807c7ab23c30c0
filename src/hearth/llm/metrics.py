"""Prometheus metrics for LLM calls: tokens, time to first token, latency and provider errors."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from hearth.llm.messages import Usage

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)


class LLMMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.tokens = Counter("hearth_llm_tokens", "Tokens processed by LLM providers.",
                              ["provider", "model", "kind"], registry=registry)
        self.time_to_first_token = Histogram("hearth_llm_time_to_first_token_seconds",
                                             "Time from request to the first streamed token.",
                                             ["provider", "model"], buckets=_LATENCY_BUCKETS, registry=registry)
        self.duration = Histogram("hearth_llm_request_duration_seconds", "Whole LLM call duration.",
                                  ["provider", "model", "mode"], buckets=_LATENCY_BUCKETS, registry=registry)
        self.errors = Counter("hearth_llm_provider_errors", "Failed provider calls (each attempt).",
                              ["provider", "reason"], registry=registry)

    def record_usage(self, provider: str, model: str, usage: Usage) -> None:
        self.tokens.labels(provider, model, "prompt").inc(usage.prompt_tokens)
        self.tokens.labels(provider, model, "completion").inc(usage.completion_tokens)
