"""Checks a definition as a whole and reports every problem at once, each with its step id: the shape,
unknown kinds, kind parameters, dependencies on unknown steps, cycles, templates that do not parse, and
template references to unknown variables, steps, fields or steps the template's step does not wait for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jinja2 import TemplateSyntaxError
from jsonschema import Draft202012Validator, SchemaError
from pydantic import ValidationError

from hearth.core.scopes import Principal
from hearth.workflows.definition import StepSpec, WorkflowSpec
from hearth.workflows.kinds.base import StepKind, StepKindRegistry
from hearth.workflows.templates import ENV, free_variables, is_template, parse, reference_paths, strings

if TYPE_CHECKING:
    from hearth.runtime import Runtime

STEP_FIELDS = ("output", "state", "error", "attempts")
ROOTS = frozenset({"inputs", "steps"})


@dataclass(frozen=True)
class Problem:
    step: str | None
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "problem": self.problem}


def dependencies(spec: WorkflowSpec, kinds: StepKindRegistry) -> dict[str, set[str]]:
    """Each step's prerequisites: its `depends_on` and the steps that gate it."""
    deps = {s.id: set(s.depends_on) for s in spec.steps}
    for step in spec.steps:
        kind = kinds.get(step.kind)
        if kind is not None and kind.gates is not None:
            params, _ = kind.parse(step.params, lenient=True)
            for gated in kind.gates(params) if params is not None else []:
                if gated in deps and gated != step.id:
                    deps[gated].add(step.id)
    return deps


def validate(raw: Any, kinds: StepKindRegistry) -> tuple[WorkflowSpec | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return None, [Problem(None, "the definition must be an object with `steps`")]
    for key in sorted(set(raw) - {"inputs", "steps"}):
        problems.append(Problem(None, f"unknown field {key!r} (a definition has `inputs` and `steps`)"))
    input_fields = _check_inputs_schema(raw.get("inputs"), problems)
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        return None, [*problems, Problem(None, "`steps` must be a non-empty list")]
    steps, known = _parse_steps(raw_steps, problems)
    typed: dict[str, Any] = {}
    for step in steps:
        kind = kinds.get(step.kind)
        if kind is None:
            problems.append(Problem(step.id, f"unknown kind {step.kind!r} (known: {', '.join(kinds.names())})"))
            continue
        typed[step.id], messages = kind.parse(step.params, lenient=True)
        problems += [Problem(step.id, m) for m in messages]
    spec = WorkflowSpec.model_construct(inputs=raw.get("inputs"), steps=steps)
    deps = dependencies(spec, kinds)
    for step in steps:
        kind = kinds.get(step.kind)
        problems += [Problem(step.id, f"depends on unknown step {d!r}") for d in step.depends_on if d not in known]
        if kind is not None and kind.gates is not None and typed.get(step.id) is not None:
            for gated in kind.gates(typed[step.id]):
                if gated not in known or gated == step.id:
                    problems.append(Problem(step.id, f"gates unknown step {gated!r}"))
    cycle = _find_cycle(deps)
    if cycle:
        problems.append(Problem(cycle[0], f"steps {' → '.join(cycle)} form a cycle"))
    context = _TemplateContext(kinds, {s.id: s for s in steps}, known, deps, input_fields)
    for step in steps:
        kind = kinds.get(step.kind)
        if kind is not None:
            problems += context.check_step(step, kind)
    unique = list(dict.fromkeys(problems))
    return (None if unique else WorkflowSpec.model_validate(raw)), unique


async def verify(spec: WorkflowSpec, kinds: StepKindRegistry, runtime: Runtime, principal: Principal) -> list[Problem]:
    """Checks that need the database or the caller: each kind's own `verify`."""
    problems = []
    for step in spec.steps:
        kind = kinds.get(step.kind)
        nested = step.params.get(kind.nested_step) if kind is not None and kind.nested_step else None
        inner = kinds.get(str(nested.get("kind"))) if isinstance(nested, dict) else None
        for used in (k for k in (kind, inner) if k is not None and k.scope is not None):
            if not principal.has(used.scope):  # type: ignore[arg-type]
                problems.append(Problem(step.id, f"a {used.name} step needs the {used.scope.value} scope, "  # type: ignore[union-attr]
                                                 "which this credential lacks"))
        if kind is None or kind.verify is None:
            continue
        params, _ = kind.parse(step.params, lenient=True)
        if params is not None:
            problems += [Problem(step.id, m) for m in await kind.verify(runtime, principal, params)]
    return problems


def _check_inputs_schema(schema: Any, problems: list[Problem]) -> frozenset[str] | None:
    if schema is None:
        return None
    if not isinstance(schema, dict):
        problems.append(Problem(None, "`inputs` must be a JSON schema object"))
        return None
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        problems.append(Problem(None, f"`inputs` is not a valid JSON schema: {exc.message}"))
        return None
    properties = schema.get("properties")
    return frozenset(properties) if isinstance(properties, dict) else None


def _parse_steps(raw_steps: list[Any], problems: list[Problem]) -> tuple[list[StepSpec], set[str]]:
    steps: list[StepSpec] = []
    known: set[str] = set()
    for i, item in enumerate(raw_steps):
        label = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else f"steps[{i}]"
        if label in known:
            problems.append(Problem(label, "another step has the same id"))
            continue
        known.add(label)  # a broken step still exists, so its dependants are not reported as dangling
        try:
            steps.append(StepSpec.model_validate(item))
        except ValidationError as exc:
            problems += [Problem(label, f"{'.'.join(map(str, e['loc'])) or 'step'}: {e['msg']}") for e in exc.errors()]
    return steps, known


def _find_cycle(deps: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for start in deps:
        if state.get(start):
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(deps.get(start, ())))]
        path = [start]
        state[start] = 1
        while stack:
            node, pending = stack[-1]
            if not pending:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            nxt = pending.pop()
            if nxt not in deps:
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(deps[nxt])))
    return None


