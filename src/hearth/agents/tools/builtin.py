"""Built-in plugin: registers the built-in tools, one module each, the way a third-party plugin would."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hearth.agents.tools import calculator, current_time, http_fetch, kb_search

if TYPE_CHECKING:
    from hearth.runtime import Runtime


def register(runtime: Runtime) -> None:
    for module in (calculator, current_time, http_fetch, kb_search):
        runtime.tools.register(module.TOOL)
