from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile, status
from starlette.responses import Response

from hearth.api import sse
from hearth.api.deps import (
    AnswerServiceDep,
    KbReadPrincipal,
    KbWritePrincipal,
    KnowledgeServiceDep,
    PageParams,
    SettingsDep,
)
from hearth.core.errors import HearthError, InvalidInput, PayloadTooLarge
from hearth.rag.retrieval import FusionSettings
from hearth.schemas.common import PageOut, check_json_value
from hearth.schemas.kb import (
    AskRequest,
    AskResponse,
    ChunkPublic,
    CollectionCreate,
    CollectionPublic,
    CollectionUpdate,
    DocumentPublic,
    SearchHit,
    SearchRequest,
    SearchResponse,
    UploadAccepted,
)
from hearth.services.kb import SecondStage, Upload

router = APIRouter(prefix="/kb", tags=["knowledge base"])
_READ_CHUNK = 1 << 20


@router.post("/collections", response_model=CollectionPublic, status_code=status.HTTP_201_CREATED,
             summary="Create a collection")
async def create_collection(body: CollectionCreate, principal: KbWritePrincipal,
                            kb: KnowledgeServiceDep) -> CollectionPublic:
    return CollectionPublic.model_validate(await kb.create_collection(principal, body.name, body.description))


@router.get("/collections", response_model=PageOut[CollectionPublic], summary="Your collections, newest first")
async def list_collections(principal: KbReadPrincipal, page: PageParams,
                           kb: KnowledgeServiceDep) -> PageOut[CollectionPublic]:
    return PageOut.of(await kb.list_collections(principal, *page), CollectionPublic)


@router.get("/collections/{collection_id}", response_model=CollectionPublic, summary="A collection")
async def read_collection(collection_id: str, principal: KbReadPrincipal, kb: KnowledgeServiceDep) -> CollectionPublic:
    return CollectionPublic.model_validate(await kb.get_collection(principal, collection_id))


@router.patch("/collections/{collection_id}", response_model=CollectionPublic, summary="Rename or describe")
async def update_collection(collection_id: str, body: CollectionUpdate, principal: KbWritePrincipal,
                            kb: KnowledgeServiceDep) -> CollectionPublic:
    changes = body.model_dump(exclude_unset=True)
    return CollectionPublic.model_validate(await kb.update_collection(principal, collection_id, changes))


