"""Chat sessions and their turns. Database work happens in short sessions of its own so no
connection is held while a model generates."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hearth.core.clock import Clock, utcnow
from hearth.core.errors import Conflict, HearthError, NotFound
from hearth.core.logging import get_logger
from hearth.core.scopes import Principal
from hearth.core.settings import Settings
from hearth.db.tables import ChatMessage, ChatSession
from hearth.jobs.queue import JobQueue
from hearth.llm.messages import ChatRequest, Message, StreamDelta, Usage
from hearth.llm.registry import LLMRegistry
from hearth.llm.resilience import ResilientProvider
from hearth.repositories.chat import ChatRepository
from hearth.repositories.pagination import Page
from hearth.services.chat_context import Turn, Window, build_window
from hearth.services.usage import UsageRecorder

log = get_logger("hearth.chat")
TITLE_JOB = "chat.title"
SUMMARY_PROMPT = ("Summarize the conversation below for your own memory: keep facts, names, numbers, decisions "
                  "and open questions. Be concise.")
# Every message costs at least its chat-template overhead, so no window holds more than this many.
MIN_TOKENS_PER_MESSAGE = 4
_background: set[asyncio.Task[Any]] = set()


@dataclass
class PreparedTurn:
    chat_id: str
    owner_id: str
    provider: ResilientProvider
    model_id: str
    request: ChatRequest
    window: Window
    started: float


class ChatService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], llm: LLMRegistry, jobs: JobQueue,
                 settings: Settings, clock: Clock = utcnow) -> None:
        self.sessions = sessions
        self.llm = llm
        self.jobs = jobs
        self.settings = settings
        self.clock = clock
        self.usage = UsageRecorder(sessions, clock)

    # -- sessions ------------------------------------------------------------------------------
    async def create(self, principal: Principal, *, model: str | None, system_prompt: str | None,
                     title: str | None, context_strategy: str | None) -> ChatSession:
        if model:
            self.llm.split(model)
        async with self.sessions() as session:
            chat = ChatSession(owner_id=principal.user_id, model=model, system_prompt=system_prompt, title=title,
                               context_strategy=context_strategy)
            await ChatRepository(session).add(chat)
            await session.commit()
            return chat

    async def get(self, principal: Principal, chat_id: str) -> ChatSession:
        async with self.sessions() as session:
            return await self._owned(ChatRepository(session), principal, chat_id)

    @staticmethod
    async def _owned(repo: ChatRepository, principal: Principal, chat_id: str) -> ChatSession:
        chat = await repo.get_owned(chat_id, principal.user_id)
        if chat is None:
            raise NotFound("no such chat session")
        return chat

    async def list(self, principal: Principal, limit: int, cursor: str | None, status: str | None) -> Page[ChatSession]:
        async with self.sessions() as session:
            return await ChatRepository(session).list_owned(principal.user_id, limit, cursor, status)

    async def delete(self, principal: Principal, chat_id: str) -> None:
        async with self.sessions() as session:
            repo = ChatRepository(session)
            await repo.delete(await self._owned(repo, principal, chat_id))
            await session.commit()

    async def set_status(self, principal: Principal, chat_id: str, status: str) -> ChatSession:
        async with self.sessions() as session:
            chat = await self._owned(ChatRepository(session), principal, chat_id)
            chat.status = status
            await session.commit()
            return chat

    async def messages(self, principal: Principal, chat_id: str, limit: int, cursor: str | None) -> Page[ChatMessage]:
        async with self.sessions() as session:
            repo = ChatRepository(session)
            chat = await self._owned(repo, principal, chat_id)
            return await repo.messages_page(chat.id, limit, cursor)

    async def cleanup(self, older_than_days: int, statuses: list[str]) -> int:
        async with self.sessions() as session:
            deleted = await ChatRepository(session).delete_stale(self.clock() - timedelta(days=older_than_days), statuses)
            await session.commit()
            return deleted

    # -- turns ---------------------------------------------------------------------------------
    async def prepare(self, principal: Principal, chat_id: str, content: str) -> PreparedTurn:
        """Save the user's message and build the request; the model has not been called yet."""
        async with self.sessions() as session:
            repo = ChatRepository(session)
            chat = await self._owned(repo, principal, chat_id)
            if chat.status == "archived":
                raise Conflict("this chat session is archived; set its status to active to continue it")
            provider, model_name, model_id = await self.llm.resolve(chat.model)
            contexts = await self.llm.context_length(provider, model_name)
            count = lambda msgs: provider.count_tokens(model_name, msgs)
            newest = Message(role="user", content=content)
            history = [Turn(m.seq, Message(role=m.role, content=m.content), m.token_count)  # type: ignore[arg-type]
                       for m in await repo.recent_messages(chat.id, chat.summary_through_seq,
                                                           contexts // MIN_TOKENS_PER_MESSAGE)]
            user_row = ChatMessage(session_id=chat.id, seq=await repo.next_seq(chat.id), role="user", content=content,
                                   token_count=await count([newest]))
            strategy = chat.context_strategy or self.settings.chat_context_strategy
            window = await build_window(
                system_prompt=chat.system_prompt, summary=chat.summary, history=history, newest=newest,
                context_length=contexts, reply_tokens=min(self.settings.chat_reply_tokens, contexts // 4),
                strategy=strategy, count=count,
                summarize=lambda previous, turns: self._summarize(provider, model_name, previous, turns),
            )
            await repo.add(user_row)
            if window.summary_through_seq is not None:
                chat.summary, chat.summary_through_seq = window.summary, window.summary_through_seq
            chat.status = "active"
            chat.context_used_tokens, chat.context_max_tokens = window.used_tokens, window.max_tokens
            chat.dropped_messages = window.dropped
            chat.message_count += 1
            chat.updated_at = self.clock()
            await session.commit()
        reply_room = window.max_tokens - window.used_tokens
        request = ChatRequest(model=model_name, messages=window.messages,
                              max_tokens=max(16, min(self.settings.chat_reply_tokens, reply_room)))
        return PreparedTurn(chat.id, principal.user_id, provider, model_id, request, window, time.perf_counter())

    async def _summarize(self, provider: ResilientProvider, model: str, previous: str | None,
                         turns: list[Message]) -> str:
        transcript = "\n".join(f"{m.role}: {m.content}" for m in turns)
        if previous:
            transcript = f"Earlier summary: {previous}\n{transcript}"
        result = await provider.chat(ChatRequest(model=model, max_tokens=256, temperature=0.0, messages=[
            Message(role="system", content=SUMMARY_PROMPT), Message(role="user", content=transcript[-12000:])]))
        return result.content.strip() or (previous or "")

    async def reply(self, turn: PreparedTurn) -> ChatMessage:
        result = await turn.provider.chat(turn.request)
        return await self._save_reply(turn, result.content, result.usage, partial=False)

    async def stream_reply(self, turn: PreparedTurn) -> AsyncIterator[dict[str, Any]]:
        """Events: {"type": "delta", "content"} ... then {"type": "message", ...} or {"type": "error", ...}.
        If the consumer goes away the generation stops and what was produced is saved as partial."""
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        task = asyncio.create_task(self._produce(turn, queue))
        _background.add(task)
        task.add_done_callback(_background.discard)
        try:
            while (event := await queue.get()) is not None:
                failure = event.pop("exception", None)
                if failure is not None:
                    raise failure  # nothing sent yet: let the caller answer a proper error status
                yield event
        finally:
            if not task.done():
                task.cancel()

    async def _produce(self, turn: PreparedTurn, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        parts: list[str] = []
        usage: Usage | None = None
        try:
            async for delta in turn.provider.stream(turn.request):
                usage = self._take(delta, parts, queue) or usage
            saved = await self._save_reply(turn, "".join(parts), usage, partial=False)
            queue.put_nowait({"type": "message", **message_event(saved)})
        except asyncio.CancelledError:
            await self._save_reply(turn, "".join(parts), usage, partial=True)
            raise
        except HearthError as exc:
            event: dict[str, Any] = {"type": "error", "title": exc.title, "detail": exc.detail}
            if parts:
                await self._save_reply(turn, "".join(parts), usage, partial=True)
            else:
                event["exception"] = exc  # before any token: the caller can still answer an error status
            queue.put_nowait(event)
        finally:
            queue.put_nowait(None)

    @staticmethod
    def _take(delta: StreamDelta, parts: list[str], queue: asyncio.Queue[dict[str, Any] | None]) -> Usage | None:
        if delta.content:
            parts.append(delta.content)
            queue.put_nowait({"type": "delta", "content": delta.content})
        return delta.usage

    async def _save_reply(self, turn: PreparedTurn, content: str, usage: Usage | None, *, partial: bool) -> ChatMessage:
        latency_ms = int((time.perf_counter() - turn.started) * 1000)
        usage = usage or Usage(prompt_tokens=turn.window.used_tokens,
                               completion_tokens=await turn.provider.count_tokens(turn.request.model, [
                                   Message(role="assistant", content=content)]))
        async with self.sessions() as session:
            repo = ChatRepository(session)
            row = ChatMessage(session_id=turn.chat_id, seq=await repo.next_seq(turn.chat_id), role="assistant",
                              content=content, token_count=usage.completion_tokens, prompt_tokens=usage.prompt_tokens,
                              completion_tokens=usage.completion_tokens, model=turn.model_id, latency_ms=latency_ms,
                              partial=partial)
            await repo.add(row)
            chat = await repo.get_owned(turn.chat_id, turn.owner_id)
            first_exchange = False
            if chat is not None:
                chat.message_count += 1
                chat.context_used_tokens = turn.window.used_tokens + usage.completion_tokens
                chat.updated_at = self.clock()
                if partial:
                    chat.status = "resumable"
                first_exchange = chat.title is None and row.seq == 2
            await session.commit()
        await self.usage.record(turn.owner_id, turn.model_id, usage)
        if first_exchange and self.settings.chat_generate_titles and not partial:
            await self.jobs.enqueue(TITLE_JOB, {"session_id": turn.chat_id}, turn.owner_id,
                                    idempotency_key=f"title:{turn.chat_id}")
        return row


def message_event(row: ChatMessage) -> dict[str, Any]:
    return {"id": row.id, "seq": row.seq, "role": row.role, "content": row.content, "model": row.model,
            "partial": row.partial, "prompt_tokens": row.prompt_tokens, "completion_tokens": row.completion_tokens,
            "latency_ms": row.latency_ms}
