"""Prometheus metrics, one registry per app so tests can build many apps side by side."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

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


class DbPoolCollector(Collector):
    """Reads the pool's live numbers at scrape time instead of tracking them on every checkout."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self.engine.sync_engine.pool
        for name, reader in (("size", "size"), ("checked_out", "checkedout")):
            read = getattr(pool, reader, None)
            if read is None:
                continue
            family = GaugeMetricFamily(f"hearth_db_pool_{name}", f"Database connection pool {name}.")
            family.add_metric([], float(read()))
            yield family


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
