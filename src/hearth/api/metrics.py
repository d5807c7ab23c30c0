"""Prometheus metrics, one registry per app so tests can build many apps side by side."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "hearth_http_requests_total", "HTTP requests by route template and status.",
            ["method", "route", "status"], registry=registry,
        )
        self.latency = Histogram(
            "hearth_http_request_duration_seconds", "HTTP request latency by route template.",
            ["method", "route"], registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.in_flight = Gauge("hearth_http_requests_in_flight", "HTTP requests being served.", registry=registry)


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
