"""Database pool gauges for /metrics."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine


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
