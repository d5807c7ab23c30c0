"""Server-sent event responses for endpoints that must validate before streaming (so errors are still
proper problem+json): the route does its checks, then returns one of these."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.sse import format_sse_event
from starlette.responses import StreamingResponse

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def encode(data: Any, event: str | None = None) -> bytes:
    return format_sse_event(data_str=json.dumps(data, separators=(",", ":"), default=str), event=event)


def sse_response(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(body, media_type="text/event-stream", headers=SSE_HEADERS)
