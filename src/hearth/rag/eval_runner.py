"""`hearth eval retrieval`: ingest a BEIR dataset into a scratch knowledge base and score bm25, dense
and hybrid retrieval — through the same service, ingestion and search code the server runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hearth.core.scopes import Principal, Scope
from hearth.core.settings import Settings
from hearth.db import migrate
from hearth.rag.evaluation import Dataset, documents_in_order, score_run
from hearth.rag.ingest import Ingestor
from hearth.rag.retrieval import FusionSettings, Mode
from hearth.runtime import Runtime, build_runtime
from hearth.services.kb import KnowledgeService, Upload
from hearth.services.users import UserService

RANKED_CHUNKS = 300  # enough chunks to rank 100 distinct documents
MODES: list[tuple[str, Mode]] = [("bm25", "keyword"), ("dense", "dense"), ("hybrid", "hybrid")]


@dataclass
class ModeResult:
    name: str
    metrics: dict[str, float]
    p50_ms: float
    p99_ms: float


@dataclass
class EvalReport:
    documents: int
    chunks: int
    queries: int
    ingest_s: float
    results: list[ModeResult]


Progress = Callable[[int, int, str], None]


@dataclass
class IngestedCorpus:
    kb: KnowledgeService
    principal: Principal
    collection_id: str
    names: dict[str, str]  # document id -> corpus id
    chunks: int
    seconds: float


class _Progress:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    async def progress(self, done: int, total: int, stage: str | None = None, message: str | None = None) -> None:
        self._progress(done, total, stage or "")

    async def check_cancelled(self) -> None:
        return None


def titled_markdown(title: str, text: str) -> bytes:
    """A titled document, the way a user's would look: the title is its heading."""
    title = " ".join(title.split())
    return (f"# {title}\n\n{text}" if title else text).encode()


async def ingest_corpus(runtime: Runtime, settings: Settings, corpus: dict[str, tuple[str, str]],
                        progress: Progress) -> IngestedCorpus:
    """Upload (title, text) documents as Markdown files into a new collection and ingest them, timed."""
    await migrate.upgrade(runtime.engine)
    async with runtime.sessions() as session:
        user = await UserService(session).create("eval@hearth.local", "evaluation-only-account")
    principal = Principal(user.id, False, frozenset(Scope), "session")
    kb = KnowledgeService(runtime.sessions, runtime.kb, runtime.jobs, settings)
    collection = await kb.create_collection(principal, "eval", None)
    started = time.perf_counter()
    uploads = [Upload(f"{doc_id}.md", titled_markdown(title, text)) for doc_id, (title, text) in corpus.items()]
    _, documents = await kb.upload(principal, collection.id, uploads, {}, "replace")
    await Ingestor(runtime).run(_Progress(progress), collection.id, [d.id for d in documents])  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    return IngestedCorpus(kb, principal, collection.id, {d.id: d.filename.removesuffix(".md") for d in documents},
                          await runtime.kb.index.count(collection.id), seconds)


async def run_eval(settings: Settings, dataset: Dataset, progress: Progress,
                   fusion: FusionSettings | None = None) -> EvalReport:
    runtime = build_runtime(settings)
    try:
        ingested = await ingest_corpus(runtime, settings, dataset.corpus, progress)
        results = []
        for name, mode in MODES:
            run: dict[str, list[str]] = {}
            latencies = []
            for query_id, text in dataset.queries.items():
                began = time.perf_counter()
                hits = await ingested.kb.search(ingested.principal, text, [ingested.collection_id], RANKED_CHUNKS,
                                                mode, None, fusion)
                latencies.append((time.perf_counter() - began) * 1000)
                run[query_id] = documents_in_order([(ingested.names[h.document.id], h.score) for h in hits])
            latencies.sort()
            results.append(ModeResult(name, score_run(run, dataset.qrels), statistics.median(latencies),
                                      latencies[max(0, int(len(latencies) * 0.99) - 1)]))
        return EvalReport(len(dataset.corpus), ingested.chunks, len(dataset.queries), ingested.seconds, results)
    finally:
        await runtime.llm.close()
        await runtime.kb.index.close()
        await runtime.engine.dispose()


def eval_settings(base: Settings, data_dir: Path) -> Settings:
    """A scratch data dir and SQLite database, with the user's chunking and fusion settings."""
    from hearth.core.settings import load_settings

    return load_settings(data_dir=data_dir, env="dev", database_url=None, redis_url=None, queue="embedded",
                         job_workers=0, vector_store="embedded", kb_chunk_target_tokens=base.kb_chunk_target_tokens,
                         kb_chunk_overlap_tokens=base.kb_chunk_overlap_tokens, kb_fusion=base.kb_fusion,
                         kb_hybrid_alpha=base.kb_hybrid_alpha, kb_embed_headings=base.kb_embed_headings,
                         log_level="WARNING")
