"""Built-in plugin: the `chat.title` job names a session after its first exchange. A job, so a slow
model never delays the reply and a failure is retried; if the model cannot help, the first words of
the conversation become the title."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hearth.core.errors import HearthError
from hearth.jobs.context import JobContext
from hearth.jobs.registry import JobSpec
from hearth.llm.messages import ChatRequest, Message
from hearth.repositories.chat import ChatRepository

if TYPE_CHECKING:
    from hearth.runtime import Runtime

KIND = "chat.title"
MAX_TITLE = 80
PROMPT = "Write a title of at most six words for this conversation. Reply with the title only, no quotes."


def clean_title(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = line.strip("\"'`*# ").removeprefix("Title:").strip()
    return line[:MAX_TITLE]


def fallback_title(first_message: str) -> str:
    words = first_message.split()
    return clean_title(" ".join(words[:8]) + ("…" if len(words) > 8 else "")) or "New chat"


def register(runtime: Runtime) -> None:
    async def name_session(ctx: JobContext) -> dict[str, Any]:
        session_id = ctx.payload["session_id"]
        async with runtime.sessions() as session:
            repo = ChatRepository(session)
            chat = await repo.get_owned(session_id, ctx.owner_id or "")
            if chat is None or chat.title:
                return {"skipped": True}
            turns = await repo.messages(chat.id)
            model = chat.model
        transcript = "\n".join(f"{m.role}: {m.content[:1000]}" for m in turns[:2])
        title = ""
        try:
            provider, name, _ = await runtime.llm.resolve(model)
            result = await provider.chat(ChatRequest(model=name, max_tokens=24, temperature=0.0, messages=[
                Message(role="system", content=PROMPT), Message(role="user", content=transcript)]))
            title = clean_title(result.content)
        except HearthError:
            title = ""
        title = title or fallback_title(turns[0].content if turns else "")
        async with runtime.sessions() as session:
            await ChatRepository(session).set_title_if_missing(session_id, title)
            await session.commit()
        return {"title": title}

    runtime.job_registry.register(JobSpec(kind=KIND, handler=name_session, max_attempts=2, timeout_s=120))
