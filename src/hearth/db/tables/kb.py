from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hearth.db.tables.base import Base, IdMixin, TimestampMixin


class Collection(IdMixin, TimestampMixin, Base):
    __tablename__ = "kb_collections"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_kb_collections_owner_name"),)

    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    embedding_model: Mapped[str] = mapped_column(String(200))
    embedding_dimensions: Mapped[int] = mapped_column(Integer)
    chunk_target_tokens: Mapped[int] = mapped_column(Integer)
    chunk_overlap_tokens: Mapped[int] = mapped_column(Integer)


class Document(IdMixin, TimestampMixin, Base):
    __tablename__ = "kb_documents"
    __table_args__ = (Index("ix_kb_documents_collection_hash", "collection_id", "content_hash"),)

    collection_id: Mapped[str] = mapped_column(ForeignKey("kb_collections.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    detected_type: Mapped[str | None] = mapped_column(String(20))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    stage: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict] = mapped_column(default=dict)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[str | None] = mapped_column(String(36))
    # Uploaded bytes wait here until the ingestion job has parsed them.
    blob_path: Mapped[str | None] = mapped_column(String(1000))


class Chunk(IdMixin, Base):
    __tablename__ = "kb_chunks"
    __table_args__ = (UniqueConstraint("document_id", "position", name="uq_kb_chunks_document_position"),)

    document_id: Mapped[str] = mapped_column(ForeignKey("kb_documents.id", ondelete="CASCADE"), index=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("kb_collections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    heading_path: Mapped[list] = mapped_column(default=list)
    token_count: Mapped[int] = mapped_column(Integer)


class EmbeddingCacheEntry(Base):
    __tablename__ = "kb_embedding_cache"

    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
