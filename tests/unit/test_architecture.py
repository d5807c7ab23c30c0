"""DESIGN.md rules that can be checked mechanically."""

from __future__ import annotations

import ast
from pathlib import Path

import hearth

SRC = Path(hearth.__file__).parent
MAX_MODULE_LINES = 500


def _modules() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if "migrations/versions" not in p.as_posix()]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_over_500_lines() -> None:
    too_long = {p.relative_to(SRC).as_posix(): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not too_long


def test_routes_hold_no_sql() -> None:
    for path in (SRC / "api" / "routes").glob("*.py"):
        imported = _imports(path)
        offending = {m for m in imported if m.startswith(("sqlalchemy", "hearth.repositories", "hearth.db"))}
        assert not offending, f"{path.name} imports {offending}: routes call services, services call repositories"


def test_services_raise_no_http_errors() -> None:
    for path in (SRC / "services").glob("*.py"):
        imported = _imports(path)
        assert not {m for m in imported if m.startswith(("fastapi", "starlette"))}, path.name


def test_environment_is_read_only_by_settings() -> None:
    for path in _modules():
        if path.name == "settings.py":
            continue
        text = path.read_text()
        assert "os.environ" not in text and "getenv" not in text, path.relative_to(SRC)
