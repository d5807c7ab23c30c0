"""Fitting a conversation into the model's context window.

`truncate_oldest` drops the oldest turns that do not fit; `summarize` folds them into a rolling
summary written by the LLM, persisted on the session and reused by later turns. Either way the
system prompt and the newest user message are always sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hearth.core.errors import InvalidInput
from hearth.llm.messages import Message

Counter = Callable[[list[Message]], Awaitable[int]]
Summarizer = Callable[[str | None, list[Message]], Awaitable[str]]


@dataclass
class Turn:
    seq: int
    message: Message
    tokens: int


@dataclass
class Window:
    messages: list[Message]
    used_tokens: int
    max_tokens: int
    dropped: int
    summary: str | None = None
    summary_through_seq: int | None = None  # set when a new summary was written


def _system(system_prompt: str | None, summary: str | None) -> Message | None:
    parts = [system_prompt] if system_prompt else []
    if summary:
        parts.append(f"Summary of the earlier conversation:\n{summary}")
    return Message(role="system", content="\n\n".join(parts)) if parts else None


def _fit(history: list[Turn], budget: int) -> int:
    """Index of the oldest history turn that still fits, newest kept first."""
    start = len(history)
    for i in range(len(history) - 1, -1, -1):
        if history[i].tokens > budget:
            break
        budget -= history[i].tokens
        start = i
    return start


async def build_window(*, system_prompt: str | None, summary: str | None, history: list[Turn], newest: Message,
                       context_length: int, reply_tokens: int, strategy: str, count: Counter,
                       summarize: Summarizer) -> Window:
    budget = context_length - reply_tokens
    system = _system(system_prompt, summary)
    fixed = await count([m for m in (system, newest) if m is not None])
    if fixed > budget:
        raise InvalidInput(f"the system prompt and this message need {fixed} tokens but the model's context "
                           f"leaves {budget} (context {context_length}, {reply_tokens} kept for the reply)")
    start = _fit(history, budget - fixed)
    new_summary: str | None = None
    through: int | None = None
    if start > 0 and strategy == "summarize":
        # Keep the newest turns that fit in half the room; the rest go into the summary so the
        # next few turns do not each need a new one.
        keep_from = max(start, _fit(history, (budget - fixed) // 2))
        new_summary = await summarize(summary, [t.message for t in history[:keep_from]])
        through = history[keep_from - 1].seq
        system = _system(system_prompt, new_summary)
        fixed = await count([m for m in (system, newest) if m is not None])
        if fixed > budget:  # an over-long summary: fall back to the prompt alone
            new_summary, through, system = summary, None, _system(system_prompt, summary)
            fixed = await count([m for m in (system, newest) if m is not None])
        history = history[keep_from:]
        start = _fit(history, budget - fixed)
    kept = history[start:]
    messages = ([system] if system else []) + [t.message for t in kept] + [newest]
    return Window(messages=messages, used_tokens=fixed + sum(t.tokens for t in kept), max_tokens=context_length,
                  dropped=start, summary=new_summary if through is not None else summary,
                  summary_through_seq=through)
