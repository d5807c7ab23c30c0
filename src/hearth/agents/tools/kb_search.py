"""`kb_search`: hybrid search over the caller's knowledge-base collections, with the caller's own
access (a key restricted to some collections searches only those)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from hearth.agents.tools.base import Tool, ToolContext
from hearth.core.scopes import Scope
from hearth.services.kb import KnowledgeService

MAX_TEXT = 1200


class KbSearchArguments(BaseModel):
    query: Annotated[str, Field(min_length=1, max_length=1000)]
    collection_ids: Annotated[list[str] | None, Field(
        max_length=20, description="Collections to search; all you can read when omitted.")] = None
    top_k: Annotated[int, Field(ge=1, le=10)] = 4


async def run(ctx: ToolContext, args: Any) -> dict[str, Any]:
    runtime = ctx.runtime
    kb = KnowledgeService(runtime.sessions, runtime.kb, runtime.jobs, runtime.settings)
    collections = args.collection_ids
    if not collections:
        page = await kb.list_collections(ctx.principal, 50, None)
        collections = [c.id for c in page.items]
    if not collections:
        return {"results": [], "note": "you have no knowledge-base collections"}
    results = await kb.search(ctx.principal, args.query, collections, args.top_k, "hybrid", None)
    return {"results": [{"document": r.document.filename, "document_id": r.document.id, "chunk_id": r.chunk.id,
                         "heading_path": r.chunk.heading_path or [], "page": r.chunk.page,
                         "score": round(r.score, 4), "text": r.chunk.text[:MAX_TEXT]} for r in results]}


TOOL = Tool(name="kb_search", description="Search the user's documents (their knowledge base: notes, files, handbooks) for passages "
                        "about a query. Use it for any question about their documents or facts that may be in them.",
            arguments=KbSearchArguments, handler=run, scope=Scope.KB_READ, timeout_s=30)
