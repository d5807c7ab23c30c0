"""Built-in plugin: registers the built-in step kinds the way a third-party plugin would."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hearth.workflows.kinds import control, data, models

if TYPE_CHECKING:
    from hearth.runtime import Runtime


def register(runtime: Runtime) -> None:
    for kind in (*models.KINDS, *data.KINDS, *control.KINDS):
        runtime.step_kinds.register(kind)