@dataclass
class _TemplateContext:
    kinds: StepKindRegistry
    steps: dict[str, StepSpec]
    known: set[str]
    deps: dict[str, set[str]]
    input_fields: frozenset[str] | None

    def ancestors(self, step_id: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.deps.get(step_id, ()))
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo += self.deps.get(current, ())
        return seen

    def check_step(self, step: StepSpec, kind: StepKind) -> list[Problem]:
        ancestors = self.ancestors(step.id)
        params = step.params
        problems = self.check_templates(step.id, params, ancestors, frozenset(), "")
        nested = params.get(kind.nested_step) if kind.nested_step else None
        if kind.nested_step is not None and isinstance(nested, dict):
            problems += self.check_nested(step.id, kind, nested, ancestors)
        return problems

    def check_nested(self, step_id: str, kind: StepKind, nested: dict[str, Any], ancestors: set[str]) -> list[Problem]:
        prefix = f"{kind.nested_step}."
        inner_kind = self.kinds.get(str(nested.get("kind")))
        if inner_kind is None:
            return [Problem(step_id, f"{prefix}kind: unknown kind {nested.get('kind')!r}")]
        if inner_kind.nested_step or inner_kind.gates or inner_kind.name == "human_input":
            return [Problem(step_id, f"{prefix}kind: a {inner_kind.name} step cannot run per item")]
        try:
            inner = StepSpec.model_validate({"id": "item", **nested})
        except ValidationError as exc:
            return [Problem(step_id, f"{prefix}{'.'.join(map(str, e['loc']))}: {e['msg']}") for e in exc.errors()]
        _, messages = inner_kind.parse(inner.params, lenient=True)
        problems = [Problem(step_id, prefix + m) for m in messages]
        return problems + self.check_templates(step_id, inner.params, ancestors, kind.nested_variables, prefix)

    def check_templates(self, step_id: str, params: dict[str, Any], ancestors: set[str],
                        extra: frozenset[str], prefix: str) -> list[Problem]:
        kind = self.kinds.get(self.steps[step_id].kind)
        skip = kind.nested_step if kind is not None and not prefix else None
        problems = []
        for path, text in strings({k: v for k, v in params.items() if k != skip}):
            if not is_template(text):
                continue
            where = f"{prefix}{path}"
            try:
                tree = parse(text)
            except TemplateSyntaxError as exc:
                problems.append(Problem(step_id, f"{where}: the template does not parse: {exc.message} (line {exc.lineno})"))
                continue
            for name in sorted(free_variables(tree) - ROOTS - extra - set(ENV.globals)):
                problems.append(Problem(step_id, f"{where}: unknown variable {name!r} (use inputs.<field> or "
                                                 f"steps.<id>.output)"))
            for ref in sorted(reference_paths(tree)):
                message = self.check_reference(ref, ancestors)
                if message:
                    problems.append(Problem(step_id, f"{where}: {message}"))
        return problems

    def check_reference(self, ref: tuple[str, ...], ancestors: set[str]) -> str | None:
        if ref[0] == "inputs" and self.input_fields is not None and ref[1] not in self.input_fields:
            return f"inputs has no field {ref[1]!r} (the inputs schema declares: {', '.join(sorted(self.input_fields))})"
        if ref[0] != "steps":
            return None
        target = ref[1]
        if target not in self.known:
            return f"references unknown step {target!r}"
        if target not in ancestors:
            return f"uses steps.{target} but does not depend on it (add it to depends_on)"
        if len(ref) > 2 and ref[2] not in STEP_FIELDS:
            return f"steps.{target} has no field {ref[2]!r} (fields: {', '.join(STEP_FIELDS)})"
        target_kind = self.kinds.get(self.steps[target].kind) if target in self.steps else None
        fields = target_kind.output_fields if target_kind is not None else None
        if len(ref) > 3 and ref[2] == "output" and fields is not None and ref[3] not in fields:
            return (f"steps.{target}.output has no field {ref[3]!r} (a {target_kind.name} step gives: "  # type: ignore[union-attr]
                    f"{', '.join(sorted(fields))})")
        return None
