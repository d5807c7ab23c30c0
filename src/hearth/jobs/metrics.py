"""Job and webhook metrics. Counts by state come from the database at scrape time, so every API
replica reports the same queue whichever worker did the work."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from hearth.jobs.store import JobStore


class JobMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.finished = Counter("hearth_jobs_finished_total", "Jobs that reached a terminal state here.",
                                ["kind", "state"], registry=registry)
        self.retries = Counter("hearth_jobs_retries_total", "Job attempts that failed and were re-queued.",
                               ["kind"], registry=registry)
        self.duration = Histogram("hearth_job_duration_seconds", "Time a job attempt ran.", ["kind"],
                                  registry=registry, buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800))
        self.by_state = Gauge("hearth_jobs", "Jobs in the database by kind and state.", ["kind", "state"],
                              registry=registry)
        self.queue_depth = Gauge("hearth_jobs_queue_depth", "Jobs waiting to run.", registry=registry)
        self.webhook_deliveries = Counter("hearth_webhook_delivery_attempts_total",
                                          "Webhook delivery attempts by outcome.", ["outcome"], registry=registry)

    async def refresh(self, store: JobStore) -> None:
        counts = await store.counts()
        self.by_state.clear()
        for kind, state, n in counts:
            self.by_state.labels(kind, state).set(n)
        self.queue_depth.set(sum(n for _, state, n in counts if state == "queued"))
