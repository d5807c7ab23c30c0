"""Server-sent event responses for endpoints that must validate before streaming (so errors are still
proper problem+json): the route does its checks, then returns one of these."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from fastapi.sse import format_sse_event
from starlette.responses import StreamingResponse

T = TypeVar("T")
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def encode(data: Any, event: str | None = None) -> bytes:
    return format_sse_event(data_str=json.dumps(data, separators=(",", ":"), default=str), event=event)


async def started(events: AsyncIterator[T]) -> AsyncIterator[T]:
    """Wait for the first item before the response starts, so a failure that happens before anything
    was produced still becomes a problem+json status instead of an event inside a 200."""
    iterator = aiter(events)
    try:
        first = await anext(iterator)
    except StopAsyncIteration:
        return _empty()

    async def chained() -> AsyncIterator[T]:
        yield first
        async for item in iterator:
            yield item

    return chained()


async def _empty() -> AsyncIterator[Any]:
    return
    yield


def sse_response(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(body, media_type="text/event-stream", headers=SSE_HEADERS)
