from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from starlette.responses import Response

from hearth.api import sse
from hearth.api.deps import AdminPrincipal, ChatPrincipal, ChatServiceDep, PageParams
from hearth.schemas.chat import (
    ChatCleanup,
    ChatCleanupResult,
    ChatMessageCreate,
    ChatMessagePublic,
    ChatSessionCreate,
    ChatSessionPublic,
    ChatSessionStatusUpdate,
    SessionStatus,
)
from hearth.schemas.common import PageOut

router = APIRouter(prefix="/chat", tags=["chat"])

_STREAM_DOC = {200: {"content": {"text/event-stream": {}}, "description": "With `stream: true`: `delta` events "
                     "(`{type, content}`), then `message` (the saved reply) or `error`, then `event: done`."}}


@router.post("/sessions", response_model=ChatSessionPublic, status_code=status.HTTP_201_CREATED,
             summary="Start a chat session")
async def create_session(body: ChatSessionCreate, principal: ChatPrincipal, chat: ChatServiceDep) -> ChatSessionPublic:
    row = await chat.create(principal, model=body.model, system_prompt=body.system_prompt, title=body.title,
                            context_strategy=body.context_strategy)
    return ChatSessionPublic.of(row)


@router.get("/sessions", response_model=PageOut[ChatSessionPublic], summary="Your chat sessions, newest first")
async def list_sessions(principal: ChatPrincipal, page: PageParams, chat: ChatServiceDep,
                        status_: Annotated[SessionStatus | None, Query(alias="status")] = None
                        ) -> PageOut[ChatSessionPublic]:
    found = await chat.list(principal, *page, status_)
    return PageOut[ChatSessionPublic](items=[ChatSessionPublic.of(r) for r in found.items],
                                      next_cursor=found.next_cursor)


@router.get("/sessions/{session_id}", response_model=ChatSessionPublic,
            summary="A session with its context usage (used/max tokens)")
async def read_session(session_id: str, principal: ChatPrincipal, chat: ChatServiceDep) -> ChatSessionPublic:
    return ChatSessionPublic.of(await chat.get(principal, session_id))


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Delete a session and its messages")
async def delete_session(session_id: str, principal: ChatPrincipal, chat: ChatServiceDep) -> Response:
    await chat.delete(principal, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/sessions/{session_id}/status", response_model=ChatSessionPublic,
            summary="Archive a session, or make it active again")
async def set_status(session_id: str, body: ChatSessionStatusUpdate, principal: ChatPrincipal,
                     chat: ChatServiceDep) -> ChatSessionPublic:
    return ChatSessionPublic.of(await chat.set_status(principal, session_id, body.status))


@router.post("/sessions/{session_id}/messages", response_model=ChatMessagePublic, responses=_STREAM_DOC,
             summary="Send a message; the answer comes whole or, with stream, as server-sent events")
async def send_message(session_id: str, body: ChatMessageCreate, principal: ChatPrincipal,
                       chat: ChatServiceDep) -> Any:
    turn = await chat.prepare(principal, session_id, body.content)
    if not body.stream:
        return ChatMessagePublic.model_validate(await chat.reply(turn))

    stream = await sse.started(chat.stream_reply(turn))

    async def events() -> AsyncIterator[bytes]:
        async for event in stream:
            yield sse.encode(event, event=event["type"])
        yield sse.encode({"session_id": session_id}, event="done")

    return sse.sse_response(events())


@router.get("/sessions/{session_id}/messages", response_model=PageOut[ChatMessagePublic],
            summary="Messages of a session, newest first")
async def list_messages(session_id: str, principal: ChatPrincipal, page: PageParams,
                        chat: ChatServiceDep) -> PageOut[ChatMessagePublic]:
    return PageOut.of(await chat.messages(principal, session_id, *page), ChatMessagePublic)


@router.post("/cleanup", response_model=ChatCleanupResult, summary="Delete stale sessions (admin)")
async def cleanup(body: ChatCleanup, _admin: AdminPrincipal, chat: ChatServiceDep) -> ChatCleanupResult:
    return ChatCleanupResult(deleted_sessions=await chat.cleanup(body.older_than_days, body.statuses))
