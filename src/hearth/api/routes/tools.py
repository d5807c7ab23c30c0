from __future__ import annotations

from fastapi import APIRouter

from hearth.api.deps import AgentsPrincipal, State
from hearth.schemas.agents import ToolList, ToolPublic

router = APIRouter(tags=["agents"])


@router.get("/tools", response_model=ToolList, summary="The tools agents can use, with their argument schemas")
async def list_tools(_principal: AgentsPrincipal, state: State) -> ToolList:
    return ToolList(tools=[ToolPublic(name=t.name, description=t.description, parameters=t.schema(),
                                      scope=t.scope.value if t.scope else None, timeout_s=t.timeout_s, pure=t.pure)
                           for t in state.runtime.tools.all()])
