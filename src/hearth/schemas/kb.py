from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from hearth.schemas.common import RequestModel, ResponseModel


class CollectionCreate(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str | None, Field(max_length=5000)] = None


class CollectionUpdate(RequestModel):
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    description: Annotated[str | None, Field(max_length=5000)] = None


class CollectionPublic(ResponseModel):
    id: str
    name: str
    description: str | None
    embedding_model: str
    embedding_dimensions: int
    chunk_target_tokens: int
    chunk_overlap_tokens: int
    created_at: datetime


class DocumentPublic(ResponseModel):
    id: str
    collection_id: str
    filename: str
    content_hash: str
    detected_type: str | None
    size_bytes: int
    status: Literal["queued", "processing", "indexed", "failed", "skipped"]
    error: str | None
    metadata: dict[str, Any] = Field(validation_alias="meta")
    chunk_count: int
    job_id: str | None
    created_at: datetime | None = None


class UploadAccepted(ResponseModel):
    job_id: str | None = Field(description="The ingestion job; null when every file was a skipped duplicate.")
    documents: list[DocumentPublic]


class ChunkPublic(ResponseModel):
    id: str
    position: int
    text: str
    page: int | None
    heading_path: list[str]
    token_count: int


class SearchRequest(RequestModel):
    query: Annotated[str, Field(min_length=1, max_length=4000)]
    collection_ids: Annotated[list[str], Field(min_length=1, max_length=50)]
    top_k: Annotated[int, Field(ge=1, le=200)] = 10
    mode: Literal["hybrid", "dense", "keyword"] = "hybrid"
    filters: dict[str, Any] | None = Field(
        default=None, description='Document metadata: {"field": value}, {"field": {"in": [...]}}, '
        '{"field": {"gte": a, "lte": b}}')
    fusion: Literal["convex", "rrf"] | None = Field(default=None, description="Hybrid fusion; default from settings.")
    alpha: Annotated[float | None, Field(ge=0, le=1, description="Dense weight for convex fusion.")] = None
    mmr: bool = Field(default=False, description="Diversify the results by maximal marginal relevance.")
    mmr_lambda: Annotated[float, Field(ge=0, le=1, description="MMR: 1 = relevance only, 0 = diversity only.")] = 0.5
    rerank: bool = Field(default=False, description="Let a language model grade and reorder the top candidates.")
    rerank_model: Annotated[str | None, Field(max_length=200, description="provider/model; default chat model.")] = None


class SearchHit(ResponseModel):
    chunk_id: str
    document_id: str
    collection_id: str
    filename: str
    text: str
    score: float
    page: int | None
    heading_path: list[str]
    metadata: dict[str, Any]


class SearchResponse(ResponseModel):
    results: list[SearchHit]


class AskRequest(RequestModel):
    question: Annotated[str, Field(min_length=1, max_length=4000)]
    collection_ids: Annotated[list[str], Field(min_length=1, max_length=50)]
    top_k: Annotated[int, Field(ge=1, le=20, description="Sources offered to the model, as many as fit.")] = 5
    model: Annotated[str | None, Field(max_length=200, description="provider/model; default chat model.")] = None
    filters: dict[str, Any] | None = None
    stream: bool = False


class Citation(ResponseModel):
    n: int
    chunk_id: str
    document_id: str
    filename: str
    page: int | None
    heading_path: list[str]


class AskResponse(ResponseModel):
    answer: str
    grounded: bool = Field(description="False when nothing relevant was retrieved and the model was not asked.")
    model: str | None
    citations: list[Citation] = Field(description="The sources the answer cites, by their [n].")
    sources: list[Citation] = Field(description="Every source the model was given.")
    latency_ms: int
