"""Scripted LLM providers for tests, registered through the plugin hook like any third-party
provider: `fake` (roomy), `tiny` (a 160-token window), `slow` (streams one word every 0.1 s), and
`agent` / `agent-notools` (the agent script, with and without native tool calling)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hearth.llm.messages import ChatRequest
from tests.support.agent_script import agent_script, register_tools
from hearth.llm.providers.fake import FakeProvider
from hearth.rag.reranking import RERANK_PROMPT
from hearth.services.chat_titles import PROMPT as TITLE_PROMPT
from hearth.services.kb_answers import SYSTEM_PROMPT as KB_ANSWER_PROMPT

if TYPE_CHECKING:
    from hearth.runtime import Runtime


def scripted(request: ChatRequest) -> str:
    system = request.messages[0].content if request.messages and request.messages[0].role == "system" else ""
    last_user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    if system == TITLE_PROMPT:
        return "Scripted Title"
    if system.startswith("Summarize the conversation"):
        return f"summary of {last_user.count(chr(10)) + 1} lines"
    if system == RERANK_PROMPT:  # passages that mention "favourite" are the relevant ones
        return '{"grade": 9}' if "favourite" in last_user.split("Passage:")[1] else '{"grade": 2}'
    if system == KB_ANSWER_PROMPT:  # quote the second line of source [1], the first line of its text
        return f"{last_user.split(chr(10))[3]} [1]"
    if last_user.startswith("long:"):
        return " ".join(f"word{i}" for i in range(60))
    return f"echo: {last_user}"


def register(runtime: Runtime) -> None:
    runtime.llm.add(FakeProvider(scripted, name="fake"))
    runtime.llm.add(FakeProvider(scripted, name="tiny", context_length=160))
    runtime.llm.add(FakeProvider(scripted, name="slow", stream_delay_s=0.1))
    runtime.llm.add(FakeProvider(agent_script, name="agent", models=("scripted",)))
    runtime.llm.add(FakeProvider(agent_script, name="agent-notools", models=("scripted",), tools=False))
    register_tools(runtime)
