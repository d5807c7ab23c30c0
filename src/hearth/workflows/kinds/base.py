"""The step-kind model: a typed parameters model, an async `run`, and what the validator may know about
it ahead of time (its output's fields, a nested per-item step, the steps it gates, ownership checks)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from hearth.core.scopes import Principal, Scope

if TYPE_CHECKING:
    from hearth.runtime import Runtime


class StepError(Exception):
    """A step's readable failure. `retry=False` skips its remaining attempts (bad parameters, say)."""

    def __init__(self, detail: str, *, retry: bool = True) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry = retry


class WaitForInput(Exception):
    """Raised by a step that cannot finish until someone resumes the run with data."""


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


@dataclass
class StepContext:
    runtime: Runtime
    principal: Principal
    run_id: str
    step_id: str
    attempt: int
    # Runs a nested step definition (a map's per-item step) with extra template variables.
    run_nested: Callable[[dict[str, Any], dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class StepResult:
    """What a step may return instead of a bare output: steps that must not run (a condition's other branch)."""

    output: Any
    skip: list[str] = field(default_factory=list)


Run = Callable[[StepContext, Any], Awaitable[Any]]
Verify = Callable[["Runtime", Principal, Any], Awaitable[list[str]]]


@dataclass(frozen=True)
class StepKind:
    name: str
    description: str
    params: type[Params]
    run: Run
    # The fields of the output object, when known, so `steps.x.output.<field>` can be checked on save.
    output_fields: frozenset[str] | None = None
    # A parameter holding a step definition run once per item, with these extra template variables.
    nested_step: str | None = None
    nested_variables: frozenset[str] = frozenset()
    # Parameters left unrendered for `run` to render itself (a map's nested step, rendered per item).
    raw_fields: frozenset[str] = frozenset()
    # Step ids this step gates: they run after it and only if it chooses them.
    gates: Callable[[Any], list[str]] | None = None
    # Checks needing the database or the caller (an agent the caller owns); messages, not exceptions.
    verify: Verify | None = None
    # The scope the run's credential needs, as if it called the matching route itself.
    scope: Scope | None = None

    def parse(self, params: dict[str, Any], *, lenient: bool = False) -> tuple[Any, list[str]]:
        """The typed parameters and any problems. `lenient` (on save) overlooks type problems of fields
        that hold templates, since their values are only known at run time."""
        try:
            return self.params.model_validate(params), []
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                loc = error["loc"]
                if lenient and loc and _holds_template(params.get(str(loc[0]))):
                    continue
                where = ".".join(map(str, loc)) or "fields"
                problems.append(f"{where}: {error['msg']}")
            return None, problems


def _holds_template(value: Any) -> bool:
    from hearth.workflows.templates import strings

    return any("{{" in text or "{%" in text for _, text in strings(value))


class StepKindRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, StepKind] = {}

    def register(self, kind: StepKind) -> None:
        if kind.name in self._kinds:
            raise ValueError(f"a step kind named {kind.name!r} is already registered")
        self._kinds[kind.name] = kind

    def get(self, name: str) -> StepKind | None:
        return self._kinds.get(name)

    def names(self) -> list[str]:
        return sorted(self._kinds)
