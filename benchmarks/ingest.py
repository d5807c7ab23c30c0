"""Ingestion throughput, side by side in one run on the same SciFact documents:

  bare embedder   MiniLMEmbedder.embed over the chunks' texts, nothing else
  hearth ingest   upload + the kb.ingest path the server runs: parse, chunk, embed (cold cache),
                  store chunks in SQLite, write the embedded index, mark documents indexed

Both count passages (chunks) per second; the goal is hearth >= 0.85x the bare embedder.
Usage: .venv/bin/python benchmarks/ingest.py [--documents 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from hearth.core.logging import configure_logging
from hearth.core.settings import load_settings
from hearth.rag.chunking import chunk_blocks
from hearth.rag.embedders.minilm import MiniLMEmbedder
from hearth.rag.eval_runner import eval_settings, ingest_corpus, titled_markdown
from hearth.rag.evaluation import load_beir
from hearth.rag.parsing import parse_document
from hearth.runtime import build_runtime

DATASET = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "scifact"


def bare(corpus: dict[str, tuple[str, str]]) -> tuple[int, float]:
    embedder = MiniLMEmbedder()
    settings = load_settings()
    texts = []
    for title, text in corpus.values():
        _, blocks = parse_document(titled_markdown(title, text), "doc.md")
        texts += [d.text for d in chunk_blocks(blocks, embedder.count_tokens, settings.kb_chunk_target_tokens,
                                               settings.kb_chunk_overlap_tokens)]
    began = time.perf_counter()
    embedder.embed(texts)
    return len(texts), time.perf_counter() - began


async def through_hearth(corpus: dict[str, tuple[str, str]]) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as scratch:
        settings = eval_settings(load_settings(), Path(scratch))
        runtime = build_runtime(settings)
        try:
            ingested = await ingest_corpus(runtime, settings, corpus, lambda *_: None)
            return ingested.chunks, ingested.seconds
        finally:
            await runtime.kb.index.close()
            await runtime.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()
    configure_logging("WARNING", False)
    corpus = dict(list(load_beir(DATASET, "test").corpus.items())[:args.documents])
    bare_chunks, bare_s = bare(corpus)
    chunks, seconds = asyncio.run(through_hearth(corpus))
    print(f"{len(corpus)} SciFact documents")
    print(f"{'path':<16} {'passages':>9} {'seconds':>8} {'passages/s':>11}")
    print(f"{'bare embedder':<16} {bare_chunks:>9} {bare_s:>8.1f} {bare_chunks / bare_s:>11.1f}")
    print(f"{'hearth ingest':<16} {chunks:>9} {seconds:>8.1f} {chunks / seconds:>11.1f}")
    print(f"ratio: {(chunks / seconds) / (bare_chunks / bare_s):.2f}x the bare embedder")


if __name__ == "__main__":
    main()
