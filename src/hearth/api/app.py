"""The app factory: settings in, a fully wired FastAPI app out. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hearth import __version__
from hearth.api.errors import install_error_handlers
from hearth.api.metrics import HttpMetrics
from hearth.api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from hearth.api.openai_compat import routes as openai_compat
from hearth.api.ratelimit import RateLimiter
from hearth.api.routes import agents, api_keys, auth, chat, health, jobs, kb, models, tools, users, webhooks, workflows
from hearth.api.state import AppState
from hearth.core.logging import get_logger
from hearth.core.settings import Settings, load_settings
from hearth.db import migrate
from hearth.runtime import build_runtime

API_PREFIX = "/api/v1"
log = get_logger("hearth.app")


def build_state(settings: Settings) -> AppState:
    return AppState(runtime=build_runtime(settings), limiter=RateLimiter.from_redis_url(settings.redis_url))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    state = build_state(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.should_auto_migrate:
            await migrate.upgrade(state.engine)
        if settings.queue_backend == "embedded" and settings.job_workers > 0:
            await state.jobs.start_workers()
        log.info("started", database=state.engine.url.render_as_string(hide_password=True), env=settings.env,
                 queue=settings.queue_backend)
        try:
            yield
        finally:
            await state.runtime.close()

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
    app.include_router(openai_compat.router)
    for module in (auth, users, api_keys, models, chat, kb, tools, agents, workflows, jobs, webhooks):
        app.include_router(module.router, prefix=API_PREFIX)
    return app
