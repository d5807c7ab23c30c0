"""The single mapping from errors to RFC 9457 problem+json responses."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from hearth.core import errors

PROBLEM_CONTENT_TYPE = "application/problem+json"

STATUS_BY_ERROR: dict[type[errors.HearthError], int] = {
    errors.InvalidInput: 422,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
    errors.ConfigurationError: 500,
}


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    title = title or HTTPStatus(status).phrase
    body = {"type": f"urn:hearth:problem:{_slug(title)}", "title": title, "status": status, "detail": detail or title}
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


def _status_for(exc: errors.HearthError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]  # type: ignore[index]
    return 500


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.HearthError)
    status = _status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if status >= 500 and not isinstance(exc, errors.Unavailable):
        # Configuration problems are for the operator's log, not the caller; an unavailable
        # dependency's message is ours and says which one.
        return problem_response(status, headers=headers)
    extra = {k: v for k, v in exc.extra.items() if isinstance(v, (str, int, float, bool, list))}
    return problem_response(status, exc.detail, title=exc.title, headers=headers, **extra)


def _clean_loc(loc: tuple[Any, ...]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = [
        {"loc": _clean_loc(tuple(e.get("loc", ()))), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    if any(item["type"] == "json_invalid" for item in items):
        return problem_response(400, "The request body is not valid JSON.", title="Malformed JSON", errors=items)
    count = len(items)
    detail = f"{count} field{'s' if count != 1 else ''} failed validation."
    return problem_response(422, detail, title="Validation failed", errors=items)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(exc.status_code, detail, headers=dict(exc.headers or {}))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.HearthError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
