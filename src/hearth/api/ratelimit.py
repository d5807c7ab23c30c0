"""Rate limits on the `limits` library: in memory on the embedded default, Redis when configured
(so every API replica shares one budget)."""

from __future__ import annotations

import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from hearth.core.errors import RateLimited
from hearth.core.logging import get_logger

log = get_logger("hearth.ratelimit")


class RateLimiter:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self._parsed: dict[str, RateLimitItem] = {}

    @classmethod
    def from_redis_url(cls, redis_url: str | None) -> RateLimiter:
        if redis_url:
            return cls(RedisStorage(redis_url, implementation="redispy", key_prefix="hearth:rl", wrap_exceptions=True))
        return cls(MemoryStorage())

    async def hit(self, limit: str, *identifiers: str) -> None:
        """Count one request against `limit` (e.g. "30/minute"); raise RateLimited when over it."""
        item = self._parsed.get(limit) or self._parsed.setdefault(limit, parse(limit))
        try:
            allowed = await self.strategy.hit(item, *identifiers)
            if allowed:
                return
            stats = await self.strategy.get_window_stats(item, *identifiers)
        except (StorageError, ConnectionError, OSError, TimeoutError) as exc:
            # A limiter outage must not take the API down with it.
            log.warning("rate limiter storage unavailable; allowing request", error=type(exc).__name__)
            return
        retry_after = max(1, int(stats.reset_time - time.time()) + 1)
        raise RateLimited("rate limit exceeded; slow down", retry_after=retry_after)

    async def check_storage(self) -> bool:
        return bool(await self.storage.check())
