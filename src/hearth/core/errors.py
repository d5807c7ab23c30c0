"""The one exception tree. Services raise these; `hearth.api.errors` maps them to problem+json.

    HearthError
    ├── ConfigurationError      settings that cannot work (refuses to start)
    ├── InvalidInput            the request is well-formed but not acceptable          → 422
    ├── Unauthenticated         no, bad, expired or revoked credentials                → 401
    ├── Forbidden               authenticated but lacking a scope or role              → 403
    ├── NotFound                no such object *for this caller*                       → 404
    ├── Conflict                clashes with current state (duplicate, last admin)     → 409
    ├── PayloadTooLarge         body over the configured limit                         → 413
    ├── RateLimited             too many requests; carries retry_after seconds         → 429
    └── Unavailable             a dependency (database, queue, provider) is down       → 503

Third-party exceptions are translated into these at the boundary where they are caught; a
message is always safe to show to the caller, so never build one from `str(exc)` of a foreign error.
"""

from __future__ import annotations

from typing import Any


class HearthError(Exception):
    title = "Error"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.title
        self.extra = extra
        super().__init__(self.detail)


class ConfigurationError(HearthError):
    title = "Invalid configuration"


class InvalidInput(HearthError):
    title = "Invalid input"


class Unauthenticated(HearthError):
    title = "Not authenticated"


class Forbidden(HearthError):
    title = "Forbidden"


class NotFound(HearthError):
    title = "Not found"


class Conflict(HearthError):
    title = "Conflict"


class PayloadTooLarge(HearthError):
    title = "Payload too large"


class RateLimited(HearthError):
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1, **extra: Any) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(detail, **extra)


class Unavailable(HearthError):
    title = "Service unavailable"
