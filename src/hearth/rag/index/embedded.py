"""The embedded index: one shard per collection on local disk, holding the chunk vectors (exact
search below a size threshold, a usearch HNSW graph above it) and a bm25s keyword index. The
collection restriction is which shards are searched and metadata filters are a mask applied inside
each search, so nothing is filtered after ranking.

A shard is written whole into a new version directory and published by atomically replacing the
CURRENT pointer, so a crash mid-write leaves the previous version intact."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import onnxruntime  # noqa: F401  (must be loaded before usearch: the other order segfaults on import)
from usearch.index import Index

from hearth.rag.index.base import Hit, IndexedChunk, matches
from hearth.rag.index.terms import B, K1, tokenize

EXACT_LIMIT = 20_000  # below this, brute force is faster than the graph and exact
ANN_EXPANSION_SEARCH = 128  # recall@10 0.965 at 100k chunks (benchmarks/search.py); 96 gave 0.954


@dataclass
class Shard:
    version: str
    rows: list[dict[str, Any]]  # chunk_id, document_id, metadata
    texts: list[str]
    vectors: np.ndarray
    bm25: bm25s.BM25 | None
    ann: Index | None

    def mask(self, filters: dict[str, Any] | None) -> np.ndarray | None:
        if not filters:
            return None
        return np.array([matches(r["metadata"], filters) for r in self.rows], dtype=bool)

    def dense(self, vector: np.ndarray, k: int, filters: dict[str, Any] | None) -> list[Hit]:
        if not self.rows:
            return []
        mask = self.mask(filters)
        if self.ann is not None and mask is None:
            found = self.ann.search(vector.astype(np.float32), min(k, len(self.rows)))
            return [Hit(self.rows[int(key)]["chunk_id"], self.rows[int(key)]["document_id"], 1.0 - float(dist))
                    for key, dist in zip(found.keys, found.distances, strict=True)]
        candidates = np.nonzero(mask)[0] if mask is not None else np.arange(len(self.rows))
        if candidates.size == 0:
            return []
        scores = self.vectors[candidates] @ vector
        top = np.argsort(-scores)[:k]
        return [Hit(self.rows[int(candidates[i])]["chunk_id"], self.rows[int(candidates[i])]["document_id"],
                    float(scores[i])) for i in top]

    def keyword(self, query: str, k: int, filters: dict[str, Any] | None) -> list[Hit]:
        if not self.rows or self.bm25 is None:
            return []
        mask = self.mask(filters)
        if mask is not None and not mask.any():
            return []
        tokens = tokenize([query])
        if not tokens.vocab:
            return []
        ids, scores = self.bm25.retrieve(tokens, k=min(k, len(self.rows)), show_progress=False,
                                         weight_mask=mask.astype(np.float32) if mask is not None else None)
        return [Hit(self.rows[int(i)]["chunk_id"], self.rows[int(i)]["document_id"], float(s))
                for i, s in zip(ids[0], scores[0], strict=True) if s > 0]


def _build(rows: list[dict[str, Any]], texts: list[str], vectors: np.ndarray, version: str) -> Shard:
    bm25 = None
    if texts:
        bm25 = bm25s.BM25(k1=K1, b=B)
        bm25.index(tokenize(texts), show_progress=False)
    ann = None
    if len(rows) >= EXACT_LIMIT:
        ann = Index(ndim=vectors.shape[1], metric="cos", dtype="f32", connectivity=16, expansion_add=128,
                    expansion_search=ANN_EXPANSION_SEARCH)
        ann.add(np.arange(len(rows)), vectors)
    return Shard(version, rows, texts, vectors, bm25, ann)


class EmbeddedIndex:
    def __init__(self, root: Path, dimensions: int) -> None:
        self.root = root
        self.dimensions = dimensions
        self._shards: dict[str, Shard] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _dir(self, collection_id: str) -> Path:
        return self.root / collection_id

    def _current_version(self, collection_id: str) -> str | None:
        pointer = self._dir(collection_id) / "CURRENT"
        return pointer.read_text().strip() if pointer.exists() else None

    def _load(self, collection_id: str) -> Shard:
        version = self._current_version(collection_id)
        cached = self._shards.get(collection_id)
        if cached is not None and cached.version == (version or ""):
            return cached
        if version is None:
            shard = Shard("", [], [], np.zeros((0, self.dimensions), dtype=np.float32), None, None)
        else:
            path = self._dir(collection_id) / version
            rows = json.loads((path / "rows.json").read_text())
            texts = json.loads((path / "texts.json").read_text())
            vectors = np.load(path / "vectors.npy")
            bm25 = bm25s.BM25.load(str(path / "bm25")) if texts else None
            ann = None
            if (path / "ann.usearch").exists():
                ann = Index.restore(str(path / "ann.usearch"))
                ann.expansion_search = ANN_EXPANSION_SEARCH  # not saved with the graph
            shard = Shard(version, rows, texts, vectors, bm25, ann)
        self._shards[collection_id] = shard
        return shard

    def _save(self, collection_id: str, shard: Shard) -> None:
        base = self._dir(collection_id)
        path = base / shard.version
        path.mkdir(parents=True, exist_ok=True)
        (path / "rows.json").write_text(json.dumps(shard.rows))
        (path / "texts.json").write_text(json.dumps(shard.texts))
        np.save(path / "vectors.npy", shard.vectors)
        if shard.bm25 is not None:
            shard.bm25.save(str(path / "bm25"))
        if shard.ann is not None:
            shard.ann.save(str(path / "ann.usearch"))
        pointer = base / "CURRENT.tmp"
        pointer.write_text(shard.version)
        os.replace(pointer, base / "CURRENT")
        for old in base.iterdir():
            if old.is_dir() and old.name != shard.version:
                shutil.rmtree(old, ignore_errors=True)

    def _lock(self, collection_id: str) -> asyncio.Lock:
        return self._locks.setdefault(collection_id, asyncio.Lock())

    async def _rewrite(self, collection_id: str, drop: set[str], add: list[IndexedChunk]) -> None:
        async with self._lock(collection_id):
            def work() -> None:
                shard = self._load(collection_id)
                keep = [i for i, r in enumerate(shard.rows) if r["document_id"] not in drop]
                rows = [shard.rows[i] for i in keep] + [
                    {"chunk_id": c.chunk_id, "document_id": c.document_id, "metadata": c.metadata} for c in add]
                texts = [shard.texts[i] for i in keep] + [c.text for c in add]
                new_vectors = (np.stack([c.vector for c in add]).astype(np.float32) if add
                               else np.zeros((0, self.dimensions), dtype=np.float32))
                vectors = np.concatenate([shard.vectors[keep], new_vectors]) if keep else new_vectors
                new = _build(rows, texts, vectors, f"v{time.time_ns()}")
                self._save(collection_id, new)
                self._shards[collection_id] = new

            await asyncio.to_thread(work)

    async def replace_documents(self, collection_id: str, documents: dict[str, list[IndexedChunk]]) -> None:
        await self._rewrite(collection_id, set(documents), [c for chunks in documents.values() for c in chunks])

    async def delete_documents(self, collection_id: str, document_ids: list[str]) -> None:
        await self._rewrite(collection_id, set(document_ids), [])

    async def delete_collection(self, collection_id: str) -> None:
        async with self._lock(collection_id):
            self._shards.pop(collection_id, None)
            await asyncio.to_thread(shutil.rmtree, self._dir(collection_id), True)

    async def dense(self, collection_ids: list[str], vector: np.ndarray, k: int,
                    filters: dict[str, Any] | None) -> list[Hit]:
        hits = [h for c in collection_ids for h in self._load(c).dense(vector, k, filters)]
        return sorted(hits, key=lambda h: -h.score)[:k]

    async def keyword(self, collection_ids: list[str], query: str, k: int,
                      filters: dict[str, Any] | None) -> list[Hit]:
        hits = [h for c in collection_ids for h in self._load(c).keyword(query, k, filters)]
        return sorted(hits, key=lambda h: -h.score)[:k]

    async def count(self, collection_id: str) -> int:
        return len(self._load(collection_id).rows)

    async def chunk_ids(self, collection_id: str) -> list[str]:
        return [r["chunk_id"] for r in self._load(collection_id).rows]

    async def close(self) -> None:
        self._shards.clear()
