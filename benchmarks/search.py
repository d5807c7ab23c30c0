"""Search latency of the embedded index at 100k chunks, query embedding excluded, side by side:

  hybrid        BM25 + HNSW (usearch) candidates fused by the default convex combination
  keyword       bm25s alone
  dense (ANN)   the HNSW graph alone
  dense (exact) brute force over every vector: the baseline the graph must match
and ANN recall@10 against exact search, on the same queries.

Passages are real text: overlapping 40-word windows of the SciFact corpus (../shared/datasets/scifact),
the 300 test queries are embedded for real. Embedding 100k passages on 2 cores takes ~20 minutes,
so by default only one passage per SciFact document is embedded and the other windows of that
document get its vector plus Gaussian noise (cosine ~0.85 to it): clusters shaped like real data.
`--embed-all` embeds every passage instead.

Usage: .venv/bin/python benchmarks/search.py [--chunks 100000] [--embed-all]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from hearth.rag.embedders.minilm import MiniLMEmbedder
from hearth.rag.evaluation import load_beir
from hearth.rag.index.base import IndexedChunk
from hearth.rag.index.embedded import EmbeddedIndex
from hearth.rag.retrieval import FusionSettings, search_index

DATASET = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "scifact"
WINDOW, STRIDE = 40, 8
NOISE = 0.0316  # per-dimension sigma: cos(noisy, original) ~ 1/sqrt(1 + 384 * sigma^2) ~ 0.85


def passages(corpus: dict[str, tuple[str, str]], limit: int) -> list[tuple[str, str]]:
    """(document id, passage) windows, cycling over the corpus until there are `limit`."""
    out: list[tuple[str, str]] = []
    for doc_id, (title, text) in corpus.items():
        words = f"{title}. {text}".split()
        for start in range(0, max(1, len(words) - WINDOW + 1), STRIDE):
            out.append((doc_id, " ".join(words[start:start + WINDOW])))
    return (out * (limit // len(out) + 1))[:limit]


def vectors(embedder: MiniLMEmbedder, items: list[tuple[str, str]], embed_all: bool) -> np.ndarray:
    if embed_all:
        return embedder.embed([text for _, text in items])
    first: dict[str, int] = {}
    for i, (doc_id, _) in enumerate(items):
        first.setdefault(doc_id, i)
    real = dict(zip(first, embedder.embed([items[i][1] for i in first.values()]), strict=True))
    rng = np.random.default_rng(7)
    out = np.stack([real[doc_id] for doc_id, _ in items]).astype(np.float32)
    out += rng.normal(0, NOISE, out.shape).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


async def measure(chunks: int, embed_all: bool, rounds: int) -> None:
    dataset = load_beir(DATASET, "test")
    embedder = MiniLMEmbedder()
    items = passages(dataset.corpus, chunks)
    began = time.perf_counter()
    matrix = vectors(embedder, items, embed_all)
    print(f"{len(items)} passages, vectors in {time.perf_counter() - began:.0f} s "
          f"({'all embedded' if embed_all else 'one embedded per document, the rest derived'})")
    queries = list(dataset.queries.values())
    query_vectors = embedder.embed(queries)

    with tempfile.TemporaryDirectory() as scratch:
        index = EmbeddedIndex(Path(scratch), embedder.dimensions)
        documents: dict[str, list[IndexedChunk]] = {}
        for i, (doc_id, text) in enumerate(items):
            documents.setdefault(f"{doc_id}-{i // 1000}", []).append(IndexedChunk(f"c{i}", doc_id, text, matrix[i]))
        began = time.perf_counter()
        await index.replace_documents("bench", documents)
        print(f"index built in {time.perf_counter() - began:.1f} s")
        fusion = FusionSettings()
        timings: dict[str, list[float]] = {"hybrid": [], "keyword": [], "dense (ANN)": [], "dense (exact)": []}
        for _ in range(rounds):
            for query, vector in zip(queries, query_vectors, strict=True):
                for name, mode in (("hybrid", "hybrid"), ("keyword", "keyword"), ("dense (ANN)", "dense")):
                    began = time.perf_counter()
                    await search_index(index, ["bench"], query, vector, 10, mode, None, fusion)  # type: ignore[arg-type]
                    timings[name].append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                np.argsort(-(matrix @ vector))[:10]
                timings["dense (exact)"].append((time.perf_counter() - began) * 1000)

        recalls = []
        for vector in query_vectors:
            exact = set(np.argsort(-(matrix @ vector))[:10].tolist())
            found = await index.dense(["bench"], vector, 10, None)
            recalls.append(len(exact & {int(h.chunk_id[1:]) for h in found}) / 10)

    print(f"\n{len(queries)} queries x {rounds} rounds, top 10, query embedding excluded")
    print(f"{'search':<14} {'p50 ms':>8} {'p99 ms':>8}")
    for name, samples in timings.items():
        p50, p99 = percentiles(samples)
        print(f"{name:<14} {p50:>8.2f} {p99:>8.2f}")
    print(f"\nANN recall@10 against exact search: {statistics.mean(recalls):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--embed-all", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(measure(args.chunks, args.embed_all, args.rounds))


if __name__ == "__main__":
    main()
