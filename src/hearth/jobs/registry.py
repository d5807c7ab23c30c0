"""Job kinds by name. Built-ins and plugins register through the same `register()` call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hearth.jobs.context import JobContext

Handler = Callable[["JobContext"], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class JobSpec:
    kind: str
    handler: Handler
    max_attempts: int = 3
    timeout_s: float = 600.0
    backoff_base_s: float = 2.0
    backoff_max_s: float = 300.0


class JobRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, JobSpec] = {}

    def register(self, spec: JobSpec) -> JobSpec:
        if spec.kind in self._specs:
            raise ValueError(f"job kind {spec.kind!r} is already registered")
        self._specs[spec.kind] = spec
        return spec

    def get(self, kind: str) -> JobSpec | None:
        return self._specs.get(kind)

    def kinds(self) -> list[str]:
        return sorted(self._specs)
