"""`current_time`: the current date and time in a named time zone."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field

from hearth.agents.tools.base import Tool, ToolContext, ToolError
from hearth.core.clock import utcnow


class CurrentTimeArguments(BaseModel):
    timezone: Annotated[str, Field(max_length=64, description="IANA zone such as Europe/Paris")] = "UTC"


async def run(_ctx: ToolContext, args: Any) -> dict[str, Any]:
    try:
        zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(f"unknown time zone {args.timezone!r}") from None
    now = utcnow().astimezone(zone)
    return {"timezone": args.timezone, "iso": now.isoformat(timespec="seconds"), "weekday": now.strftime("%A")}


TOOL = Tool(name="current_time", description="The current date and time in a time zone (default UTC).",
            arguments=CurrentTimeArguments, handler=run, timeout_s=5)
