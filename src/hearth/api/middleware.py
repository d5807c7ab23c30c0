"""Pure ASGI middleware (no BaseHTTPMiddleware, so streaming responses pass through untouched)."""

from __future__ import annotations

import re
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth.api.errors import problem_response
from hearth.api.metrics import HttpMetrics
from hearth.core.ids import new_id
from hearth.core.logging import get_logger

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
log = get_logger("hearth.http")


class RequestContextMiddleware:
    """Request id (taken or made, echoed, bound to every log line), access log, HTTP metrics,
    and the last-resort 500 that never shows internals."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER.encode())
        request_id = incoming if incoming and _VALID_REQUEST_ID.match(incoming) else new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        begin = time.perf_counter()
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", method=scope["method"], path=scope["path"])
            if not started:
                response = problem_response(
                    500, "An unexpected error occurred; quote the request id when reporting it.",
                    request_id=request_id,
                )
                await response(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - begin
            self.metrics.in_flight.dec()
            route = _route_template(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(elapsed)
            log.info(
                "request", method=scope["method"], path=scope["path"], route=route,
                status=status, duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.clear_contextvars()


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuses bodies over the limit with 413, by Content-Length up front and by counting what
    actually arrives (a chunked or lying client), without buffering the body."""

    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = _header(scope, b"content-type") or ""
        limit = self.upload_limit if content_type.startswith("multipart/") else self.json_limit
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await problem_response(400, "Content-Length is not a number.")(scope, receive, send)
                return
            if int(declared) > limit:
                await _too_large(limit)(scope, receive, send)
                return

        received = 0
        answered = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started and not answered:
                        answered = True
                        await _too_large(limit)(scope, receive, send)
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the app's own reaction to the aborted body must not follow our 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            pass


def _too_large(limit: int) -> Any:
    return problem_response(413, f"The request body is larger than {limit} bytes.")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _route_template(scope: Scope) -> str:
    """The matched route's template with its router prefixes, e.g. /api/v1/users/{user_id}.

    Routers may be nested, and then the route knows only its own tail; prefixes are static, so
    the leading segments of the real path supply them."""
    template = getattr(scope.get("route"), "path", None)
    if not template:
        return "unmatched"
    actual = [part for part in scope["path"].split("/") if part]
    tail = [part for part in template.split("/") if part]
    prefix = actual[: max(0, len(actual) - len(tail))]
    return "".join(f"/{part}" for part in prefix) + template
