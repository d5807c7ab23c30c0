"""Job states (API.md): queued → running → succeeded | failed | cancelled."""

from __future__ import annotations

from typing import Literal

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]
TERMINAL_STATES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
