"""Everything a Hearth process runs on, built once from settings: database, event bus, job
registry and queue, metrics, readiness. `hearth serve` wraps it in the API; `hearth worker` runs
it alone. Plugins (and the built-ins) add job kinds through `register(runtime)`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hearth.agents.mcp import McpConnections
from hearth.agents.pool import RunPool
from hearth.agents.tools.base import ToolRegistry
from hearth.core.errors import ConfigurationError
from hearth.core.settings import Settings
from hearth.db.engine import create_engine, create_session_factory
from hearth.db.metrics import DbPoolCollector
from hearth.events import EventBus
from hearth.jobs.metrics import JobMetrics
from hearth.jobs.queue import JobQueue
from hearth.jobs.registry import JobRegistry
from hearth.jobs.runner import JobRunner
from hearth.jobs.store import JobStore
from hearth.llm.metrics import LLMMetrics
from hearth.llm.registry import LLMRegistry, build_llm_registry
from hearth.rag.components import KnowledgeComponents, build_knowledge
from hearth.rag.embedders.minilm import MiniLMEmbedder
from hearth.services.readiness import CheckResult, Readiness, database_check
from hearth.workflows.kinds.base import StepKindRegistry

BUILTIN_PLUGINS = ["hearth.webhooks.delivery", "hearth.services.chat_titles", "hearth.rag.ingest",
                   "hearth.agents.tools.builtin", "hearth.services.agent_runs", "hearth.workflows.kinds.builtin",
                   "hearth.services.workflow_runs"]


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    metrics_registry: CollectorRegistry
    readiness: Readiness
    bus: EventBus
    job_registry: JobRegistry
    job_store: JobStore
    job_metrics: JobMetrics
    llm: LLMRegistry
    kb: KnowledgeComponents
    tools: ToolRegistry = field(default_factory=ToolRegistry)
    step_kinds: StepKindRegistry = field(default_factory=StepKindRegistry)
    jobs: JobQueue = field(init=False)
    mcp: McpConnections = field(init=False)
    agent_pool: RunPool = field(init=False)
    # Results of `pure` tools by (tool, arguments), shared by every run in this process.
    tool_cache: LRUCache[tuple[str, str], Any] = field(init=False)

    async def close(self) -> None:
        await self.jobs.stop(self.settings.job_shutdown_grace_s)
        await self.mcp.close()
        await self.llm.close()
        await self.kb.index.close()
        await self.engine.dispose()

    def runner(self, worker_id: str) -> JobRunner:
        return JobRunner(self.job_store, self.job_registry, self.bus, self.job_metrics, worker_id,
                         self.settings.job_lease_s)


def build_runtime(settings: Settings) -> Runtime:
    engine = create_engine(settings)
    registry = CollectorRegistry()
    registry.register(DbPoolCollector(engine))
    sessions = create_session_factory(engine)
    job_registry = JobRegistry()
    embedder = MiniLMEmbedder()  # one instance shared by /v1/embeddings and the knowledge base
    runtime = Runtime(
        settings=settings, engine=engine, sessions=sessions, metrics_registry=registry, readiness=Readiness(),
        bus=EventBus(), job_registry=job_registry, job_store=JobStore(sessions, job_registry),
        job_metrics=JobMetrics(registry), llm=build_llm_registry(settings, LLMMetrics(registry), embedder),
        kb=build_knowledge(settings, sessions, registry, embedder),
    )
    runtime.jobs = _build_queue(runtime)
    runtime.mcp = McpConnections(settings.mcp_idle_timeout_s)
    runtime.agent_pool = RunPool(settings.agent_max_concurrent_runs, settings.agent_max_concurrent_runs_per_agent)
    runtime.tool_cache = LRUCache(maxsize=max(1, settings.agent_tool_cache_size))
    runtime.readiness.register("database", database_check(engine))
    runtime.readiness.register("queue", _component_check(runtime.jobs))
    runtime.readiness.register("providers", _component_check(runtime.llm))
    for module in [*BUILTIN_PLUGINS, *settings.plugins]:
        load_plugin(module, runtime)
    return runtime


def load_plugin(module_name: str, runtime: Runtime) -> None:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"plugin {module_name!r} cannot be imported: {exc}") from exc
    register = getattr(module, "register", None)
    if not callable(register):
        raise ConfigurationError(f"plugin {module_name!r} has no register(runtime) function")
    register(runtime)


def _build_queue(runtime: Runtime) -> JobQueue:
    settings = runtime.settings
    if settings.queue_backend == "redis":
        if not settings.redis_url:
            raise ConfigurationError("HEARTH_QUEUE=redis needs HEARTH_REDIS_URL")
        from hearth.jobs.backends.redis import RedisQueue

        return RedisQueue(runtime.job_store, runtime.runner, settings.redis_url, settings.job_workers,
                          settings.job_lease_s, settings.job_poll_interval_s)
    from hearth.jobs.backends.embedded import EmbeddedQueue

    return EmbeddedQueue(runtime.job_store, runtime.runner, settings.job_workers, settings.job_poll_interval_s,
                         settings.job_lease_s)


def _component_check(component: JobQueue | LLMRegistry):  # type: ignore[no-untyped-def]
    async def check() -> CheckResult:
        ok, detail = await component.check()
        return CheckResult(ok, detail)

    return check
