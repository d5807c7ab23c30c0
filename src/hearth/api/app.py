"""The app factory: settings in, a fully wired FastAPI app out. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from hearth import __version__
from hearth.api.errors import install_error_handlers
from hearth.api.metrics import DbPoolCollector, HttpMetrics
from hearth.api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from hearth.api.ratelimit import RateLimiter
from hearth.api.routes import api_keys, auth, health, users
from hearth.api.state import AppState
from hearth.core.logging import get_logger
from hearth.core.settings import Settings, load_settings
from hearth.db import migrate
from hearth.db.engine import create_engine, create_session_factory
from hearth.services.readiness import Readiness, database_check

API_PREFIX = "/api/v1"
log = get_logger("hearth.app")


def build_state(settings: Settings) -> AppState:
    engine = create_engine(settings)
    registry = CollectorRegistry()
    registry.register(DbPoolCollector(engine))
    readiness = Readiness()
    readiness.register("database", database_check(engine))
    return AppState(
        settings=settings,
        engine=engine,
        sessions=create_session_factory(engine),
        limiter=RateLimiter.from_redis_url(settings.redis_url),
        metrics_registry=registry,
        readiness=readiness,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    state = build_state(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.should_auto_migrate:
            await migrate.upgrade(state.engine)
        log.info("started", database=state.engine.url.render_as_string(hide_password=True), env=settings.env)
        try:
            yield
        finally:
            await state.engine.dispose()

    app = FastAPI(
        title="Hearth",
        version=__version__,
        summary="Local-first agentic AI backend",
        lifespan=lifespan,
    )
    app.state.hearth = state
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        json_limit=settings.max_json_body_bytes,
        upload_limit=settings.max_upload_request_bytes,
    )
    app.add_middleware(RequestContextMiddleware, metrics=HttpMetrics(state.metrics_registry))

    app.include_router(health.router)
    for module in (auth, users, api_keys):
        app.include_router(module.router, prefix=API_PREFIX)
    return app