@router.delete("/collections/{collection_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Delete a collection, its documents and every indexed chunk")
async def delete_collection(collection_id: str, principal: KbWritePrincipal, kb: KnowledgeServiceDep) -> Response:
    await kb.delete_collection(principal, collection_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _read_limited(file: UploadFile, limit: int) -> bytes:
    parts, size = [], 0
    while block := await file.read(_READ_CHUNK):
        size += len(block)
        if size > limit:
            raise PayloadTooLarge(f"{file.filename} is larger than the {limit // 1_048_576} MB per-file limit")
        parts.append(block)
    return b"".join(parts)


@router.post("/collections/{collection_id}/documents", response_model=UploadAccepted,
             status_code=status.HTTP_202_ACCEPTED,
             summary="Upload one or many files (multipart, parts named `files`); ingestion runs as a job")
async def upload_documents(collection_id: str, principal: KbWritePrincipal, kb: KnowledgeServiceDep,
                           settings: SettingsDep, files: Annotated[list[UploadFile], File()],
                           metadata: Annotated[str | None, Form(max_length=100_000)] = None,
                           on_duplicate: Annotated[Literal["skip", "replace"], Form()] = "skip") -> UploadAccepted:
    try:
        meta = json.loads(metadata) if metadata else {}
    except ValueError as exc:
        raise InvalidInput("metadata must be a JSON object", field="metadata") from exc
    if not isinstance(meta, dict):
        raise InvalidInput("metadata must be a JSON object", field="metadata")
    check_json_value(meta)
    uploads = [Upload((f.filename or "unnamed")[:500], await _read_limited(f, settings.kb_max_file_bytes))
               for f in files]
    job, documents = await kb.upload(principal, collection_id, uploads, meta, on_duplicate)
    return UploadAccepted(job_id=job.id if job else None,
                          documents=[DocumentPublic.model_validate(d) for d in documents])


@router.get("/collections/{collection_id}/documents", response_model=PageOut[DocumentPublic],
            summary="Documents of a collection with their status")
async def list_documents(collection_id: str, principal: KbReadPrincipal, page: PageParams, kb: KnowledgeServiceDep,
                         status_: Annotated[str | None, Query(alias="status", max_length=20)] = None
                         ) -> PageOut[DocumentPublic]:
    return PageOut.of(await kb.list_documents(principal, collection_id, *page, status_), DocumentPublic)


@router.get("/documents/{document_id}", response_model=DocumentPublic, summary="A document and its status")
async def read_document(document_id: str, principal: KbReadPrincipal, kb: KnowledgeServiceDep) -> DocumentPublic:
    return DocumentPublic.model_validate(await kb.get_document(principal, document_id))


@router.delete("/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Delete a document and its chunks everywhere")
async def delete_document(document_id: str, principal: KbWritePrincipal, kb: KnowledgeServiceDep) -> Response:
    await kb.delete_document(principal, document_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/documents/{document_id}/chunks", response_model=list[ChunkPublic], summary="A document's chunks in order")
async def list_chunks(document_id: str, principal: KbReadPrincipal, kb: KnowledgeServiceDep,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100,
                      offset: Annotated[int, Query(ge=0)] = 0) -> list[ChunkPublic]:
    return [ChunkPublic.model_validate(c) for c in await kb.chunks(principal, document_id, limit, offset)]


@router.post("/search", response_model=SearchResponse, summary="Dense, keyword or hybrid search, best first")
async def search(body: SearchRequest, principal: KbReadPrincipal, kb: KnowledgeServiceDep) -> SearchResponse:
    fusion = None
    if body.fusion or body.alpha is not None:
        fusion = FusionSettings(body.fusion or kb.kb.fusion.method,
                                kb.kb.fusion.alpha if body.alpha is None else body.alpha)
    stage = SecondStage(body.mmr, body.mmr_lambda, body.rerank, body.rerank_model)
    results = await kb.search(principal, body.query, body.collection_ids, body.top_k, body.mode, body.filters, fusion,
                              stage)
    return SearchResponse(results=[SearchHit(
        chunk_id=r.chunk.id, document_id=r.document.id, collection_id=r.document.collection_id,
        filename=r.document.filename, text=r.chunk.text, score=r.score, page=r.chunk.page,
        heading_path=r.chunk.heading_path or [], metadata=r.document.meta or {}) for r in results])


_ASK_STREAM_DOC = {200: {"content": {"text/event-stream": {}}, "description": "With `stream: true`: a `sources` "
                         "event, `delta` events, then `answer` (the AskResponse) or `error`, then `done`."}}


@router.post("/ask", response_model=AskResponse, responses=_ASK_STREAM_DOC,
             summary="Answer from your documents with numbered citations; `stream: true` for server-sent events")
async def ask(body: AskRequest, principal: KbReadPrincipal, answers: AnswerServiceDep) -> Any:
    prepared = await answers.prepare(principal, body.question, body.collection_ids, body.top_k, body.model,
                                     body.filters)
    if not body.stream:
        return AskResponse.model_validate(await answers.answer(prepared))

    stream = await sse.started(answers.stream(prepared))

    async def events() -> AsyncIterator[bytes]:
        try:
            async for event in stream:
                yield sse.encode(event, event=event["type"])
        except HearthError as exc:
            yield sse.encode({"type": "error", "title": exc.title, "detail": exc.detail}, event="error")
        yield sse.encode({}, event="done")

    return sse.sse_response(events())
