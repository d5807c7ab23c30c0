"""Readiness checks by name; later features (queue, index, providers) register theirs here."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hearth.db.migrate import current_revision, head_revision

CHECK_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str


Check = Callable[[], Awaitable[CheckResult]]


class Readiness:
    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def register(self, name: str, check: Check) -> None:
        self._checks[name] = check

    async def run(self) -> dict[str, CheckResult]:
        names = list(self._checks)
        results = await asyncio.gather(*(self._guarded(self._checks[n]) for n in names))
        return dict(zip(names, results, strict=True))

    @staticmethod
    async def _guarded(check: Check) -> CheckResult:
        try:
            return await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
        except TimeoutError:
            return CheckResult(False, f"no answer within {CHECK_TIMEOUT_S:g}s")
        except Exception as exc:  # noqa: BLE001 - a failing dependency is reported, not raised
            return CheckResult(False, f"unreachable ({type(exc).__name__})")


def database_check(engine: AsyncEngine) -> Check:
    async def check() -> CheckResult:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        current, head = await current_revision(engine), head_revision()
        if current != head:
            return CheckResult(False, f"schema at {current or 'empty'}, expected {head}; run `hearth migrate`")
        return CheckResult(True, "ok")

    return check
