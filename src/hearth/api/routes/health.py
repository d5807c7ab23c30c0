"""Liveness, readiness and Prometheus metrics (no /api/v1 prefix, no auth: they hold no user data)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from hearth import __version__
from hearth.api.deps import State
from hearth.api.errors import problem_response
from hearth.api.metrics import CONTENT_TYPE, render

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/ready", summary="Readiness: database and every other dependency answer")
async def ready(state: State) -> JSONResponse:
    results = await state.readiness.run()
    checks = {name: {"ok": r.ok, "detail": r.detail} for name, r in results.items()}
    failing = sorted(name for name, r in results.items() if not r.ok)
    if failing:
        return problem_response(503, f"not ready: {', '.join(failing)}", title="Not ready", checks=checks)
    return JSONResponse({"status": "ready", "checks": checks})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(state: State) -> Response:
    await state.runtime.job_metrics.refresh(state.runtime.job_store)
    return Response(render(state.metrics_registry), media_type=CONTENT_TYPE)
