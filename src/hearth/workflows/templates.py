"""Step fields are Jinja2 templates rendered in an immutable sandbox (no attribute access to internals,
no mutation, bounded ranges, repetition and powers) with `inputs` and `steps.<id>.output` in scope.
A field that is one `{{ expression }}` keeps the expression's type, so `"{{ inputs.urls }}"` is a list;
anything else renders to a string. Never `eval`."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_RENDERED_CHARS = 1_000_000
MAX_EXPONENT = 128
_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}|\{%).)*)\}\}\s*$", re.DOTALL)


class TemplateProblem(Exception):
    """A template that cannot be rendered; the message is safe to show."""


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        # `"x" * 10**9` would exhaust memory long before any output limit could apply.
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponent larger than {MAX_EXPONENT}")
        if operator == "*":
            sized = left if isinstance(left, (str, list, tuple)) else right if isinstance(right, (str, list, tuple)) else None
            times = right if sized is left else left
            if sized is not None and isinstance(times, int) and len(sized) * times > MAX_RENDERED_CHARS:
                raise SecurityError("repetition result too large")
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Step data is JSON, so a key wins over a dict method: `inputs.items` is the field named items.
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


ENV = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
ENV.filters["fromjson"] = json.loads
ENV.filters["tojson"] = lambda value, indent=None: json.dumps(value, indent=indent, ensure_ascii=False)


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def single_expression(text: str) -> str | None:
    match = _SINGLE_EXPRESSION.match(text)
    return match.group("expr") if match else None


@lru_cache(maxsize=512)
def _compiled(text: str) -> Any:
    expression = single_expression(text)
    if expression is not None:
        return ENV.compile_expression(expression, undefined_to_none=False)
    return ENV.from_string(text)


def render_text(text: str, variables: dict[str, Any]) -> Any:
    if not is_template(text):
        return text
    try:
        compiled = _compiled(text)
        if single_expression(text) is not None:
            value = compiled(**variables)
            if isinstance(value, Undefined):
                value._fail_with_undefined_error()
            return value
        rendered = compiled.render(variables)
    except TemplateError as exc:  # UndefinedError and SecurityError included
        raise TemplateProblem(str(exc.message or type(exc).__name__)) from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise TemplateProblem(f"{type(exc).__name__}: {exc}") from None
    if len(rendered) > MAX_RENDERED_CHARS:
        raise TemplateProblem(f"rendered to more than {MAX_RENDERED_CHARS} characters")
    return rendered


def render(value: Any, variables: dict[str, Any]) -> Any:
    """Render every string inside a JSON value."""
    if isinstance(value, str):
        return render_text(value, variables)
    if isinstance(value, dict):
        return {k: render(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    return value


# -- static checks --------------------------------------------------------------------------------

def parse(text: str) -> nodes.Template:
    """Raises jinja2.TemplateSyntaxError."""
    return ENV.parse(text)


def free_variables(tree: nodes.Template) -> set[str]:
    from jinja2 import meta

    return set(meta.find_undeclared_variables(tree))


def reference_paths(tree: nodes.Template) -> set[tuple[str, ...]]:
    """Constant access paths such as ('steps', 'fetch', 'output', 'text'), longest known prefix only
    where a key is computed."""
    paths: set[tuple[str, ...]] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        path = _path(node)
        if path is not None and len(path) > 1:
            paths.add(path)
    return paths


def _path(node: nodes.Node) -> tuple[str, ...] | None:
    parts: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem):
            key = node.arg.value if isinstance(node.arg, nodes.Const) else None
            if isinstance(key, str):
                parts.append(key)
            else:  # only what stands left of a computed or numeric key can be checked
                parts = []
            node = node.node
        elif isinstance(node, nodes.Name):
            return (node.name, *reversed(parts))
        else:
            return None


def strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(field path, text) for every string inside a JSON value."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in strings(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in strings(v, f"{path}[{i}]")]
    return []
