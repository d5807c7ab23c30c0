"""What one app instance owns: the process runtime plus API-only parts (rate limiter)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hearth.api.ratelimit import RateLimiter
from hearth.core.settings import Settings
from hearth.jobs.queue import JobQueue
from hearth.llm.registry import LLMRegistry
from hearth.runtime import Runtime
from hearth.services.readiness import Readiness


@dataclass
class AppState:
    runtime: Runtime
    limiter: RateLimiter

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def engine(self) -> AsyncEngine:
        return self.runtime.engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.runtime.sessions

    @property
    def readiness(self) -> Readiness:
        return self.runtime.readiness

    @property
    def metrics_registry(self) -> CollectorRegistry:
        return self.runtime.metrics_registry

    @property
    def jobs(self) -> JobQueue:
        return self.runtime.jobs

    @property
    def llm(self) -> LLMRegistry:
        return self.runtime.llm
