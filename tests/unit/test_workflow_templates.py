"""The template sandbox: types survive single expressions, internals and resource bombs are refused."""

from __future__ import annotations

import pytest

from hearth.workflows.templates import TemplateProblem, parse, reference_paths, render

VARIABLES = {"inputs": {"n": 3, "names": ["a", "b"]}, "steps": {"fetch": {"output": {"text": "hello"}}}}


def test_a_single_expression_keeps_its_type_and_text_renders_to_a_string() -> None:
    assert render("{{ inputs.names }}", VARIABLES) == ["a", "b"]
    assert render("{{ inputs.n * 2 }}", VARIABLES) == 6
    assert render("n={{ inputs.n }}", VARIABLES) == "n=3"
    assert render({"list": ["{{ steps.fetch.output.text | upper }}", 7]}, VARIABLES) == {"list": ["HELLO", 7]}
    assert render("plain text", VARIABLES) == "plain text"
    assert render("{{ data.items }} {{ data.keys() | list }}", {"data": {"items": [1]}}) == "[1] ['items']"


@pytest.mark.parametrize("template", [
    "{{ ''.__class__.__mro__ }}",
    "{{ inputs.names.append('c') }}",
    "{{ 'a' * 10**9 }}",
    "{{ 2 ** 100000 }}",
    "{{ inputs.missing }}",
    "{% for x in range(10**9) %}{% endfor %}",
])
def test_unsafe_or_undefined_templates_fail_with_a_readable_problem(template: str) -> None:
    with pytest.raises(TemplateProblem):
        render(template, VARIABLES)
    assert VARIABLES["inputs"]["names"] == ["a", "b"]


def test_reference_paths_follow_constant_keys_only() -> None:
    paths = reference_paths(parse("{{ steps.fetch.output.text }} {{ steps['x'].output[0].y }} {{ inputs[k].z }}"))
    assert ("steps", "fetch", "output", "text") in paths
    assert ("steps", "x", "output") in paths and ("steps", "x", "output", "y") not in paths
    assert ("inputs", "z") not in paths
