"""Everything one app instance owns, built once by the factory and reached through api/deps.py."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hearth.api.ratelimit import RateLimiter
from hearth.core.settings import Settings
from hearth.services.readiness import Readiness


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    limiter: RateLimiter
    metrics_registry: CollectorRegistry
    readiness: Readiness
